import { beforeAll, describe, expect, test } from '@jest/globals';
import { requireSandbox, type SandboxEnv } from '../support/sandbox.js';
import { templateRunner } from '../support/templates-e2e.js';

// End to end: the k8s-bluegreen template through act on this host against the sandbox, with the
// committed dist/ bundles; results checked with kubectl.
let sb: SandboxEnv;
const t = templateRunner(() => sb, 'hac/ipsvc-bluegreen-e2e');

beforeAll(() => {
  sb = requireSandbox(['k8s', 'registry', 'buildah', 'act']);
});

describe('k8s-bluegreen template', () => {
  test('two releases switch colors; a bad third one fails its preview gate and the live color stays', async () => {
    const ns = sb.namespace;
    expect((await t.run('k8s-bluegreen', '1.0.0')).code).toBe(0);
    const first = t.liveColor(ns, 'ipsvc-bg');
    const second = await t.run('k8s-bluegreen', '2.0.0');
    expect(second.code).toBe(0);
    const live = t.liveColor(ns, 'ipsvc-bg');
    expect(live).not.toBe(first);
    const liveImage = t.colorImage(ns, 'ipsvc-bg', live);

    const bad = await t.run('k8s-bluegreen', '3.0.0', true);
    expect(bad.code).not.toBe(0);
    expect(bad.summary).toMatch(/preview gate/);
    expect(t.liveColor(ns, 'ipsvc-bg')).toBe(live);
    expect(t.colorImage(ns, 'ipsvc-bg', live)).toBe(liveImage);
    const ready = t.kubectl(
      ns,
      'get',
      'deploy',
      `ipsvc-bg-${live}`,
      '-o',
      'jsonpath={.status.readyReplicas}',
    );
    expect(Number(ready)).toBeGreaterThan(0);
  }, 900_000);
});
