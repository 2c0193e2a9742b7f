// The k8s-bluegreen bundle (main and post) as scripts/build.mjs makes it, built once per source
// state for the tests that run the action as a real process (signals, post step).
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { committedDist, sharedBuild } from './shared-build.js';

/** Returns { main, post } paths of the bundle: the committed one when it is current, else built. */
export async function bluegreenBundle(): Promise<{ main: string; post: string }> {
  const dir = path.join(committedDist() ?? sharedBuild(['k8s-bluegreen']), 'k8s-bluegreen');
  return { main: path.join(dir, 'index.js'), post: path.join(dir, 'post.js') };
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
