// Runs an action's bundle as the GitHub runner does: INPUT_* variables, runner files, the main
// step, then the post step (when there is one) with the state main saved as STATE_* variables.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Parses a runner file written with name<<delimiter blocks or name=value lines (GITHUB_STATE, GITHUB_OUTPUT). */
export function parseRunnerFile(text) {
  const out = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]);
    if (m) {
      const value = [];
      for (i++; i < lines.length && lines[i] !== m[2]; i++) value.push(lines[i]);
      out[m[1]] = value.join('\n');
    } else if (lines[i].includes('=')) {
      const [k, ...v] = lines[i].split('=');
      out[k] = v.join('=');
    }
  }
  return out;
}

/** The environment of one action step: inputs as the runner names them, runner files under `runnerDir`. */
export function stepEnv(inputs, runnerDir, extra = {}) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, RUNNER_TEMP: runnerDir, ...extra };
  for (const f of ['GITHUB_STATE', 'GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY']) {
    const p = path.join(runnerDir, f.toLowerCase());
    if (!fs.existsSync(p)) fs.writeFileSync(p, '');
    env[f] = p;
  }
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = String(v);
  return env;
}

/** Spawns `node script` (or `node ...args`) and resolves with its exit code, output and wall time in ms. */
export function timedNode(script, env, node = process.execPath) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const args = Array.isArray(script) ? script : [script];
    const child = spawn(node, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolve({ code, ms: performance.now() - t0, out }));
  });
}

/**
 * Runs main then post (if `post` is given) in a fresh runner directory under `workDir`.
 * Returns { code, postCode, mainMs, postMs, wallMs, outputs, out, postState } (postState: the post
 * bundle and the STATE_* variables main left it, to run that post step again).
 */
export async function runAction({ main, post, inputs, workDir, extraEnv = {} }) {
  const runner = fs.mkdtempSync(path.join(workDir, 'runner-'));
  // the manifests live under workDir, which stands for the job's workspace
  const env = stepEnv(inputs, runner, { GITHUB_WORKSPACE: workDir, ...extraEnv });
  const m = await timedNode(main, env);
  let p = { code: undefined, ms: 0, out: '' };
  let postState;
  if (post && fs.existsSync(post)) {
    const state = parseRunnerFile(fs.readFileSync(env.GITHUB_STATE, 'utf8'));
    postState = { post, env: Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v])) };
    p = await timedNode(post, { ...env, ...postState.env });
  }
  const outputs = parseRunnerFile(fs.readFileSync(env.GITHUB_OUTPUT, 'utf8'));
  return {
    code: m.code,
    postCode: p.code,
    mainMs: m.ms,
    postMs: p.ms,
    wallMs: m.ms + p.ms,
    outputs,
    out: m.out + p.out,
    postState,
  };
}

/**
 * Copies dist/<action>/ to a temporary directory and returns { main, post } there, so that a
 * rebuild of dist/ during the run cannot pull the bundle from under it.
 */
export async function snapshotBundle(distDir, action, tmpDir) {
  const src = path.join(distDir, action);
  // a rebuild of dist/ in progress: wait until the folder has both entries and stops changing (≤ 3 min)
  let last = '';
  for (let i = 0; i < 90; i++) {
    const now = fs.existsSync(path.join(src, 'post.js')) ? listing(src) : '';
    if (now && now === last) break;
    last = now;
    await new Promise((r) => setTimeout(r, 2000));
  }
  if (!fs.existsSync(path.join(src, 'index.js')))
    throw new Error(`${path.join(src, 'index.js')} is missing: build the bundles first (npm run build)`);
  const dst = path.join(tmpDir, `dist-${action}`);
  fs.cpSync(src, dst, { recursive: true });
  return { main: path.join(dst, 'index.js'), post: path.join(dst, 'post.js') };
}

/** Names and sizes of every file below `dir`, as one string. */
function listing(dir) {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const p = path.join(e.parentPath, e.name);
      return `${p}:${fs.statSync(p).size}`;
    })
    .sort()
    .join('\n');
}
