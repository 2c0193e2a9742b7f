// docker-build-push fails before building when a registry it will push to (or use as a cache) does
// not answer as a registry: a closed port, a server that accepts and never answers, a port whose
// handshake never completes, and a web server answering HTML. On both engines, against the real
// sandbox registry for the good path; nothing is built or pushed on the bad ones.
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ActionError } from '@hac/toolkit';
import {
  checkRegistry,
  getV2,
  isRegistryAnswer,
  preflightRegistries,
  preflightTargets,
} from '../../../packages/image/registry-preflight.js';
import { ecrToken } from '../../../packages/image/login.js';
import { exec } from '../../../packages/image/exec.js';
import { requireSandbox, sandboxProcessEnv, uniqueName, type SandboxEnv } from '../../support/sandbox.js';
import { closedPort, unconnectablePort } from '../../support/http-servers.js';
import { ENGINES, runEngine } from './engines.js';
import { tagList } from './registry-api.js';

let sb: SandboxEnv;
let env: NodeJS.ProcessEnv;
let silent: http.Server;
let html: http.Server;
const hosts: Record<string, string> = {};

const listen = async (server: http.Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
};

beforeAll(async () => {
  sb = requireSandbox(['registry', 'buildah', 'docker', 'buildkit']);
  env = sandboxProcessEnv(sb);
  silent = http.createServer(() => undefined);
  html = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><html><body>Sign in</body></html>');
  });
  hosts.silent = await listen(silent);
  hosts.html = await listen(html);
  hosts.closed = `127.0.0.1:${await closedPort()}`;
});
afterAll(async () => {
  for (const s of [silent, html]) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** Short deadlines so that the silent cases take about a second; the defaults are tested below. */
const quick = {
  preflight: ((req, o) =>
    preflightRegistries(req, {
      ...o,
      connectTimeoutMs: 500,
      responseTimeoutMs: 800,
    })) as typeof preflightRegistries,
};

/** Real exec, recording every argv. */
function recording() {
  const argv: string[][] = [];
  return {
    argv,
    exec: ((cmd, args, opts) => (argv.push([cmd, ...args]), exec(cmd, args, opts))) as typeof exec,
  };
}

const built = (argv: string[][]) =>
  argv.filter((a) => a.includes('build') || a.includes('push') || a.includes('login'));

describe.each(ENGINES)('engine %s', (engine) => {
  test.each([
    ['closed', /ECONNREFUSED/],
    ['silent', /no answer within the 800ms response deadline/],
    ['html', /HTTP 200 text\/html \(not a registry's answer\)/],
  ])('a %s registry fails before building, naming it, what was tried and what to do', async (kind, why) => {
    const host = hosts[kind] as string;
    const { argv, exec } = recording();
    const inputs = { images: `${host}/hac-test/app`, push: 'true', context: 'multistage' };
    const err = await runEngine(sb, env, engine, inputs, undefined, { ...quick, exec }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ActionError);
    const e = err as ActionError;
    expect(e.message).toContain('Registry preflight failed; nothing was built or pushed.');
    expect(e.message).toContain(`${host} (for push) did not answer as a container registry`);
    expect(e.message).toMatch(new RegExp(`GET https?://${host.replace(/\./g, '\\.')}/v2/`));
    expect(e.message).toMatch(why);
    expect(e.hint).toContain('insecure-registries');
    expect(e.hint).toContain('login');
    expect(built(argv)).toEqual([]);
  });

  test('a cache-from registry that does not answer fails the same way, without pushing', async () => {
    const { argv, exec } = recording();
    const inputs = {
      images: `${sb.registry}/hac-test/app`,
      push: 'false',
      context: 'multistage',
      'cache-from': `type=registry,ref=${hosts.closed}/cache/app`,
    };
    const err = await runEngine(sb, env, engine, inputs, undefined, { ...quick, exec }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toContain(`${hosts.closed} (for cache-from)`);
    expect(built(argv)).toEqual([]);
  });

  test('the sandbox registry passes, and the image is pushed', async () => {
    const repo = `${sb.registry}/hac-test/${uniqueName(`preflight-${engine}`)}`;
    const run = await runEngine(sb, env, engine, {
      images: repo,
      tags: 'v1',
      push: 'true',
      context: 'multistage',
      'build-args': `BASE=${sb.baseImage}`,
      target: 'runtime',
      secrets: 'token=t0k3n-value',
    });
    expect(run.logs).toContain(`Registries answered: ${sb.registry}`);
    expect(await tagList(repo)).toContain('v1');
  }, 120_000);
});

describe('deadlines and answers', () => {
  test('a port whose handshake never completes fails at the connect timeout', async () => {
    const hole = await unconnectablePort();
    try {
      // the connect timer, not the 10 s response deadline (each names itself and its length)
      const a = await getV2(`http://127.0.0.1:${hole.port}/v2/`, { connectTimeoutMs: 400 });
      expect(a).toEqual({ kind: 'error', what: 'no connection within the 400ms connect timeout' });
    } finally {
      await hole.close();
    }
  });

  test('the defaults: 5s to connect, 10s for the answer', async () => {
    const hole = await unconnectablePort();
    try {
      const [c, r] = await Promise.all([
        getV2(`http://127.0.0.1:${hole.port}/v2/`),
        getV2(`http://${hosts.silent}/v2/`),
      ]);
      expect(c).toMatchObject({ what: 'no connection within the 5000ms connect timeout' });
      expect(r).toMatchObject({ what: 'no answer within the 10000ms response deadline' });
    } finally {
      await hole.close();
    }
  }, 20_000);

  test('buildah verifying TLS against a plain-HTTP registry is told to list it in insecure-registries', async () => {
    const p = await checkRegistry(
      { registry: sb.registry, uses: ['push'] },
      { engine: 'buildah', tlsVerify: true },
    );
    expect(p).toContain('answers as a registry on plain HTTP only');
    expect(p).toContain('insecure-registries');
    expect(
      await checkRegistry({ registry: sb.registry, uses: ['push'] }, { engine: 'docker', tlsVerify: true }),
    ).toBe(undefined);
  });

  test('the ECR token request has the same deadlines: a silent endpoint fails after two 10s attempts', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: `http://${hosts.silent}`,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    });
    let requests = 0;
    const count = () => void requests++;
    silent.on('request', count);
    try {
      const started = Date.now();
      const err = await ecrToken('us-east-1', '123456789012').then(
        () => undefined,
        (e: unknown) => e,
      );
      // two attempts, each ended by the SDK's 10 s request timeout (so at least 20 s in all)
      expect(err).toMatchObject({
        name: 'TimeoutError',
        message: expect.stringContaining('exceeded the configured 10000 ms requestTimeout'),
        $metadata: { attempts: 2 },
      });
      expect(requests).toBe(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(19_000);
    } finally {
      silent.off('request', count);
      for (const k of ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'])
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
    }
  }, 40_000);

  test('an abort ends a pending check with the signal reason', async () => {
    const ctl = new AbortController();
    setTimeout(() => ctl.abort(new Error('cancelled')), 100);
    await expect(getV2(`http://${hosts.silent}/v2/`, { signal: ctl.signal })).rejects.toThrow('cancelled');
  });

  test.each([
    [{ kind: 'answer', status: 200, headers: { 'docker-distribution-api-version': 'registry/2.0' } }, true],
    [{ kind: 'answer', status: 401, headers: { 'www-authenticate': 'Bearer realm="x"' } }, true],
    [{ kind: 'answer', status: 200, headers: { 'content-type': 'application/json' } }, true],
    [{ kind: 'answer', status: 503, headers: {} }, 'busy'],
    [{ kind: 'answer', status: 429, headers: {} }, 'busy'],
    [{ kind: 'answer', status: 200, headers: { 'content-type': 'text/html' } }, false],
    [
      { kind: 'answer', status: 401, headers: { 'content-type': 'text/html', 'www-authenticate': 'Basic' } },
      false,
    ],
    [{ kind: 'answer', status: 404, headers: { 'content-type': 'application/json' } }, false],
    [{ kind: 'answer', status: 200, headers: { 'content-type': 'text/plain' } }, false],
    [{ kind: 'error', what: 'ECONNREFUSED' }, false],
  ] as const)('isRegistryAnswer(%j) is %s', (a, want) => {
    expect(isRegistryAnswer(a as Parameters<typeof isRegistryAnswer>[0])).toBe(want);
  });

  test.each([
    [
      { push: true, repositories: ['ghcr.io/a/b', 'ghcr.io/a/c', 'x.io/d'], cacheFrom: [], cacheTo: [] },
      ['ghcr.io', 'x.io'],
    ],
    [{ push: false, repositories: ['ghcr.io/a/b'], cacheFrom: [], cacheTo: [] }, []],
    [
      {
        push: false,
        repositories: ['ghcr.io/a/b'],
        cacheFrom: [{ type: 'registry', attrs: { type: 'registry', ref: 'c.io/x' }, raw: '' }],
        cacheTo: [{ type: 'gha', attrs: { type: 'gha' }, raw: '' }],
      },
      ['c.io'],
    ],
    [{ push: true, repositories: ['app'], cacheFrom: [], cacheTo: [] }, ['docker.io']],
    [
      {
        push: false,
        repositories: ['ghcr.io/a/b'],
        cacheFrom: [
          { type: 'registry', attrs: { type: 'registry', ref: '127.0.0.1:15001/t/app:buildcache' }, raw: '' },
        ],
        cacheTo: [
          {
            type: 'registry',
            attrs: { type: 'registry', ref: 'd.io/t/app@sha256:' + '0'.repeat(64) },
            raw: '',
          },
        ],
      },
      ['127.0.0.1:15001', 'd.io'],
    ],
  ] as const)('preflightTargets(%j) contacts %j', (req, want) => {
    expect(
      preflightTargets(req as unknown as Parameters<typeof preflightTargets>[0]).map((t) => t.registry),
    ).toEqual(want);
  });
});
