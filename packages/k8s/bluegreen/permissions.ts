// The permissions blue-green needs: checked in preflight and documented as the minimal Role.
import { groupOf, knownResource } from '../resources.js';
import type { KubeObject } from '../objects.js';
import type { Permission } from '../permissions.js';
import type { BlueGreenAction } from './types.js';
import type { RouteKind } from './plan.js';

const p = (group: string, resource: string, ...verbs: string[]): Permission[] =>
  verbs.map((verb) => ({ group, resource, verb }));

/** The minimal rules for every action of k8s-bluegreen with `route` (what the README documents). */
export function bluegreenPermissions(
  route: RouteKind,
  action: BlueGreenAction = 'deploy',
  others: KubeObject[] = [],
): Permission[] {
  const out: Permission[] = [
    ...p('apps', 'deployments', 'get', 'watch', 'create', 'patch', 'delete'),
    ...p('', 'services', 'get', 'create', 'patch'),
    ...p('', 'pods', 'list'),
    ...p('', 'configmaps', 'get', 'create', 'patch'),
    ...p('coordination.k8s.io', 'leases', 'get', 'create', 'update'),
  ];
  if (action === 'deploy' || action === 'promote') out.push(...p('', 'services', 'delete'));
  if (route === 'gateway-api') out.push(...p('gateway.networking.k8s.io', 'httproutes', 'get', 'patch'));
  for (const o of others) {
    const info = knownResource(o.apiVersion, o.kind);
    if (
      info &&
      !out.some((x) => x.resource === info.plural && x.group === groupOf(o.apiVersion) && x.verb === 'patch')
    ) {
      out.push({ group: groupOf(o.apiVersion), resource: info.plural, verb: 'patch' });
    }
  }
  return out;
}
