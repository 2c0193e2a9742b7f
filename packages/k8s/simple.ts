// The simple form: app, image, replicas and port → a Deployment and a Service.
import { parseImageRef } from './images.js';
import type { Deployment, KubeObject, Service } from './objects.js';

export interface SimpleSpec {
  app: string;
  image: string;
  replicas: number;
  port: number;
}

/** A label value naming the image version: its tag, else the digest's first 12 hex digits, else latest. */
export function versionLabel(image: string): string {
  const ref = parseImageRef(image);
  const raw = ref.tag ?? ref.digest?.split(':')[1]?.slice(0, 12) ?? 'latest';
  return (
    raw
      .replace(/[^A-Za-z0-9_.-]/g, '-')
      .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '')
      .slice(0, 63) || 'latest'
  );
}

export function simpleManifests(s: SimpleSpec): KubeObject[] {
  const labels = { app: s.app };
  const podLabels = { app: s.app, version: versionLabel(s.image) };
  const deployment: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: s.app, labels },
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: podLabels },
        spec: {
          containers: [{ name: s.app, image: s.image, ports: [{ name: 'http', containerPort: s.port }] }],
        },
      },
    },
  };
  const service: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: s.app, labels },
    spec: { selector: labels, ports: [{ name: 'http', port: s.port, targetPort: s.port, protocol: 'TCP' }] },
  };
  return [deployment, service];
}
