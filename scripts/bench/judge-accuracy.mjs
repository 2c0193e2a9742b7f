// Benchmark: the canary judge's accuracy against threshold-only gates, over simulated steps drawn
// in-process from the sandbox exporter's distributions (scripts/sandbox/lib/distributions.mjs).
// Each step: 3 canary and 3 baseline pods, 30 one-second samples of the per-role average, as the
// judge reads them from Prometheus (avg(...{role="..."}) over the window, step 1s).
//   node scripts/bench/judge-accuracy.mjs [steps-per-case]      prints the table
//   node scripts/bench/run.mjs --update judge-accuracy           writes it into docs/BENCHMARKS.md
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { draw, scaled, seededRandom } from '../sandbox/lib/distributions.mjs';

const SAMPLES = 30;
const PODS = 3;
const SPIKE = { factor: 3, samples: 8 };
const NORMAL = { kind: 'normal', mean: 100, sd: 5 };
const NOISY = { kind: 'lognormal', median: 100, sigma: 0.4 };

/** The cases: what each role draws from, a fleet-wide spike, and the right verdict. */
export const CASES = [
  { name: 'equal', canary: NORMAL, baseline: NORMAL, good: true },
  { name: '30% slower', canary: scaled(NORMAL, 1.3), baseline: NORMAL, good: false },
  { name: 'fleet-wide spike on both', canary: NORMAL, baseline: NORMAL, spike: true, good: true },
  { name: 'noisy but equal', canary: NOISY, baseline: NOISY, good: true },
  { name: '30% slower and noisy', canary: scaled(NOISY, 1.3), baseline: NOISY, good: false },
];

/** One role's window: the average over its pods at each sample, times the spike where it hits. */
function windowOf(dist, rand, spikeAt) {
  const out = [];
  for (let t = 0; t < SAMPLES; t++) {
    let sum = 0;
    for (let p = 0; p < PODS; p++) sum += draw(dist, rand);
    const k = spikeAt !== undefined && t >= spikeAt && t < spikeAt + SPIKE.samples ? SPIKE.factor : 1;
    out.push((sum / PODS) * k);
  }
  return out;
}

const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;

async function loadJudge(repoRoot) {
  const { default: ncc } = await import('@vercel/ncc');
  const { code } = await ncc(path.join(repoRoot, 'packages', 'k8s', 'canary', 'judge', 'index.ts'), {
    quiet: true,
    target: 'es2022',
    transpileOnly: true,
    cache: false,
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-bench-judge-'));
  const file = path.join(dir, 'index.mjs');
  fs.writeFileSync(file, code);
  return import(pathToFileURL(file).href);
}

function gates(judge) {
  const metric = (tolerance) =>
    judge.parseJudgeMetrics(
      `- {name: latency, query: 'avg(x{role="{{role}}"})', tolerance: ${tolerance}, critical: true, min-samples: 20}`,
    );
  const judged = (tolerance) => {
    const metrics = metric(tolerance);
    return (canary, baseline) =>
      judge.judgeStep([{ metric: metrics[0], canary, baseline }], judge.DEFAULT_JUDGE_OPTIONS).verdict ===
      'pass';
  };
  return [
    { name: 'judge, tolerance 1.1', passes: judged(1.1) },
    { name: 'judge, tolerance 1.2', passes: judged(1.2) },
    { name: 'threshold: window mean ≤ 150', passes: (canary) => mean(canary) <= 150 },
    { name: 'threshold: window mean ≤ 120', passes: (canary) => mean(canary) <= 120 },
  ];
}

/** Wrong verdicts per gate and case: false positives (a good canary failed) or false negatives. */
export function simulate(judge, steps, seed = 13) {
  const rand = seededRandom(seed);
  const gateList = gates(judge);
  return CASES.map((c) => {
    const wrong = Object.fromEntries(gateList.map((g) => [g.name, 0]));
    for (let i = 0; i < steps; i++) {
      const spikeAt = c.spike ? Math.floor(rand() * (SAMPLES - SPIKE.samples)) : undefined;
      const canary = windowOf(c.canary, rand, spikeAt);
      const baseline = windowOf(c.baseline, rand, spikeAt);
      for (const g of gateList) if (g.passes(canary, baseline) !== c.good) wrong[g.name] += 1;
    }
    return { case: c.name, good: c.good, steps, wrong };
  });
}

export async function run({ repoRoot, steps = 500 }) {
  const judge = await loadJudge(repoRoot);
  const t0 = performance.now();
  const rows = simulate(judge, steps);
  const ms = performance.now() - t0;
  const names = Object.keys(rows[0].wrong);
  const pct = (n) => `${((100 * n) / steps).toFixed(1)}%`;
  const markdown = [
    `${steps} simulated steps per case (seeded), each ${PODS} canary and ${PODS} baseline pods over ${SAMPLES} one-second samples of the per-role average, drawn in-process from the sandbox exporter's distributions (\`scripts/sandbox/lib/distributions.mjs\`): normal(100, 5) ms, lognormal(median 100, σ 0.4) for "noisy", ×1.3 for "slower", and a fleet-wide ×${SPIKE.factor} spike over ${SPIKE.samples} of the ${SAMPLES} samples hitting canary and baseline alike. The judge: Mann–Whitney U one-sided (bad: increase), alpha 0.05, effect = ratio of medians. Each cell is the share of wrong verdicts: false positives (FP, a good canary failed) for good cases, false negatives (FN, a bad canary passed) for bad ones. Judging all ${rows.length * steps} steps with both tolerances took ${ms.toFixed(0)} ms. Command: \`node scripts/bench/run.mjs --update judge-accuracy\`.`,
    '',
    `| case | right verdict | ${names.join(' | ')} |`,
    `| --- | --- | ${names.map(() => '---:').join(' | ')} |`,
    ...rows.map(
      (r) =>
        `| ${r.case} | ${r.good ? 'pass (errors are FP)' : 'fail (errors are FN)'} | ${names.map((n) => pct(r.wrong[n])).join(' | ')} |`,
    ),
    '',
    'Reading: a threshold loose enough to survive a fleet-wide spike lets a 30% slower canary through, and one tight enough to catch it fails every spike; the judge compares the canary with a baseline that sees the same spike, so it gets both right. On noisy but equal data its false-positive rate is about alpha (one-sided 0.05) with tolerance 1.1; a wider tolerance lowers it, at the price of missing more slow canaries in the same noise.',
  ].join('\n');
  return {
    title: 'Canary judge against a baseline: accuracy beside threshold gates',
    markdown,
    data: { steps, rows, ms },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const steps = Number(process.argv[2] ?? 500);
  process.stdout.write(`${(await run({ repoRoot, steps })).markdown}\n`);
}
