// Runs the root action (the Marketplace entry point) as the runner does: every input the root
// action.yml declares is set (the given value, else its default, else ''), with the runner's files.
// The root bundle is built from the source into a temporary dist shared by the run's suites
// (scripts/build.mjs with HAC_BUILD_ONLY=hac); the six actions' bundles there are links to the
// committed dist/<name>.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './sandbox.js';
import { sharedBuild } from './shared-build.js';

export interface RootRun {
  status: number | null;
  stdout: string;
  output: string;
  state: string;
  summary: string;
  /** The outputs the run wrote (name -> value). */
  outputs: Record<string, string>;
}

/**
 * dist/hac built from the source (once per source state, shared by the suites of a run) in a dist
 * root beside links to the committed dist/<name>. Returns the root's index.js, and `dir`, a
 * directory of the caller's own (a link to the shared build) that it may remove.
 */
export function buildRootBundle(): { bundle: string; dir: string } {
  const shared = sharedBuild(['hac'], {
    prepare: (built) => {
      for (const name of fs.readdirSync(path.join(REPO_ROOT, 'dist'))) {
        const target = path.join(REPO_ROOT, 'dist', name);
        if (name !== 'hac' && fs.statSync(target).isDirectory())
          fs.symlinkSync(target, path.join(built, name));
      }
    },
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-root-dist-'));
  fs.symlinkSync(shared, path.join(dir, 'shared'));
  return { bundle: path.join(shared, 'hac', 'index.js'), dir };
}

/** The environment the runner gives the root action's step for these inputs. */
export function runnerInputs(given: Record<string, string>): NodeJS.ProcessEnv {
  const doc = parse(fs.readFileSync(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: unknown }>;
  };
  const env: NodeJS.ProcessEnv = {};
  for (const [name, spec] of Object.entries(doc.inputs)) {
    env[`INPUT_${name.toUpperCase()}`] =
      given[name] ?? (spec.default === undefined ? '' : String(spec.default));
  }
  for (const name of Object.keys(given))
    if (!(name in doc.inputs)) throw new Error(`the root action has no input "${name}"`);
  return env;
}

/** Parses `name<<delimiter\nvalue\ndelimiter` records of a GITHUB_OUTPUT file. */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1] as string] = m[3] as string;
  return out;
}

/** Runs the root bundle with `inputs` and `env` (asynchronously: test servers live in this process). */
export async function runRoot(
  bundle: string,
  inputs: Record<string, string>,
  env: NodeJS.ProcessEnv = {},
): Promise<RootRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-root-'));
  const files = { GITHUB_OUTPUT: 'output', GITHUB_STATE: 'state', GITHUB_STEP_SUMMARY: 'summary' };
  const full: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    RUNNER_TEMP: dir,
    GITHUB_WORKSPACE: dir,
    GITHUB_REPOSITORY: 'org/app',
    GITHUB_RUN_ID: String(Date.now()),
    GITHUB_RUN_ATTEMPT: '1',
    ...env,
    ...runnerInputs(inputs),
  };
  for (const [k, f] of Object.entries(files)) {
    full[k] = path.join(dir, f);
    fs.writeFileSync(full[k] as string, '');
  }
  const res = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, [bundle], { env: full, cwd: dir });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stdout += d));
    child.on('close', (status) => resolve({ status, stdout }));
  });
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  const output = read('output');
  const out = {
    ...res,
    output,
    state: read('state'),
    summary: read('summary'),
    outputs: parseOutputs(output),
  };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}
