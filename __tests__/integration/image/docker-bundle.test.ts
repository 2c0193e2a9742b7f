// docker-build-push through its committed bundle, as the runner runs it (every input of action.yml
// set, its defaults applied; GITHUB_OUTPUT, GITHUB_STATE and the event file), on the sandbox's real
// Docker engine (buildx on buildkitd) and on buildah: a multi-stage build with RUN steps, a target,
// build args and a secret, pushed to the sandbox registry. Checked through the registry's HTTP API:
// both engines' digests are what the manifest API answers, and their tags and labels agree.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { parseOutputs } from '../../support/root-run.js';
import {
  REPO_ROOT,
  requireSandbox,
  sandboxProcessEnv,
  uniqueName,
  type SandboxEnv,
} from '../../support/sandbox.js';
import { engineInputs, ENGINES, fixtures, type EngineName } from './engines.js';
import { imageConfigOf, manifest, tagList } from './registry-api.js';

const SECRET = `bundle-secret-${Date.now().toString(36)}`;
const ACTION = path.join(REPO_ROOT, 'actions', 'docker-build-push');
let sb: SandboxEnv;
let name: string;

beforeAll(() => {
  sb = requireSandbox(['registry', 'buildah', 'docker', 'buildkit']);
  name = uniqueName('bundle');
});

/** INPUT_* for every declared input: the given value, else the default, else ''. */
function runnerInputs(given: Record<string, string>): NodeJS.ProcessEnv {
  const doc = parse(fs.readFileSync(path.join(ACTION, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: unknown }>;
  };
  for (const k of Object.keys(given)) if (!(k in doc.inputs)) throw new Error(`no input "${k}"`);
  return Object.fromEntries(
    Object.entries(doc.inputs).map(([k, spec]) => [
      `INPUT_${k.toUpperCase()}`,
      given[k] ?? (spec.default === undefined ? '' : String(spec.default)),
    ]),
  );
}

/** Runs dist/docker-build-push/<entry> with the runner's files in a temporary folder. */
async function runBundle(entry: 'index.js' | 'post.js', inputs: Record<string, string>, state = '') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-dbp-bundle-'));
  const file = (f: string, text = '') => (fs.writeFileSync(path.join(dir, f), text), path.join(dir, f));
  const env: NodeJS.ProcessEnv = {
    ...sandboxProcessEnv(sb),
    RUNNER_TEMP: dir,
    GITHUB_WORKSPACE: fixtures,
    GITHUB_REPOSITORY: 'org/app',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/tags/v1.2.3',
    GITHUB_SHA: 'c0ffee1c0ffee1c0ffee1c0ffee1c0ffee1c0ffe',
    GITHUB_EVENT_PATH: file('event.json', JSON.stringify({ repository: { default_branch: 'main' } })),
    GITHUB_OUTPUT: file('output'),
    GITHUB_STATE: file('state'),
    GITHUB_STEP_SUMMARY: file('summary'),
    ...Object.fromEntries(
      [...state.matchAll(/^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)].map((m) => [`STATE_${m[1]}`, m[3]]),
    ),
    ...runnerInputs(inputs),
  };
  const res = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'docker-build-push', entry)], {
      env,
      cwd: fixtures,
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', (status) => resolve({ status, stdout }));
  });
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');
  const out = {
    ...res,
    outputs: parseOutputs(read('output')),
    state: read('state'),
    summary: read('summary'),
  };
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}

const repoOf = (engine: EngineName) => `${sb.registry}/hac-test/${name}-${engine}`;

describe('docker-build-push bundle on both engines', () => {
  const outs = {} as Record<EngineName, Record<string, string>>;

  test.each(ENGINES)(
    '%s: multi-stage build with RUN steps, target, build args and a secret; pushed; post step runs',
    async (engine) => {
      const inputs = {
        ...engineInputs(sb, engine),
        context: 'multistage',
        images: repoOf(engine),
        'build-args': `BASE=${sb.baseImage}\nVERSION=1.2.3\nGREETING=hello`,
        target: 'runtime',
        secrets: `token=${SECRET}`,
        labels: 'com.example.team=payments',
        push: 'true',
      };
      const main = await runBundle('index.js', inputs);
      expect([main.status, main.status === 0 ? '' : main.stdout.slice(-3000)]).toEqual([0, '']);
      // The runner reads ::add-mask:: and masks the value in every later line; nothing else shows it.
      const printed = main.stdout.replace(/^::add-mask::.*$/gm, '');
      expect(main.stdout).toContain(`::add-mask::${SECRET}`);
      expect(printed).not.toContain(SECRET);
      expect(main.summary).not.toContain(SECRET);
      const o = (outs[engine] = main.outputs);
      expect(o.engine).toBe(engine);
      expect(o.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      for (const ref of (o.tags ?? '').split('\n')) {
        const tag = ref.slice(ref.lastIndexOf(':') + 1);
        expect((await manifest(repoOf(engine), tag)).digest).toBe(o.digest);
      }
      expect(JSON.parse(o.metadata ?? '{}')['containerimage.digest']).toBe(o.digest);
      const config = await imageConfigOf(repoOf(engine), o.digest!);
      expect(JSON.stringify(config)).not.toContain(SECRET);
      const post = await runBundle('post.js', inputs, main.state);
      expect([post.status, post.status === 0 ? '' : post.stdout.slice(-2000)]).toEqual([0, '']);
    },
    300_000,
  );

  test('both engines pushed the same tags and labels from the git context', async () => {
    const tags = (e: EngineName) =>
      (outs[e]?.tags ?? '')
        .split('\n')
        .map((r) => r.slice(r.lastIndexOf(':') + 1))
        .sort();
    expect(tags('docker')).toEqual(tags('buildah'));
    expect(tags('docker')).toEqual(expect.arrayContaining(['1.2.3', '1.2', '1']));
    expect((await tagList(repoOf('docker'))).sort()).toEqual((await tagList(repoOf('buildah'))).sort());
    // every label but the build time, which each run sets to its own clock
    const labels = (e: EngineName) =>
      (outs[e]?.labels ?? '')
        .split('\n')
        .filter((l) => !l.startsWith('org.opencontainers.image.created='))
        .sort();
    expect(labels('docker')).toEqual(labels('buildah'));
    expect(labels('docker')).toContain('com.example.team=payments');
    expect(outs.docker?.version).toBe('1.2.3');
  });
});
