/**
 * The route a routed canary weights, checked against the object the cluster has (pure: the
 * object is read by observe.ts). Returns the record fields naming it and the route diff a plan
 * shows; throws one ActionError naming the input when the route cannot carry the canary.
 */
import { ActionError } from '@hac/toolkit';
import type { KubeObject } from '../objects.js';
import { ingressUsesService, rulesForService } from './routes.js';
import type { CanaryRecord } from './state.js';
import type { CanaryOptions } from './types.js';

export interface RouteTarget {
  record: Pick<CanaryRecord, 'httpRoute' | 'ingress' | 'canaryIngress'>;
  diff?: string;
}

type Names = { namespace: string; stableService: string; canaryService: string };
type RouteOptions = Pick<CanaryOptions, 'route' | 'steps' | 'httpRoute' | 'ingress'>;

export function routeTarget(o: RouteOptions, found: KubeObject | undefined, n: Names): RouteTarget {
  if (o.route === 'gateway-api') return httpRouteTarget(o, found, n);
  if (o.route === 'ingress-nginx') return ingressTarget(o, found, n);
  return { record: {} };
}

function httpRouteTarget(o: RouteOptions, hr: KubeObject | undefined, n: Names): RouteTarget {
  if (!o.httpRoute)
    throw new ActionError(
      'route: gateway-api needs the http-route input (the HTTPRoute to weight).',
      'Set http-route to the name of the HTTPRoute that sends traffic to the stable Service.',
    );
  if (!hr)
    throw new ActionError(
      `HTTPRoute ${o.httpRoute} does not exist in namespace ${n.namespace}.`,
      'Create the HTTPRoute first, or fix the http-route input.',
    );
  const rules = ((hr.spec as { rules?: [] })?.rules ?? []) as [];
  if (rulesForService(rules, n.stableService) === 0) {
    throw new ActionError(
      `HTTPRoute ${o.httpRoute} has no backendRef to Service ${n.stableService}.`,
      'Point the route at the stable Service, or set the service input to the Service it uses.',
    );
  }
  const weights = o.steps.map((w) => `${n.stableService}=${100 - w}/${n.canaryService}=${w}`);
  return {
    record: { httpRoute: o.httpRoute },
    diff: `HTTPRoute ${o.httpRoute}: backendRefs ${n.stableService}=100 -> ${weights.join(' -> ')} -> reset`,
  };
}

function ingressTarget(o: RouteOptions, ing: KubeObject | undefined, n: Names): RouteTarget {
  if (!o.ingress)
    throw new ActionError(
      'route: ingress-nginx needs the ingress input (the stable Ingress to copy).',
      'Set ingress to the name of the Ingress that sends traffic to the stable Service.',
    );
  if (!ing)
    throw new ActionError(
      `Ingress ${o.ingress} does not exist in namespace ${n.namespace}.`,
      'Create the Ingress first, or fix the ingress input.',
    );
  if (!ingressUsesService(ing, n.stableService)) {
    throw new ActionError(
      `Ingress ${o.ingress} sends no path to Service ${n.stableService}.`,
      'Point the Ingress at the stable Service, or set the service input to the Service it uses.',
    );
  }
  const canaryIngress = `${o.ingress}-canary`;
  return {
    record: { ingress: o.ingress, canaryIngress },
    diff: `Ingress ${canaryIngress} (copy of ${o.ingress}, backend ${n.canaryService}): canary-weight ${o.steps.join(' -> ')} -> deleted`,
  };
}
