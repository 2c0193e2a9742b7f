// Shared measuring helpers for the benchmarks (kept apart from run.mjs, which area benchmarks
// must not import: it is the entry point and awaits them).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
  return { nodeMs: median(bare), bundleMs: median(action), ratio: median(action) / median(bare), runs };
}

/** The sandbox's variables (`npm run sandbox -- env --json`); throws when it is not up. */
export function sandboxEnv(repoRoot) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/sandbox/cli.mjs'), 'env', '--json'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.status !== 0)
    throw new Error(`sandbox env failed (start it with npm run sandbox -- up): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Runs a bundle as the runner does (node <bundle>), collecting its output and wall time. */
export function runBundle(bundle, env) {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [bundle], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, ms: Number(process.hrtime.bigint() - t0) / 1e6, out }));
  });
}

/**
 * Audit events (ResponseComplete) after `offset` from user agents starting with `agent`, in `ns`
 * or cluster-scoped: their number and a count per "verb resource".
 */
export function auditRequests(file, offset, agent, ns) {
  const text = fs.readFileSync(file).subarray(offset).toString('utf8');
  const verbs = {};
  let n = 0;
  for (const line of text.split('\n')) {
    if (!line) continue;
    let e;
    try {
      e = JSON.parse(line);
    } catch {
      continue; // a partial line
    }
    if (e.stage !== 'ResponseComplete' || !String(e.userAgent ?? '').startsWith(agent)) continue;
    if (ns && e.objectRef?.namespace && e.objectRef.namespace !== ns) continue;
    n++;
    const key = `${e.verb} ${e.objectRef?.resource ?? e.requestURI}`;
    verbs[key] = (verbs[key] ?? 0) + 1;
  }
  return { n, verbs };
}

/** dist/<action>/index.js when built, else a fresh ncc build of the action in a temp dir (dist/ is not touched). */
export async function actionBundle(repoRoot, action, distDir = path.join(repoRoot, 'dist')) {
  const built = path.join(distDir, action, 'index.js');
  if (fs.existsSync(built) && !fs.readFileSync(built, 'utf8').includes('not implemented yet')) return built;
  const { default: ncc } = await import('@vercel/ncc');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hac-bench-${action}-`));
  const { code, assets } = await ncc(path.join(repoRoot, 'actions', action, 'main.ts'), {
    minify: true,
    quiet: true,
    target: 'es2022',
    transpileOnly: true,
    cache: false,
  });
  fs.writeFileSync(path.join(dir, 'index.js'), code);
  for (const [name, a] of Object.entries(assets)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), a.source);
  }
  return path.join(dir, 'index.js');
}
