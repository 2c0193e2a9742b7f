// Markdown of the peer benchmark; pure.
import { targetTable } from './targets.mjs';

const ms = (x) => `${Math.round(x)} ms`;
const x2 = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : '—');

function cell(m, { split = false } = {}) {
  if (!m) return '—';
  const parts = split && m.postMs ? ` (${Math.round(m.mainMs)} + ${Math.round(m.postMs)})` : '';
  const out = m.apiRequests !== undefined ? ` (\`api-requests\` output: ${m.apiRequests})` : '';
  return `${ms(m.wallMs)}${parts}, ${m.requests} requests${out}`;
}

function mainTable(m) {
  const row = (name, s) =>
    `| ${name} | ${cell(s.k8sDeploy)} | ${cell(s.hac, { split: true })} | ${cell(s.kubectl)} | ${x2(s.hac?.wallMs, s.k8sDeploy?.wallMs)} wall, ${x2(s.hac?.requests, s.k8sDeploy?.requests)} requests | ${x2(s.hac?.wallMs, s.kubectl?.wallMs)} wall |`;
  return [
    '| scenario | Azure/k8s-deploy | hac (main + post) | kubectl script | hac / k8s-deploy | hac / kubectl |',
    '| --- | --- | --- | --- | --- | --- |',
    row('blue-green, service route', m.bg),
    row('canary 25% then promote', m.canary),
  ].join('\n');
}

function correctnessTable(m) {
  const rows = [];
  for (const [scenario, s] of [
    ['blue-green', m.bg],
    ['canary 25% then promote', m.canary],
  ])
    for (const [tool, t] of [
      ['hac', s.hac],
      ['Azure/k8s-deploy', s.k8sDeploy],
      ['kubectl script', s.kubectl],
    ]) {
      if (!t) continue;
      const settle = t.atReturn ? 'yes' : `no: correct ${ms(t.settleMs)} later`;
      const lag =
        t.rolloutLagMs === undefined
          ? ''
          : t.rolloutLagMs > 0
            ? `**returned ${ms(t.rolloutLagMs)} before** stable was rolled out (worst run)`
            : `returned ${ms(-t.rolloutLagMs)} after stable was rolled out (worst run)`;
      rows.push(`| ${scenario} | ${tool} | ${t.correct ? 'yes' : 'NO'} (${t.n} runs) | ${settle} | ${lag} |`);
    }
  return [
    '| scenario | tool | end state correct | correct at the first check after return | promote vs the stable rollout (kubectl watch) |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

function failureTable(failures) {
  const rows = failures.map((f) =>
    f.error
      ? `| ${f.scenario} | ${f.tool} | ${f.error} | | |`
      : `| ${f.scenario} | ${f.tool} | ${f.code} | ${f.minReady ?? '—'} | ${f.zeroMs > 0 ? `**${ms(f.zeroMs)}**` : 'never'} |`,
  );
  return [
    '| scenario | tool | exit | fewest ready endpoints of the live Service | time with 0 ready endpoints |',
    '| --- | --- | ---: | ---: | --- |',
    ...rows,
  ].join('\n');
}

/** "verb resource ×n, ...", most frequent first. */
export const verbs = (v = {}) =>
  Object.entries(v)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');

export function peersMarkdown(d) {
  const m = d.medians;
  return [
    `Command: \`npm run bench -- peers\` (\`node scripts/bench/run.mjs peers\`; rounds: \`HAC_BENCH_PEER_ROUNDS\`, default 3). ${d.replicas} replicas on the kwok sandbox; ${d.rounds} interleaved rounds (the tool order rotates), medians.`,
    "Each run has a fresh namespace and its own ServiceAccount bound to the sandbox deployer's Role; requests are the audit log's ResponseComplete events of that user from the release (v1 → v2) to the end.",
    'hac runs main and then post, as the runner does; k8s-deploy has no post step. Blue-green for k8s-deploy is deploy then `action: promote`, for hac one deploy that switches; canary is a deploy at 25% then a promote in a second job for every tool.',
    d.k8sDeploy
      ? `Azure/k8s-deploy v7.0.0 from \`${d.k8sDeploy}\`.`
      : '**Azure/k8s-deploy column left out:** no bundle at `HAC_PEER_K8S_DEPLOY` or `../shared/peers/azure-k8s-deploy-v7.0.0/`.',
    '',
    mainTable(m),
    '',
    `API round trip (authenticated GET over a kept-alive connection): ${m.rttMs.toFixed(1)} ms. \`node -e 0\`: ${ms(m.nodeMs)}.`,
    `Pod readiness in the kubectl script (its \`rollout status\`): blue-green ${ms(m.readyMs)}, canary ${ms(m.canaryReadyMs)}.`,
    '',
    '### End state (checked with kubectl: every pod the live Service selects is Ready on the new image, as many as asked)',
    '',
    correctnessTable(m),
    '',
    '### New pods that never become Ready (`hac.dev/sim-fail: readiness` in the new pod template, the annotation `npm run sandbox -- fail-pods` sets; timeout 6 s)',
    '',
    failureTable(d.failures),
    '',
    '### Targets (each measured side by side in this run)',
    '',
    targetTable(d.targets),
    '',
    "Floor: the requests hac makes (audit log) as sequential round trips × the round trip above, plus the Node starts the runner makes (main + post per job: 2 for blue-green, 4 for the canary's two jobs), plus the pods' readiness as the kubectl script waited for it in the same run. The ratio at the floor is the best any tool making these requests could reach against the peer.",
    m.post
      ? `Post step with nothing to restore: each scenario's hac post step run again ${m.post.runs} times with the state its main left (finished), interleaved with \`node -e 0\` after the rounds: ${m.post.scenarios.map((x) => `${x.scenario} ${ms(x.bundleMs)} vs ${ms(x.nodeMs)} (${x.ratio.toFixed(2)}×)`).join(', ')}. Right after a release the same post step takes ${ms(m.bg.hac?.postMs ?? 0)} (blue-green), with the cluster busy rolling pods.`
      : '',
    'The smoke-test load target (≥ 0.8× autocannon) is measured in the smoke-test section.',
    '',
    `hac requests by verb (last run): blue-green ${verbs(m.bg.hac?.verbs)}; canary ${verbs(m.canary.hac?.verbs)}.`,
    m.bg.k8sDeploy
      ? `Azure/k8s-deploy requests by verb (last run): blue-green ${verbs(m.bg.k8sDeploy.verbs)}; canary ${verbs(m.canary.k8sDeploy?.verbs)}.`
      : '',
  ].join('\n');
}
