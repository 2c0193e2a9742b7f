// Pure manifest builders for the peer benchmarks: one app (Deployment + Service, both named
// after the app) as every tool receives it, and the objects a plain kubectl script applies.

export const IMAGE_REPO = 'registry.example/bench-web';
export const image = (v) => `${IMAGE_REPO}:${v}`;

/** The pod template; `failReadiness` makes kwok keep its pods Running but never Ready (hac.dev/sim-fail). */
function podTemplate(labels, img, { failReadiness = false, tolerate } = {}) {
  const spec = { containers: [{ name: 'web', image: img, ports: [{ containerPort: 8080 }] }] };
  if (tolerate) {
    spec.tolerations = [
      { key: tolerate.key, operator: 'Equal', value: tolerate.value, effect: 'NoSchedule' },
    ];
    spec.nodeSelector = { [tolerate.key]: tolerate.value };
  }
  return {
    metadata: { labels, ...(failReadiness ? { annotations: { 'hac.dev/sim-fail': 'readiness' } } : {}) },
    spec,
  };
}

export function deployment({ name, labels, img, replicas, ...opts }) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: labels }, template: podTemplate(labels, img, opts) },
  };
}

export function service(name, selector) {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector, ports: [{ port: 80, targetPort: 8080 }] },
  };
}

export const toYaml = (objs) => objs.map((o) => JSON.stringify(o)).join('\n---\n') + '\n';

/** The app as hac and k8s-deploy receive it: Deployment `app` and Service `app` selecting app=<app>. */
export function appManifest({ app = 'web', img, replicas = 4, ...opts }) {
  return toYaml([deployment({ name: app, labels: { app }, img, replicas, ...opts }), service(app, { app })]);
}

/** kubectl blue-green: a Deployment per color, the live Service selecting one color. */
export function colorDeployment({ app = 'web', color, img, replicas = 4, ...opts }) {
  return toYaml([deployment({ name: `${app}-${color}`, labels: { app, color }, img, replicas, ...opts })]);
}

export const colorService = (app, color) => toYaml([service(app, { app, color })]);

/** kubectl canary: a canary Deployment whose pods the Service (app=<app>) also selects. */
export function canaryDeployment({ app = 'web', img, replicas, ...opts }) {
  return toYaml([
    deployment({ name: `${app}-canary`, labels: { app, track: 'canary' }, img, replicas, ...opts }),
  ]);
}

/** Canary replicas for a share of traffic with route replicas: round(total × pct / 100), at least 1. */
export function canarySplit(total, pct) {
  const canary = Math.max(1, Math.round((total * pct) / 100));
  return { canary, stable: total - canary };
}
