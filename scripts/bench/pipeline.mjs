// Local template runs through act: the wall time of each template, and how it splits between
// the hac actions' own steps (as act times them) and everything else (act, job set-up, image
// builds with Go and buildah, stand-ins). Needs the sandbox.
import path from 'node:path';

/** Sums act's step timings ("✅  Success - Main <step> [1.234s]") by whether the step is a hac action. */
export function splitStepTimes(log, hacStepNames) {
  let hacMs = 0;
  let otherStepsMs = 0;
  const re = /(?:Success|Failure) - (Main|Post) (.+?) \[([\d.]+)(ms|s|m)?([\d.]*s)?\]/;
  for (const line of log.split('\n')) {
    const m = re.exec(line);
    if (!m) continue;
    let ms;
    if (m[5]) ms = Number(m[3]) * 60_000 + Number(m[5].replace('s', '')) * 1000;
    else ms = Number(m[3]) * (m[4] === 'ms' ? 1 : m[4] === 'm' ? 60_000 : 1000);
    if (hacStepNames.some((n) => m[2].includes(n))) hacMs += ms;
    else otherStepsMs += ms;
  }
  return { hacMs, otherStepsMs };
}

const HAC_STEPS = [
  'Build and push',
  'Canary steps with gates',
  'Promote the canary',
  'Deploy the idle color and switch',
  'Blue-green release to staging',
  'Health, version, latency and load',
  'Build the AMI',
  'Launch, gate and swap',
];

export async function run({ repoRoot }) {
  const { runTemplate } = await import(path.join(repoRoot, 'scripts/pipeline.mjs'));
  const { spawnSync } = await import('node:child_process');
  const env = JSON.parse(
    spawnSync(process.execPath, [path.join(repoRoot, 'scripts/sandbox/cli.mjs'), 'env', '--json'], {
      encoding: 'utf8',
    }).stdout,
  );
  const rows = [];
  const data = {};
  for (const template of ['k8s-canary', 'k8s-bluegreen', 'ec2-immutable', 'full-pipeline']) {
    const r = await runTemplate({ template, version: `9.${Date.now() % 1000}.0`, sandbox: env, quiet: true });
    const split = splitStepTimes(r.log, HAC_STEPS);
    data[template] = { code: r.code, wallMs: r.wallMs, ...split };
    rows.push(
      `| ${template} | ${r.code === 0 ? 'success' : `failed (${r.code})`} | ${(r.wallMs / 1000).toFixed(1)} | ${(split.hacMs / 1000).toFixed(1)} | ${((r.wallMs - split.hacMs) / 1000).toFixed(1)} | ${(split.otherStepsMs / 1000).toFixed(1)} |`,
    );
  }
  const markdown = [
    'One release of each template with `npm run pipeline` machinery (act on the host, sandbox, stand-in endpoints), after a previous release, in one run.',
    '"hac actions" sums the Main and Post steps of hac actions as act times them; the rest is act itself, job set-up, other steps (Go builds, stand-ins) and the canary pauses the template asks for (3 s per step locally).',
    '',
    '| template | result | wall s | hac actions s | act, sandbox and other steps s | of which other steps s |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
  return { title: 'Local template runs (act + sandbox)', markdown, data };
}
