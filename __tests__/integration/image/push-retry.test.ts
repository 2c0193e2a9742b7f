// Push retries: a proxy in front of the sandbox registry answers 429 and then 503 to the manifest
// upload before letting it through. The push succeeds, the proxy saw the failed attempts, and the
// tag in the real registry has the digest the action reported.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { buildAndPush } from '../../../packages/image/build.js';
import { exec } from '../../../packages/image/exec.js';
import { resolveInputs } from '../../../packages/image/inputs.js';
import { requireSandbox, sandboxProcessEnv, uniqueName, type SandboxEnv } from '../../support/sandbox.js';
import { startRegistryProxy, type RegistryProxy } from '../../support/registry-proxy.js';
import { eventContext } from '../../unit/image/events.js';
import { manifest } from './registry-api.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/docker');
let sb: SandboxEnv;
let proxy: RegistryProxy;

beforeAll(async () => {
  sb = requireSandbox(['registry', 'buildah']);
  proxy = await startRegistryProxy(sb.registry);
});
afterAll(() => proxy?.close());

test('429 then 503 on the manifest upload: retried with backoff, then pushed', async () => {
  const name = `hac-test/${uniqueName('retry')}`;
  proxy.fail({ method: 'PUT', path: /\/manifests\//, status: 429 });
  proxy.fail({ method: 'PUT', path: /\/manifests\//, status: 503 });
  const inputs: Record<string, string> = {
    context: 'multistage',
    images: `${proxy.host}/${name}`,
    tags: 'v1',
    'auto-tags': 'false',
    'build-args': `BASE=${sb.baseImage}`,
    secrets: 'token=x',
    target: 'runtime',
    push: 'true',
    engine: 'buildah',
    // The proxy's port is not in the sandbox's registries.conf: the explicit input covers it.
    'insecure-registries': proxy.host,
    'retry-delay': '1s',
  };
  const env = sandboxProcessEnv(sb);
  const request = resolveInputs((n) => inputs[n] ?? '', {
    git: eventContext('push', 'push-main.json'),
    now: new Date(),
    cwd: fixtures,
    env,
  });
  const delays: number[] = [];
  const warnings: string[] = [];
  const result = await buildAndPush(request, {
    exec,
    env,
    log: { info: () => undefined, warning: (m) => warnings.push(m) },
    state: memoryState(),
    ecrToken: async () => ({ username: '', password: '' }),
    mask: () => undefined,
    sleep: async (ms) => void delays.push(ms),
  });
  expect(proxy.injected().map((r) => `${r.method} ${r.status}`)).toEqual(['PUT 429', 'PUT 503']);
  expect(result.retries.map((r) => r.kind)).toEqual(['rate-limit', 'server']);
  expect(delays).toHaveLength(2);
  expect(warnings.filter((w) => /attempt \d of/.test(w))).toHaveLength(2);
  expect(result.pushed).toEqual([{ ref: `${proxy.host}/${name}:v1`, digest: result.digest, attempts: 3 }]);
  // The last manifest PUT went through to the registry; check the registry itself, not the proxy.
  const m = await manifest(`${sb.registry}/${name}`, 'v1');
  expect(m.digest).toBe(result.digest);
}, 180_000);
