// RBAC: a deployer bound to exactly the Role the README documents succeeds; with one rule removed
// the action fails before any write, naming the missing permission. The kubeconfig input is
// written 0600 and removed by the post step.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { bluegreenPermissions } from '../../../packages/k8s/bluegreen/permissions.js';
import { type Permission } from '../../../packages/k8s/permissions.js';
import {
  createNamespace,
  deleteNamespace,
  deployerWithRules,
  k8sSandbox,
  kubectlGet,
  resourceVersions,
} from '../../support/k8s.js';
import { manifests, runBlueGreen } from '../../support/k8s-run.js';
import type { SandboxEnv } from '../../support/sandbox.js';
import { runBlueGreenPost } from '../../../packages/k8s/bluegreen/post.js';

const REG = 'registry.example/web';
let sb: SandboxEnv;
let ns: string;
let file: string;

/** Role rules from permissions, one rule per resource (the README's form). */
function rules(perms: Permission[]) {
  const by = new Map<string, { apiGroups: string[]; resources: string[]; verbs: string[] }>();
  for (const p of perms) {
    const k = `${p.group}/${p.resource}`;
    const r = by.get(k) ?? { apiGroups: [p.group], resources: [p.resource], verbs: [] };
    if (!r.verbs.includes(p.verb)) r.verbs.push(p.verb);
    by.set(k, r);
  }
  return [...by.values()];
}

beforeAll(() => {
  sb = k8sSandbox();
  ns = createNamespace(sb, 'hac-rbac');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-rbac-'));
  file = path.join(dir, 'app.yaml');
  fs.writeFileSync(file, manifests('rb', `${REG}:1.0`));
});

afterAll(() => deleteNamespace(sb, ns));

describe('minimal Role', () => {
  test('the documented Role is enough for deploy, a second deploy and rollback', async () => {
    const kubeconfig = deployerWithRules(sb, ns, 'full', rules(bluegreenPermissions('service', 'deploy')));
    const first = await runBlueGreen(sb, ns, { manifests: file }, { kubeconfig });
    expect(first.error).toBeUndefined();
    const p = first.progress.dump()['k8s-bluegreen'] as { kubeconfigPath: string };
    expect(fs.statSync(p.kubeconfigPath).mode & 0o777).toBe(0o600);
    await runBlueGreenPost(first.progress, { log: () => {} });
    expect(fs.existsSync(p.kubeconfigPath)).toBe(false);
    const second = await runBlueGreen(sb, ns, { manifests: file, images: `${REG}:2.0` }, { kubeconfig });
    expect(second.error).toBeUndefined();
    expect(kubectlGet(sb, ns, 'service rb').spec.selector.color).toBe('green');
    const back = await runBlueGreen(sb, ns, { action: 'rollback', app: 'rb' }, { kubeconfig });
    expect(back.error).toBeUndefined();
    expect(kubectlGet(sb, ns, 'service rb').spec.selector.color).toBe('blue');
  }, 120_000);

  const all = bluegreenPermissions('service', 'deploy');
  test.each([
    ['patch', 'services', ''],
    ['watch', 'deployments', 'apps'],
    ['create', 'leases', 'coordination.k8s.io'],
    ['list', 'pods', ''],
  ])(
    'without "%s" on %s: fails before any write, naming it',
    async (verb, resource, group) => {
      const missing = all.filter((p) => !(p.verb === verb && p.resource === resource && p.group === group));
      expect(missing.length).toBe(all.length - 1);
      const kubeconfig = deployerWithRules(
        sb,
        ns,
        `minus-${verb}-${resource}`.replace(/\./g, '-'),
        rules(missing),
      );
      const before = resourceVersions(sb, ns);
      const r = await runBlueGreen(sb, ns, { manifests: file, images: `${REG}:3.0` }, { kubeconfig });
      expect(r.error?.message).toMatch(
        new RegExp(
          `may not "${verb}" on ${resource}${group ? `\\.${group.replace(/\./g, '\\.')}` : ''} in namespace "${ns}"`,
        ),
      );
      expect((r.error as { hint?: string }).hint).toMatch(new RegExp(`resources: \\["${resource}"\\]`));
      expect(resourceVersions(sb, ns)).toEqual(before);
    },
    60_000,
  );
});
