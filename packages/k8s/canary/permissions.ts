// The permissions a canary run needs: checked before the first write (and before the lock Lease)
// and documented as the minimal Role in the action's README.
import { groupOf, knownResource } from '../resources.js';
import type { KubeObject } from '../objects.js';
import type { Permission } from '../permissions.js';
import type { RouteMethod } from './routes.js';

const p = (group: string, resource: string, ...verbs: string[]): Permission[] =>
  verbs.map((verb) => ({ group, resource, verb }));

/**
 * What `action` with `route` needs. deploy also needs create and patch (server-side apply) on the
 * kinds of the other objects it applies (the manifests' Service, ConfigMaps, ...).
 */
export function canaryPermissions(
  route: RouteMethod,
  action: 'deploy' | 'promote' | 'abort' = 'deploy',
  others: KubeObject[] = [],
): Permission[] {
  const out: Permission[] = [
    // get: stable and canary; watch: rollouts; create/patch: apply and scale; update: promotion; delete: the canary
    ...p('apps', 'deployments', 'get', 'watch', 'create', 'patch', 'update', 'delete'),
    ...p('coordination.k8s.io', 'leases', 'get', 'create', 'update'),
  ];
  if (action === 'deploy') out.push(...p('autoscaling', 'horizontalpodautoscalers', 'list'));
  if (route !== 'replicas') {
    out.push(...p('apps', 'replicasets', 'list'), ...p('', 'services', 'get', 'create', 'patch', 'delete'));
  } else if (action === 'deploy') {
    // The live Service is read for k8s-bluegreen's mark (strategy handover) before any write.
    out.push(...p('', 'services', 'get'));
  }
  if (route === 'gateway-api') out.push(...p('gateway.networking.k8s.io', 'httproutes', 'get', 'patch'));
  if (route === 'ingress-nginx')
    out.push(...p('networking.k8s.io', 'ingresses', 'get', 'create', 'patch', 'delete'));
  if (action === 'deploy') {
    for (const o of others) {
      // Unknown kinds (CRDs) are left to the server-side dry run, which names a 403 just the same.
      const info = knownResource(o.apiVersion, o.kind);
      if (!info?.namespaced) continue;
      const group = groupOf(o.apiVersion);
      for (const verb of ['create', 'patch']) {
        if (!out.some((x) => x.group === group && x.resource === info.plural && x.verb === verb))
          out.push({ group, resource: info.plural, verb });
      }
    }
  }
  return out;
}
