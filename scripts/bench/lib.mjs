// Shared measuring helpers for the benchmarks (kept apart from run.mjs, which area benchmarks
// must not import: it is the entry point and awaits them).
import { spawnSync } from 'node:child_process';

export const RUNS = Number(process.env.HAC_BENCH_RUNS ?? 15);

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Wall time of one process run, in ms. */
function timeRun(args, env) {
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, args, { env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Cold start of a bundle with inputs that fail fast at validation, interleaved with `node -e 0`. */
export function coldStart(bundle, { runs = RUNS, env = {} } = {}) {
  const base = { PATH: process.env.PATH, HOME: process.env.HOME, GITHUB_OUTPUT: '', ...env };
  const bare = [];
  const action = [];
  timeRun(['-e', '0'], base);
  timeRun([bundle], base);
  for (let i = 0; i < runs; i++) {
    bare.push(timeRun(['-e', '0'], base));
    action.push(timeRun([bundle], base));
  }
  return { nodeMs: median(bare), bundleMs: median(action), ratio: median(action) / median(bare) };
}
