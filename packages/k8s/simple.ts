// The simple form: app, image, replicas and port → a Deployment and a Service.
import type { Deployment, KubeObject, Service } from './objects.js';

export interface SimpleSpec {
  app: string;
  image: string;
  replicas: number;
  port: number;
}

export function simpleManifests(s: SimpleSpec): KubeObject[] {
  const labels = { app: s.app };
  const deployment: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: s.app, labels },
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
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
