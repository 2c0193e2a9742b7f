import { beforeAll, describe, expect, test } from '@jest/globals';
import { requireSandbox, type SandboxEnv } from '../support/sandbox.js';
import { templateRunner } from '../support/templates-e2e.js';

// End to end: the full-pipeline template through act on this host against the sandbox, with the
// committed dist/ bundles; results checked with kubectl. (The k8s-canary template has its own file.)
let sb: SandboxEnv;
const t = templateRunner(() => sb, 'hac/ipsvc-full-e2e');

beforeAll(() => {
  sb = requireSandbox(['k8s', 'registry', 'buildah', 'act']);
});

describe('full-pipeline template', () => {
  test('test → image → staging blue-green → smoke → production canary → promote', async () => {
    expect((await t.run('full-pipeline', '1.0.0')).code).toBe(0);
    const second = await t.run('full-pipeline', '2.0.0');
    expect(second.code).toBe(0);
    expect(second.log).toContain('verdict=paused');
    expect(second.log).toContain('verdict=promoted');
    expect(second.summary).toMatch(/Smoke test/);
    const path = 'jsonpath={.spec.template.spec.containers[0].image}';
    const image = t.kubectl(sb.namespace, 'get', 'deploy', 'ipsvc-full', '-o', path);
    const staging = t.liveColor('hac-staging', 'ipsvc-full');
    expect(t.colorImage('hac-staging', 'ipsvc-full', staging)).toBe(image);
  }, 1_200_000);
});
