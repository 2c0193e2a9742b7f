// Builds the k8s-bluegreen bundle (main and post) once per source state, for tests that run the
// action as a real process (signals, post step).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './sandbox.js';

function sourceHash(): string {
  const h = crypto.createHash('sha256');
  const walk = (dir: string) => {
    for (const f of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, f);
      const st = fs.statSync(p);
      if (st.isDirectory()) walk(p);
      else if (p.endsWith('.ts')) h.update(p).update(fs.readFileSync(p));
    }
  };
  for (const d of ['packages/k8s', 'packages/toolkit', 'packages/probe', 'actions/k8s-bluegreen'])
    walk(path.join(REPO_ROOT, d));
  return h.digest('hex').slice(0, 12);
}

/** Returns { main, post } paths of the built bundle. */
export async function bluegreenBundle(): Promise<{ main: string; post: string }> {
  const out = path.join(os.tmpdir(), `hac-k8s-bluegreen-${sourceHash()}`);
  const main = path.join(out, 'index.js');
  const post = path.join(out, 'post.js');
  if (fs.existsSync(main) && fs.existsSync(post)) return { main, post };
  const { default: ncc } = (await import('@vercel/ncc' as string)) as {
    default: (
      entry: string,
      opts: object,
    ) => Promise<{ code: string; assets: Record<string, { source: string | Buffer }> }>;
  };
  fs.mkdirSync(out, { recursive: true });
  // As scripts/build.mjs: post's code and lazily loaded chunks live in post/ (chunk names of the
  // two builds may collide), behind a one-line post.js.
  for (const [entry, dir] of [
    ['main.ts', out],
    ['post.ts', path.join(out, 'post')],
  ] as const) {
    const { code, assets } = await ncc(path.join(REPO_ROOT, 'actions', 'k8s-bluegreen', entry), {
      minify: true,
      quiet: true,
      target: 'es2022',
      cache: false,
      transpileOnly: true,
    });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'index.js'), code);
    for (const [name, asset] of Object.entries(assets)) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), asset.source);
    }
  }
  fs.writeFileSync(post, "import './post/index.js';\n");
  return { main, post };
}

/** Environment of an action step: INPUT_* variables, runner files. */
export function actionEnv(
  inputs: Record<string, string>,
  runnerDir: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    RUNNER_TEMP: runnerDir,
    ...extra,
  };
  for (const f of ['GITHUB_STATE', 'GITHUB_OUTPUT', 'GITHUB_STEP_SUMMARY']) {
    const p = path.join(runnerDir, f.toLowerCase());
    if (!fs.existsSync(p)) fs.writeFileSync(p, '');
    env[f] = p;
  }
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.replace(/ /g, '_').toUpperCase()}`] = v;
  return env;
}

/** Parses a runner file written with name<<delimiter blocks (GITHUB_STATE, GITHUB_OUTPUT). */
export function parseRunnerFile(file: string): Record<string, string> {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] as string);
    if (m) {
      const [, name, delim] = m;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i] as string);
      out[name as string] = value.join('\n');
    } else if ((lines[i] as string).includes('=')) {
      const [k, ...v] = (lines[i] as string).split('=');
      out[k as string] = v.join('=');
    }
  }
  return out;
}

export function runNode(
  script: string,
  env: NodeJS.ProcessEnv,
): {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>;
} {
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout?.on('data', (d) => (stdout += String(d)));
  child.stderr?.on('data', (d) => (stdout += String(d)));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }>(
    (resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout })),
  );
  return { child, done };
}
