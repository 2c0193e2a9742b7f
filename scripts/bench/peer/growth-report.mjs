// Markdown and SVG of the growth benchmark; pure.
import { svgDocument } from './svg.mjs';

const s1 = (ms) => `${(ms / 1000).toFixed(1)} s`;

function seriesTable(rows, key) {
  const head = key === 'replicas' ? 'replicas (steps 50,100)' : 'steps (4 replicas)';
  return [
    `| ${head} | hac wall | hac requests | kubectl script wall (same replica changes) | kubectl requests | hac − kubectl | end state |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${r[key]} | ${s1(r.hac.wallMs)} | ${r.hac.requests} | ${s1(r.kubectl.wallMs)} | ${r.kubectl.requests} | ${s1(r.hac.wallMs - r.kubectl.wallMs)} | ${r.hac.code === 0 && r.hac.correct ? 'promoted, correct' : `exit ${r.hac.code}, correct: ${r.hac.correct}`} |`,
    ),
  ].join('\n');
}

export function growthMarkdown(d) {
  return [
    'Command: `npm run bench -- growth` (`node scripts/bench/run.mjs growth`; points: `HAC_BENCH_GROWTH_REPLICAS`, `HAC_BENCH_GROWTH_STEPS`, `HAC_BENCH_GROWTH_APPS`). One run per point on the kwok sandbox; pods run on three bench-only kwok nodes (tainted, 1000 pods each, removed at the end).',
    "Each point is a fresh namespace and ServiceAccount: a v1 baseline, then a hac canary to v2 (main + post, zero pauses, no gates) and, in another namespace, a kubectl script making the same replica changes (canary per step, stable scaled down, then stable to the new image and the canary removed). Requests are the audit log's events of each identity; the kubectl script's wall time is the time the pods take to become ready plus one kubectl start per command.",
    '',
    '![growth](bench-growth.svg)',
    '',
    seriesTable(d.byReplicas, 'replicas'),
    '',
    seriesTable(d.bySteps, 'steps'),
  ].join('\n');
}

export function concurrencyMarkdown(c) {
  const all = c.perApp.every((a) => a.code === 0 && a.correct);
  const leases = new Set(c.perApp.map((a) => a.lease.name)).size;
  const released = c.perApp.filter((a) => a.lease.holder === '').length;
  const foreign = c.perApp.flatMap((a) => a.foreign);
  const walls = c.perApp.map((a) => a.wallMs).sort((a, b) => a - b);
  return [
    `### ${c.apps} apps canaried at once (steps 25,100, 4 replicas each, one namespace, one ServiceAccount per app)`,
    '',
    '| | |',
    '| --- | --- |',
    `| all complete and correct (kubectl) | ${all ? 'yes' : 'NO'} (${c.perApp.filter((a) => a.code === 0 && a.correct).length}/${c.apps}) |`,
    `| own Lease each | ${leases} distinct Leases \`hac-<app>\`, ${released} released at the end |`,
    `| cross-talk (requests of one app's identity naming another app's object) | ${foreign.length ? foreign.slice(0, 5).join(', ') : 'none'} |`,
    `| total wall time (first start to last exit) | ${s1(c.wallMs)} (each run: ${s1(walls[0])} to ${s1(walls.at(-1))}) |`,
    `| apiserver requests in that window (all users) | ${c.totalRequests}, **${(c.totalRequests / (c.wallMs / 1000)).toFixed(0)} requests/s** |`,
    `| of which the ${c.apps} hac identities | ${c.hacRequests} (${(c.hacRequests / c.apps).toFixed(1)} per app) |`,
  ].join('\n');
}

export function growthSvg(d) {
  const r = d.byReplicas;
  const s = d.bySteps;
  const sec = (ms) => Math.round(ms) / 1000;
  return svgDocument(
    [
      {
        title: 'Wall time vs replicas (steps 50,100)',
        xTitle: 'replicas',
        yTitle: 'seconds',
        xLabels: r.map((x) => x.replicas),
        series: [
          { name: 'hac canary (main + post)', values: r.map((x) => sec(x.hac.wallMs)) },
          { name: 'kubectl, same replica changes', values: r.map((x) => sec(x.kubectl.wallMs)) },
        ],
      },
      {
        title: 'API requests vs replicas',
        xTitle: 'replicas',
        yTitle: 'requests',
        xLabels: r.map((x) => x.replicas),
        series: [
          { name: 'hac', values: r.map((x) => x.hac.requests) },
          { name: 'kubectl', values: r.map((x) => x.kubectl.requests) },
        ],
      },
      {
        title: 'Wall time vs steps (4 replicas)',
        xTitle: 'steps',
        yTitle: 'seconds',
        xLabels: s.map((x) => x.steps),
        series: [
          { name: 'hac canary (main + post)', values: s.map((x) => sec(x.hac.wallMs)) },
          { name: 'kubectl, same replica changes', values: s.map((x) => sec(x.kubectl.wallMs)) },
        ],
      },
      {
        title: 'API requests vs steps',
        xTitle: 'steps',
        yTitle: 'requests',
        xLabels: s.map((x) => x.steps),
        series: [
          { name: 'hac', values: s.map((x) => x.hac.requests) },
          { name: 'kubectl', values: s.map((x) => x.kubectl.requests) },
        ],
      },
    ],
    { caption: 'npm run bench -- growth: one run per point on the kwok sandbox (docs/BENCHMARKS.md)' },
  );
}
