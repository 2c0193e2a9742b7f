// Bundles built by scripts/build.mjs once per source state, shared by every suite and jest worker
// of a run (and by later runs while the sources stay the same): a temporary directory named after
// a hash of what the bundles are made of. The first caller builds while the others wait on a lock
// directory; the build lands under a temporary name and is renamed into place when complete.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './sandbox.js';

/** What a bundle is made of: the sources, the build scripts, the dependencies' versions. */
const INPUTS = ['packages', 'actions', 'scripts/build.mjs', 'scripts/entries.mjs', 'scripts/licenses.mjs'];
const FILES = ['package-lock.json', 'tsconfig.json', 'action.yml'];

function hashTree(h: crypto.Hash, p: string): void {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return;
  if (st.isDirectory()) {
    for (const f of fs.readdirSync(p).sort()) if (f !== 'node_modules') hashTree(h, path.join(p, f));
  } else h.update(path.relative(REPO_ROOT, p)).update('\0').update(fs.readFileSync(p));
}

/** A hash of every input of the build (the sources as they are now). */
export function sourceHash(): string {
  const h = crypto.createHash('sha256');
  for (const p of [...INPUTS, ...FILES]) hashTree(h, path.join(REPO_ROOT, p));
  return h.digest('hex').slice(0, 16);
}

export interface SharedBuildOptions {
  /** Called on the complete build before it is put in place (e.g. to add links beside it). */
  prepare?: (dir: string) => void;
  /** How long to wait for another process's build (ms). Default 10 min. */
  waitMs?: number;
  sleep?: (ms: number) => void;
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

const { committedDistIsCurrent } = (await import(path.join(REPO_ROOT, 'scripts/pipeline/fleet.mjs'))) as {
  committedDistIsCurrent: (root: string) => boolean;
};

/**
 * The committed dist/ when it is the build of the sources as they are (committedDistIsCurrent:
 * nothing a bundle is made of changed since dist/ was last committed; `npm test` runs check-dist,
 * which holds that commit's dist/ to its sources, before any suite), else undefined.
 */
export function committedDist(): string | undefined {
  return committedDistIsCurrent(REPO_ROOT) ? path.join(REPO_ROOT, 'dist') : undefined;
}

/** The dist root holding the bundles of `only` (HAC_BUILD_ONLY), built once per source state. */
export function sharedBuild(only: string[], opts: SharedBuildOptions = {}): string {
  const names = [...only].sort().join(',');
  const key = `${names.replace(/[^a-z0-9,-]/g, '')}-${sourceHash()}`;
  const out = path.join(os.tmpdir(), `hac-test-dist-${key.replace(/,/g, '+')}`);
  const lock = `${out}.lock`;
  const sleep = opts.sleep ?? sleepSync;
  const deadline = Date.now() + (opts.waitMs ?? 600_000);
  while (!fs.existsSync(out)) {
    try {
      fs.mkdirSync(lock);
    } catch {
      if (Date.now() > deadline) throw new Error(`waited too long for the build in ${out} (lock ${lock})`);
      // a lock older than any build is left by a process that died: take it over
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > (opts.waitMs ?? 600_000)) fs.rmSync(lock, { recursive: true, force: true });
      else sleep(500);
      continue;
    }
    try {
      if (!fs.existsSync(out)) build(names, out, opts.prepare);
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  }
  return out;
}

function build(names: string, out: string, prepare?: (dir: string) => void): void {
  const tmp = `${out}.${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const res = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'build.mjs'), tmp], {
    env: { ...process.env, HAC_BUILD_ONLY: names },
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (res.status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new Error(`building ${names} failed: ${res.stderr || String(res.error ?? '')}`);
  }
  prepare?.(tmp);
  fs.renameSync(tmp, out);
}
