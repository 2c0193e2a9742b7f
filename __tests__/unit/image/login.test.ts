import { describe, expect, jest, test } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { ActionError } from '@hac/toolkit';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { decodeEcrToken, ecrToken, loginAll } from '../../../packages/image/login.js';
import { logoutFromState } from '../../../packages/image/post.js';
import { type Exec, type ExecResult } from '../../../packages/image/exec.js';
import { type RegistryLogin } from '../../../packages/image/registries.js';

type Call = { cmd: string; args: readonly string[]; input?: string };

function recorder(result: (c: Call) => ExecResult = () => ({ code: 0, stdout: '', stderr: '' })) {
  const calls: Call[] = [];
  const exec: Exec = async (cmd, args, opts) => {
    const c = { cmd, args, input: opts?.input };
    calls.push(c);
    return result(c);
  };
  return { calls, exec: jest.fn(exec) };
}

function deps(exec: Exec, over: Partial<Parameters<typeof loginAll>[2]> = {}) {
  const masked: string[] = [];
  const loggedIn: string[] = [];
  return {
    masked,
    loggedIn,
    d: {
      exec,
      env: {},
      ecrToken: async () => {
        throw new Error('unused');
      },
      mask: (s: string) => masked.push(s),
      info: () => undefined,
      loggedIn: (r: string) => loggedIn.push(r),
      tlsVerify: (r: string) => r !== '127.0.0.1:5000',
      ...over,
    },
  };
}

const logins: RegistryLogin[] = [
  { registry: 'ghcr.io', username: 'bot', password: 'ghp_Secret123' },
  { registry: '127.0.0.1:5000', username: 'ci', password: 'p@ss word\nwith newline' },
];

describe('loginAll', () => {
  test.each(['buildah', 'docker'] as const)('%s: passwords go through stdin, never argv', async (engine) => {
    const r = recorder();
    const { d, masked, loggedIn } = deps(r.exec);
    await expect(loginAll(engine, logins, d)).resolves.toEqual(['ghcr.io', '127.0.0.1:5000']);
    expect(r.exec).toHaveBeenCalledWith(
      engine,
      ['login', '--username', 'bot', '--password-stdin', 'ghcr.io'],
      { env: {}, input: 'ghp_Secret123' },
    );
    const insecure = engine === 'buildah' ? ['--tls-verify=false'] : [];
    expect(r.exec).toHaveBeenCalledWith(
      engine,
      ['login', ...insecure, '--username', 'ci', '--password-stdin', '127.0.0.1:5000'],
      { env: {}, input: 'p@ss word\nwith newline' },
    );
    for (const c of r.calls)
      for (const l of logins) expect(c.args.join(' ')).not.toContain(l.password as string);
    expect(masked).toEqual(['ghp_Secret123', 'p@ss word\nwith newline']);
    expect(loggedIn).toEqual(['ghcr.io', '127.0.0.1:5000']);
  });

  test('a refused login stops with a hint and records only the logins that worked', async () => {
    const r = recorder((c) =>
      c.args.includes('127.0.0.1:5000')
        ? { code: 1, stdout: '', stderr: 'Error: logging into "127.0.0.1:5000": invalid username/password' }
        : { code: 0, stdout: '', stderr: '' },
    );
    const { d, loggedIn } = deps(r.exec);
    const err = (await loginAll('buildah', logins, d).catch((e: unknown) => e)) as ActionError;
    expect(err).toBeInstanceOf(ActionError);
    expect(err.message).toMatch(/Login to 127.0.0.1:5000 as ci failed/);
    expect(err.hint).toMatch(/Check the username and password/);
    expect(err.message).not.toContain('p@ss');
    expect(loggedIn).toEqual(['ghcr.io']);
  });

  test('ECR: GetAuthorizationToken through the SDK, the token through stdin', async () => {
    const ecr = mockClient(ECRClient);
    ecr.on(GetAuthorizationTokenCommand).resolves({
      authorizationData: [
        {
          authorizationToken: Buffer.from('AWS:ecr-password-xyz').toString('base64'),
          proxyEndpoint: 'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        },
      ],
    });
    const r = recorder();
    const { d, masked } = deps(r.exec, { ecrToken });
    const host = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
    await loginAll(
      'buildah',
      [{ registry: host, ecr: { accountId: '123456789012', region: 'eu-west-1' } }],
      d,
    );
    expect(ecr.commandCalls(GetAuthorizationTokenCommand)[0]?.args[0].input).toEqual({
      registryIds: ['123456789012'],
    });
    expect(r.exec).toHaveBeenCalledWith('buildah', ['login', '--username', 'AWS', '--password-stdin', host], {
      env: {},
      input: 'ecr-password-xyz',
    });
    expect(masked).toContain('ecr-password-xyz');
    ecr.restore();
  });

  test('ECR failure says which permissions are needed', async () => {
    const ecr = mockClient(ECRClient);
    ecr
      .on(GetAuthorizationTokenCommand)
      .rejects(new Error('AccessDeniedException: not authorized to perform ecr:GetAuthorizationToken'));
    const { d } = deps(recorder().exec, { ecrToken });
    const err = (await loginAll(
      'docker',
      [
        {
          registry: '123456789012.dkr.ecr.us-east-1.amazonaws.com',
          ecr: { accountId: '123456789012', region: 'us-east-1' },
        },
      ],
      d,
    ).catch((e: unknown) => e)) as ActionError;
    expect(err.hint).toMatch(/ecr:GetAuthorizationToken/);
    ecr.restore();
  });

  test.each([
    [Buffer.from('AWS:abc:def').toString('base64'), { username: 'AWS', password: 'abc:def' }],
    [Buffer.from('nocolon').toString('base64'), undefined],
  ])('decodeEcrToken(%s)', (token, want) => {
    if (want) expect(decodeEcrToken(token)).toEqual(want);
    else expect(() => decodeEcrToken(token)).toThrow(/not user:password/);
  });
});

describe('post step', () => {
  test('logs out of every registry main logged in to', async () => {
    const state = memoryState();
    state.save('engine', 'buildah');
    state.save('logins', ['ghcr.io', '127.0.0.1:5000']);
    const r = recorder((c) =>
      c.args[1] === 'ghcr.io'
        ? { code: 125, stdout: '', stderr: 'not logged in' }
        : { code: 0, stdout: '', stderr: '' },
    );
    const warnings: string[] = [];
    const out = await logoutFromState(state, {
      exec: r.exec,
      env: {},
      log: { info: () => undefined, warning: (m) => warnings.push(m) },
    });
    expect(r.calls.map((c) => [c.cmd, ...c.args])).toEqual([
      ['buildah', 'logout', 'ghcr.io'],
      ['buildah', 'logout', '127.0.0.1:5000'],
    ]);
    expect(out).toEqual(['127.0.0.1:5000']);
    expect(warnings[0]).toMatch(/Logout of ghcr.io failed/);
  });

  test('does nothing with logout: false or when nothing was logged in', async () => {
    const r = recorder();
    const state = memoryState();
    state.save('engine', 'docker');
    await logoutFromState(state, {
      exec: r.exec,
      env: {},
      log: { info: () => undefined, warning: () => undefined },
    });
    state.save('logins', ['ghcr.io']);
    state.save('logout', false);
    await logoutFromState(state, {
      exec: r.exec,
      env: {},
      log: { info: () => undefined, warning: () => undefined },
    });
    expect(r.calls).toEqual([]);
  });
});
