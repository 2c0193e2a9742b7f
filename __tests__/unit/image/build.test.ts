// The build/push flow with a scripted exec: engine choice, retries on 429/5xx/timeouts with an
// injected sleep, no retry on auth errors, digests from the files the CLIs write.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, jest, test } from '@jest/globals';
import { ActionError } from '@hac/toolkit';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { buildAndPush } from '../../../packages/image/build.js';
import { outputsOf, summaryOf } from '../../../packages/image/report.js';
import { resolveInputs } from '../../../packages/image/inputs.js';
import { type ExecOptions, type ExecResult } from '../../../packages/image/exec.js';
import { eventContext } from './events.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/docker');
const DIGEST = 'sha256:' + 'ab'.repeat(32);
const IID = 'sha256:' + 'cd'.repeat(32);
type Step = (args: readonly string[], opts: ExecOptions) => Partial<ExecResult>;

/** An exec that answers each command from a script: cmd + first arg → list of answers, used in order. */
function scripted(script: Record<string, Step[]>) {
  const used: Record<string, number> = {};
  return jest.fn(
    async (cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> => {
      const key = `${cmd} ${args[0]}`;
      const steps = script[key] ?? [() => ({ code: 0 })];
      const i = Math.min(used[key] ?? 0, steps.length - 1);
      used[key] = (used[key] ?? 0) + 1;
      return { code: 0, stdout: '', stderr: '', ...(steps[i] as Step)(args, opts) };
    },
  );
}

const writeArg = (flag: string, content: string) => (args: readonly string[]) => {
  fs.writeFileSync(args[args.indexOf(flag) + 1] as string, content);
  return { code: 0 };
};

function request(over: Record<string, string> = {}) {
  const inputs: Record<string, string> = {
    context: 'multistage',
    images: 'ghcr.io/Acme/App',
    push: 'true',
    secrets: 'token=tok-value-987',
    ...over,
  };
  return resolveInputs((n) => inputs[n] ?? '', {
    git: eventContext('push', 'push-tag-v1.2.3.json'),
    now: new Date('2026-11-27T10:00:00Z'),
    cwd: fixtures,
    env: {},
  });
}

function deps(exec: ReturnType<typeof scripted>) {
  const delays: number[] = [];
  const logs: string[] = [];
  return {
    delays,
    logs,
    d: {
      exec,
      env: { PATH: '/usr/bin' },
      log: { info: (m: string) => logs.push(m), warning: (m: string) => logs.push(`warning: ${m}`) },
      state: memoryState(),
      ecrToken: async () => ({ username: 'AWS', password: 'x' }),
      mask: () => undefined,
      sleep: async (ms: number) => void delays.push(ms),
      random: () => 0.5,
      confInsecure: [] as string[],
      // No registry behind the scripted CLIs; the preflight has its own test (integration/image/registry-preflight).
      preflight: async () => undefined,
    },
  };
}

const noDocker: Step = () => ({ code: 1, stderr: 'Cannot connect to the Docker daemon' });

describe('buildah flow', () => {
  test('auto picks buildah when no daemon answers; pushes every tag; retries 429 then 503', async () => {
    let pushes = 0;
    const exec = scripted({
      'docker info': [noDocker],
      'buildah build': [
        (args) => (
          writeArg('--iidfile', IID)(args),
          { code: 0, stdout: 'STEP 1/5: FROM x\n--> Using cache 1234\n--> Using cache 5678\n' }
        ),
      ],
      'buildah push': [
        () => ({
          code: 125,
          stderr: 'Error: writing blob: initiating layer upload: StatusCode: 429, "Too Many Requests"',
        }),
        () => ({ code: 125, stderr: 'Error: received unexpected HTTP status: 503 Service Unavailable' }),
        (args) => (pushes++, writeArg('--digestfile', DIGEST)(args)),
      ],
    });
    const { d, delays } = deps(exec);
    const req = request({ 'retry-delay': '1s' });
    const result = await buildAndPush(req, d);
    expect(result.engine).toBe('buildah');
    expect(result.engineReason).toMatch(/no Docker daemon/);
    expect(result.cachedSteps).toBe(2);
    expect(result.imageId).toBe(IID);
    expect(result.refs).toEqual([
      'ghcr.io/acme/app:1.2.3',
      'ghcr.io/acme/app:1.2',
      'ghcr.io/acme/app:1',
      'ghcr.io/acme/app:sha-c0ffee1',
      'ghcr.io/acme/app:sha-c0ffee1234567890abcdef1234567890abcdef12',
      'ghcr.io/acme/app:latest',
    ]);
    expect(result.pushed.map((p) => p.attempts)).toEqual([3, 1, 1, 1, 1, 1]);
    expect(result.retries.map((r) => r.kind)).toEqual(['rate-limit', 'server']);
    expect(delays).toEqual([500, 1000]); // full jitter with random 0.5: half of 1s, then half of 2s
    expect(result.digest).toBe(DIGEST);
    expect(result.image).toBe(`ghcr.io/acme/app@${DIGEST}`);
    expect(pushes).toBe(6);
    // The secret reaches buildah through the environment only.
    const build = exec.mock.calls.find((c) => c[0] === 'buildah' && c[1][0] === 'build')!;
    expect(build[1].join(' ')).not.toContain('tok-value-987');
    expect(build[2]?.env?.HAC_BUILD_SECRET_0).toBe('tok-value-987');
    expect(build[1]).toContain('--isolation');
    const out = outputsOf(result);
    expect(out.image).toBe(`ghcr.io/acme/app@${DIGEST}`);
    expect(out.tags!.split('\n')).toHaveLength(6);
    expect(JSON.parse(out.metadata!).version).toBe('1.2.3');
    expect(summaryOf(result).toString()).toContain(`ghcr.io/acme/app@${DIGEST}`);
  });

  test('an auth error is not retried and says what to do', async () => {
    const exec = scripted({
      'docker info': [noDocker],
      'buildah push': [
        () => ({ code: 125, stderr: 'Error: writing blob: unauthorized: authentication required' }),
      ],
    });
    const { d, delays } = deps(exec);
    const err = (await buildAndPush(request({ engine: 'buildah' }), d).catch(
      (e: unknown) => e,
    )) as ActionError;
    expect(err).toBeInstanceOf(ActionError);
    expect(err.message).toMatch(/after 1 attempt\)/);
    expect(err.hint).toMatch(/refused the credentials/);
    expect(delays).toEqual([]);
    expect(exec.mock.calls.filter((c) => c[1][0] === 'push')).toHaveLength(1);
  });

  test('gives up after push-retries with the rate-limit hint', async () => {
    const exec = scripted({
      'buildah push': [() => ({ code: 125, stderr: 'StatusCode: 429 toomanyrequests' })],
    });
    const { d, delays } = deps(exec);
    const err = (await buildAndPush(request({ engine: 'buildah', 'push-retries': '2' }), d).catch(
      (e: unknown) => e,
    )) as ActionError;
    expect(err.message).toMatch(/after 3 attempts/);
    expect(err.hint).toMatch(/429/);
    expect(delays).toHaveLength(2);
  });

  test('a failing build stops before any push, with a hint', async () => {
    const exec = scripted({
      'buildah build': [() => ({ code: 1, stderr: 'error building at STEP "RUN false": exit status 1' })],
    });
    const { d } = deps(exec);
    const err = (await buildAndPush(request({ engine: 'buildah' }), d).catch(
      (e: unknown) => e,
    )) as ActionError;
    expect(err.message).toMatch(/buildah engine \(buildah build, exit 1\): the step "RUN false" failed/);
    expect(err.hint).toMatch(/that step's output/);
    expect(exec.mock.calls.some((c) => c[1][0] === 'push')).toBe(false);
  });

  test('logs in before building and records the login for the post step', async () => {
    const exec = scripted({ 'buildah push': [writeArg('--digestfile', DIGEST)] });
    const { d } = deps(exec);
    await buildAndPush(request({ engine: 'buildah', username: 'bot', password: 'pw-1' }), d);
    const order = exec.mock.calls.map((c) => `${c[0]} ${c[1][0]}`);
    expect(order.indexOf('buildah login')).toBeLessThan(order.indexOf('buildah build'));
    expect(d.state.get('logins')).toEqual(['ghcr.io']);
    expect(d.state.get('engine')).toBe('buildah');
  });
});

test('registries marked insecure in registries.conf get --tls-verify=false for login too', async () => {
  const exec = scripted({ 'buildah push': [writeArg('--digestfile', DIGEST)] });
  const { d } = deps(exec);
  d.confInsecure = ['127.0.0.1:5000'];
  await buildAndPush(
    request({ engine: 'buildah', images: '127.0.0.1:5000/acme/app', username: 'bot', password: 'pw-1' }),
    d,
  );
  expect(exec).toHaveBeenCalledWith(
    'buildah',
    ['login', '--tls-verify=false', '--username', 'bot', '--password-stdin', '127.0.0.1:5000'],
    expect.objectContaining({ input: 'pw-1' }),
  );
  const push = exec.mock.calls.find((c) => c[1][0] === 'push')!;
  expect(push[1]).toContain('--tls-verify=false');
});

describe('docker flow', () => {
  test('auto picks docker when the daemon and buildx answer; digest from the metadata file', async () => {
    const exec = scripted({
      'docker buildx': [
        () => ({ code: 0, stdout: 'github.com/docker/buildx v0.19.3' }), // buildx version probe
        (args) => (
          writeArg(
            '--metadata-file',
            JSON.stringify({ 'containerimage.digest': DIGEST, 'containerimage.config.digest': IID }),
          )(args),
          writeArg('--iidfile', IID)(args)
        ),
      ],
    });
    const { d } = deps(exec);
    const req = request({
      'cache-from': 'type=gha',
      'cache-to': 'type=gha,mode=max',
      provenance: 'mode=max',
      platforms: 'linux/amd64,linux/arm64',
    });
    const result = await buildAndPush(req, d);
    expect(result.engine).toBe('docker');
    expect(result.digest).toBe(DIGEST);
    expect(result.imageId).toBe(IID);
    expect(result.image).toBe(`ghcr.io/acme/app@${DIGEST}`);
    const build = exec.mock.calls[2]!;
    expect(build[0]).toBe('docker');
    expect(build[1].slice(0, 4)).toEqual([
      'buildx',
      'build',
      '--file',
      path.join(fixtures, 'multistage', 'Dockerfile'),
    ]);
    expect(build[1]).toEqual(
      expect.arrayContaining([
        '--push',
        '--cache-from',
        'type=gha',
        '--cache-to',
        'type=gha,mode=max',
        '--provenance=mode=max',
        '--platform',
        'linux/amd64,linux/arm64',
        '--secret',
        'id=token,env=HAC_BUILD_SECRET_0',
      ]),
    );
    expect(build[1].join(' ')).not.toContain('tok-value-987');
  });

  test('retries the buildx push on a 502, then succeeds', async () => {
    const exec = scripted({
      'docker buildx': [
        () => ({ code: 0 }),
        () => ({
          code: 1,
          stderr: 'ERROR: failed to push ghcr.io/acme/app:1.2.3: unexpected status: 502 Bad Gateway',
        }),
        writeArg('--metadata-file', JSON.stringify({ 'containerimage.digest': DIGEST })),
      ],
    });
    const { d, delays } = deps(exec);
    const result = await buildAndPush(request({ engine: 'docker' }), d);
    expect(result.digest).toBe(DIGEST);
    expect(result.retries.map((r) => r.kind)).toEqual(['server']);
    expect(delays).toHaveLength(1);
  });

  test('engine docker without a daemon fails with what to do', async () => {
    const exec = scripted({ 'docker info': [noDocker] });
    const { d } = deps(exec);
    const err = (await buildAndPush(request({ engine: 'docker' }), d).catch(
      (e: unknown) => e,
    )) as ActionError;
    expect(err.message).toMatch(/docker engine: the Docker daemon at .* does not answer/);
    expect(err.hint).toMatch(/engine: buildah/);
  });

  test('no builder at all', async () => {
    const exec = scripted({
      'docker info': [noDocker],
      'buildah version': [() => ({ code: 127, stderr: 'buildah: command not found' })],
    });
    const { d } = deps(exec);
    await expect(buildAndPush(request(), d)).rejects.toThrow(/No builder found/);
  });
});
