// Bad input on both engines: an unreachable daemon, a missing buildx, a Dockerfile syntax error and
// a failed RUN step each give one error naming the engine, the step and what to do; nothing is pushed.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { ActionError } from '@hac/toolkit';
import { requireSandbox, sandboxProcessEnv, uniqueName, type SandboxEnv } from '../../support/sandbox.js';
import { ENGINES, runEngine, type EngineName } from './engines.js';
import { tagsOrNone } from './registry-api.js';

let sb: SandboxEnv;
let env: NodeJS.ProcessEnv;
let name: string;

beforeAll(() => {
  sb = requireSandbox(['registry', 'buildah', 'docker', 'buildkit']);
  env = sandboxProcessEnv(sb);
  name = uniqueName('err');
});

const failure = async (engine: EngineName, inputs: Record<string, string>, e = env) =>
  (await runEngine(sb, e, engine, inputs).then(
    () => {
      throw new Error('the build was expected to fail');
    },
    (err: unknown) => err,
  )) as ActionError;

const repo = (engine: EngineName, what: string) => `${sb.registry}/hac-test/${name}-${what}-${engine}`;

describe('the docker engine is not usable', () => {
  test('an unreachable daemon: the engine, the socket and what to do', async () => {
    const err = await failure(
      'docker',
      { context: 'multistage', images: repo('docker', 'nodaemon'), push: 'true' },
      {
        ...env,
        DOCKER_HOST: 'unix:///nonexistent/docker.sock',
      },
    );
    expect(err).toBeInstanceOf(ActionError);
    expect(err.message).toMatch(
      /^docker engine: the Docker daemon at unix:\/\/\/nonexistent\/docker.sock does not answer/,
    );
    expect(err.hint).toMatch(/Start the daemon or fix DOCKER_HOST/);
    expect(await tagsOrNone(repo('docker', 'nodaemon'))).toEqual([]);
  });

  test('no buildx plugin: the engine, the plugin and what to do', async () => {
    const config = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-no-buildx-'));
    try {
      const err = await failure(
        'docker',
        { context: 'multistage', images: repo('docker', 'nobuildx'), push: 'true' },
        {
          ...env,
          DOCKER_CONFIG: config,
        },
      );
      expect(err.message).toMatch(/^docker engine: the buildx plugin is missing/);
      expect(err.hint).toMatch(/docker\/setup-buildx-action/);
    } finally {
      fs.rmSync(config, { recursive: true, force: true });
    }
  });
});

describe.each(ENGINES)('%s: the build fails', (engine) => {
  test('a Dockerfile syntax error names the file and the line; nothing is pushed', async () => {
    const images = repo(engine, 'syntax');
    const err = await failure(engine, {
      context: 'broken-syntax',
      images,
      'build-args': `BASE=${sb.baseImage}`,
      push: 'true',
    });
    expect(err.message).toMatch(
      new RegExp(
        `^${engine} engine \\(${engine === 'docker' ? 'docker buildx build' : 'buildah build'}, exit \\d+\\): the Dockerfile .*broken-syntax/Dockerfile has a syntax error`,
      ),
    );
    expect(err.message).toMatch(
      engine === 'docker' ? /line 4: unknown instruction: FORM/ : /Unknown instruction: "FORM"/,
    );
    expect(err.message).toMatch(/Nothing was pushed\./);
    expect(err.hint).toMatch(/Fix .*Dockerfile at that line/);
    expect(await tagsOrNone(images)).toEqual([]);
  }, 120_000);

  test('a failed RUN step names the step and its exit code; nothing is pushed', async () => {
    const images = repo(engine, 'run');
    const err = await failure(engine, {
      context: 'failing-run',
      images,
      'build-args': `BASE=${sb.baseImage}`,
      push: 'true',
      'retry-delay': '1ms',
    });
    expect(err.message).toMatch(
      /the step "RUN echo "failing on purpose" >&2; exit 3" failed \(exit (code|status):? 3\)/,
    );
    expect(err.hint).toMatch(/that step's output/);
    expect(await tagsOrNone(images)).toEqual([]);
  }, 120_000);
});
