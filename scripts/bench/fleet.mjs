// Fleet release vs one cluster at a time: the wall time of one 3-cluster fleet release (the fleet
// template: one image, a canary on cluster 1, clusters 2 and 3 in parallel, verdict) against three
// releases of the same version, one cluster each, one after the other (the same template with a
// one-cluster FLEET: the same bundles, image build and canary, so only the fleet's shape differs). Both after an untimed baseline release, same pauses, same
// sandbox, in one run; act's step timings say where the time goes. Needs the sandbox with 3 clusters.
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { splitStepTimes } from './pipeline.mjs';

const PAUSE = '2s';
const HAC_STEPS = ['Build and push', 'Canary steps with gates'];

function sandboxEnv(repoRoot) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/sandbox/cli.mjs'), 'env', '--json'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`bench fleet: the sandbox is not up (${r.stderr.trim()})`);
  return JSON.parse(r.stdout);
}

/** One run's figures: wall time, the image build, the hac canary steps and everything else. */
export function figures(r) {
  const build = splitStepTimes(r.log, ['Build and push']).hacMs;
  const hac = splitStepTimes(r.log, HAC_STEPS).hacMs;
  const requests = [...r.log.matchAll(/api-requests=(\d+)/g)].map((m) => Number(m[1]));
  return { code: r.code, wallMs: r.wallMs, buildMs: build, canaryMs: hac - build, apiRequests: requests };
}

export const sum = (runs) =>
  runs.reduce(
    (a, r) => ({
      code: a.code || r.code,
      wallMs: a.wallMs + r.wallMs,
      buildMs: a.buildMs + r.buildMs,
      canaryMs: a.canaryMs + r.canaryMs,
    }),
    { code: 0, wallMs: 0, buildMs: 0, canaryMs: 0 },
  );

const s = (ms) => (ms / 1000).toFixed(1);
const row = (name, f) =>
  `| ${name} | ${f.code === 0 ? 'success' : `failed (${f.code})`} | ${s(f.wallMs)} | ${s(f.buildMs)} | ${s(f.canaryMs)} | ${s(f.wallMs - f.buildMs - f.canaryMs)} |`;

export async function run({ repoRoot }) {
  const { runTemplate } = await import(path.join(repoRoot, 'scripts/pipeline.mjs'));
  const env = sandboxEnv(repoRoot);
  const contexts = String(env.HAC_SANDBOX_FLEET_CONTEXTS ?? '')
    .split(',')
    .filter(Boolean);
  if (contexts.length < 3)
    throw new Error('bench fleet: needs 3 sandbox clusters (npm run sandbox -- up --clusters 3)');
  const tag = Date.now() % 100000;
  const fleetVars = {
    APP_NAME: 'ipsvc-fleet-bench',
    IMAGE_NAME: 'hac/ipsvc-fleet-bench',
    CANARY_PAUSE: PAUSE,
  };
  const fleet = (version) =>
    runTemplate({ template: 'fleet', version, sandbox: env, quiet: true, extraVars: fleetVars });
  // One cluster at a time: the same template, bundles and canary (wave 0's) with a one-cluster fleet.
  const single = (version, n) =>
    runTemplate({
      template: 'fleet',
      version,
      quiet: true,
      sandbox: env,
      extraVars: {
        ...fleetVars,
        APP_NAME: 'ipsvc-single-bench',
        IMAGE_NAME: 'hac/ipsvc-single-bench',
        FLEET: JSON.stringify([{ clusters: [contexts[n - 1]] }]),
      },
    });
  // Untimed baselines: every cluster runs a first version of both apps.
  await fleet(`1.${tag}.0`);
  for (const n of [1, 2, 3]) await single(`1.${tag}.0`, n);
  const fleetRun = figures(await fleet(`2.${tag}.0`));
  const singles = [];
  for (const n of [1, 2, 3]) singles.push(figures(await single(`2.${tag}.0`, n)));
  const sequential = sum(singles);
  const data = { fleet: fleetRun, sequential, singles, speedup: sequential.wallMs / fleetRun.wallMs };
  const perCluster = fleetRun.apiRequests.length ? Math.max(...fleetRun.apiRequests) : 0;
  const markdown = [
    `One release of a new version to 3 sandbox clusters (kwok, 2 replicas each, canary pauses ${PAUSE}), after an untimed baseline release, in one run on this machine, all through \`workflows-templates/fleet.yml\` with \`npm run pipeline\` machinery:`,
    '- **fleet**: one image build, the canary on cluster 1 (steps 25,100), then clusters 2 and 3 in parallel (steps 50,100), the verdict;',
    '- **3 sequential**: the same template three times with a one-cluster `FLEET`, one after the other: each run builds the image and runs the full canary (25,100) on its cluster.',
    '',
    '"canary steps" sums the hac k8s-canary steps as act times them (in parallel legs they overlap, so the fleet can exceed its share of wall time); "other" is act, job set-up, the Go build and stand-ins.',
    '',
    '| release | result | wall s | image build s | canary steps s | other s |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    row('fleet (3 clusters: wave 0 one, wave 1 two)', fleetRun),
    ...singles.map((f, i) => row(`one-cluster release, cluster ${i + 1}`, f)),
    row('3 sequential single-cluster releases', sequential),
    '',
    `Kubernetes API requests of one cluster's canary step (k8s-canary's api-requests output): at most ${perCluster} in the fleet run (${fleetRun.apiRequests.join(', ') || 'none seen'}); each cluster's API sees only its own job's requests.`,
    '',
    `The fleet release took ${(100 / data.speedup).toFixed(0)}% of the sequential wall time (${data.speedup.toFixed(2)}x faster).`,
  ].join('\n');
  return { title: 'Fleet release vs sequential single-cluster releases', markdown, data };
}
