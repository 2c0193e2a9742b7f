// docker-build-push's main and post engines with the deps a runner gives them: inputs from the
// step, the event payload from GITHUB_EVENT_PATH, outputs and summary through the deps; the
// builder is the fake CLI, which records every call.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, test } from '@jest/globals';
import { InputError, runEngine, type ActionDeps, type StateStore, type Summary } from '@hac/toolkit';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { dockerBuildPushMain, dockerBuildPushPost } from '@hac/image';
import { State } from '../../../packages/image/build-context.js';
import { installFakeCli } from '../../scripts/fakes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const context = path.relative(process.cwd(), path.resolve(here, '../../fixtures/docker/multistage'));
const event = path.resolve(here, '../../fixtures/github-events/push-main.json');
const bin = installFakeCli();
const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-entry-'));
afterAll(() => {
  bin.cleanup();
  fs.rmSync(temp, { recursive: true, force: true });
});
beforeEach(() => fs.rmSync(bin.log, { force: true }));

function stepDeps(inputs: Record<string, string>, state: StateStore = memoryState()) {
  const outputs: Record<string, unknown>[] = [];
  const summaries: Summary[] = [];
  const logs: string[] = [];
  const log = (l: string) => void logs.push(l);
  const deps: ActionDeps = {
    env: {
      PATH: `${bin.path}:${process.env.PATH}`,
      FAKE_CLI_LOG: bin.log,
      FAKE_CLI_NO_DOCKER: '1',
      RUNNER_TEMP: temp,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: event,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SHA: 'ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12',
      GITHUB_REPOSITORY: 'acme/app',
    },
    inputs: (n) => inputs[n] ?? '',
    clock: () => Date.parse('2026-11-27T10:00:00Z'),
    sleep: async () => undefined,
    log: { info: log, debug: log, warning: log, notice: log, error: log, group: (_n, fn) => fn() },
    signal: new AbortController().signal,
    state,
    setOutputs: (o) => void outputs.push(o),
    writeSummary: async (s) => void summaries.push(s),
  };
  return { deps, outputs, summaries, logs, state };
}

describe('dockerBuildPushMain', () => {
  test('read → run → report: tags from the event at GITHUB_EVENT_PATH, outputs and summary through the deps', async () => {
    const step = stepDeps({ context, images: '127.0.0.1:5000/acme/app', engine: 'buildah' });
    await runEngine(dockerBuildPushMain, step.deps);
    const build = bin.calls().find((c) => c.name === 'buildah' && c.argv[0] === 'build');
    expect(build?.argv).toEqual(expect.arrayContaining(['--tag', '127.0.0.1:5000/acme/app:main']));
    expect(build?.argv).toEqual(
      expect.arrayContaining(['--label', 'org.opencontainers.image.created=2026-11-27T10:00:00.000Z']),
    );
    expect(step.outputs).toHaveLength(1);
    expect(step.outputs[0]).toMatchObject({ engine: 'buildah', version: 'main' });
    expect(step.summaries).toHaveLength(1);
    expect(step.state.get(State.engine)).toBe('buildah');
  });

  test('bad input: one InputError from read, and no builder call', async () => {
    const step = stepDeps({ context, images: 'ghcr.io//app', platforms: 'linux' });
    const err = await (async () => dockerBuildPushMain.read(step.deps))().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).problems.map((p) => p.input)).toEqual(['platforms', 'images']);
    expect(bin.calls()).toEqual([]);
  });
});

describe('dockerBuildPushPost', () => {
  test('logs out of every registry main logged in to', async () => {
    const state = memoryState();
    state.save(State.engine, 'buildah');
    state.save(State.logins, ['127.0.0.1:5000', 'ghcr.io']);
    const step = stepDeps({}, state);
    const out = await dockerBuildPushPost.run(await dockerBuildPushPost.read(step.deps), step.deps);
    expect(out).toEqual(['127.0.0.1:5000', 'ghcr.io']);
    expect(bin.calls().map((c) => `${c.name} ${c.argv.join(' ')}`)).toEqual([
      'buildah logout 127.0.0.1:5000',
      'buildah logout ghcr.io',
    ]);
  });

  test.each<[string, Record<string, unknown>]>([
    ['main logged in nowhere', { [State.engine]: 'docker' }],
    ['main did not start', {}],
    ['logout: false', { [State.engine]: 'docker', [State.logins]: ['ghcr.io'], [State.logout]: false }],
  ])('nothing to do (%s): no call', async (_name, saved) => {
    const state = memoryState();
    for (const [k, v] of Object.entries(saved)) state.save(k, v);
    const step = stepDeps({}, state);
    await runEngine(dockerBuildPushPost, step.deps);
    expect(bin.calls()).toEqual([]);
  });
});
