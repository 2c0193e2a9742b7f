// The sandbox cluster is a real control plane: Deployments roll out, the
// EndpointSlice controller tracks readiness, RBAC denies, CRDs validate.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, requireSandbox, uniqueName, type SandboxEnv } from '../support/sandbox.js';

let sb: SandboxEnv;

interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[], opts: { kubeconfig?: string; input?: string } = {}): Result {
  const res = spawnSync(sb.kubectl, ['--kubeconfig', opts.kubeconfig ?? sb.kubeconfig, ...args], {
    encoding: 'utf8',
    input: opts.input,
    timeout: 90000,
  });
  return { status: res.status ?? -1, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

function kubectlOk(args: string[], opts: { kubeconfig?: string; input?: string } = {}): string {
  const res = kubectl(args, opts);
  if (res.status !== 0) throw new Error(`kubectl ${args.join(' ')} failed: ${res.stderr || res.stdout}`);
  return res.stdout;
}

function sandboxCli(args: string[]): Result {
  const res = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/sandbox/cli.mjs'), ...args], {
    encoding: 'utf8',
    timeout: 90000,
  });
  return { status: res.status ?? -1, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(fn: () => T | undefined, what: string, timeoutMs = 45000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(300);
  }
}

interface Endpoint {
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  targetRef?: { name: string };
}

function endpoints(ns: string, service: string): Endpoint[] {
  const out = kubectlOk([
    '-n',
    ns,
    'get',
    'endpointslices.discovery.k8s.io',
    '-l',
    `kubernetes.io/service-name=${service}`,
    '-o',
    'json',
  ]);
  const list = JSON.parse(out) as { items: { endpoints?: Endpoint[] | null }[] };
  return list.items.flatMap((s) => s.endpoints ?? []);
}

const readyCount = (eps: Endpoint[]) => eps.filter((e) => e.conditions?.ready === true).length;

describe('sandbox Kubernetes', () => {
  const app = uniqueName('sbx-web');
  let ns: string;

  beforeAll(() => {
    sb = requireSandbox(['k8s']);
    ns = sb.namespace;
  });

  afterAll(() => {
    if (!sb) return;
    kubectl(['-n', ns, 'delete', 'deployment,service', app, '--ignore-not-found', '--wait=false']);
  });

  test('a 3-replica Deployment becomes Available and its Service has 3 ready endpoints', async () => {
    const manifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
  namespace: ${ns}
spec:
  replicas: 3
  selector:
    matchLabels: { app: ${app} }
  template:
    metadata:
      labels: { app: ${app} }
    spec:
      containers:
        - name: web
          image: ${sb.baseImage}
          ports: [{ containerPort: 8080 }]
---
apiVersion: v1
kind: Service
metadata:
  name: ${app}
  namespace: ${ns}
spec:
  selector: { app: ${app} }
  ports: [{ port: 80, targetPort: 8080 }]
`;
    kubectlOk(['apply', '-f', '-'], { input: manifest });
    kubectlOk(['-n', ns, 'wait', '--for=condition=Available', '--timeout=60s', `deployment/${app}`]);
    const dep = JSON.parse(kubectlOk(['-n', ns, 'get', 'deployment', app, '-o', 'json']));
    expect(dep.status.readyReplicas).toBe(3);
    expect(dep.status.availableReplicas).toBe(3);

    const pods = JSON.parse(kubectlOk(['-n', ns, 'get', 'pods', '-l', `app=${app}`, '-o', 'json'])).items;
    expect(pods).toHaveLength(3);
    for (const p of pods) expect(p.status.podIP).toBeTruthy();

    const eps = await eventually(() => {
      const e = endpoints(ns, app);
      return readyCount(e) === 3 ? e : undefined;
    }, '3 ready endpoints');
    expect(eps).toHaveLength(3);
  }, 90000);

  test('a simulated readiness failure removes the endpoint, recover restores it', async () => {
    const pods = kubectlOk([
      '-n',
      ns,
      'get',
      'pods',
      '-l',
      `app=${app}`,
      '-o',
      'jsonpath={.items[*].metadata.name}',
    ])
      .trim()
      .split(/\s+/);
    expect(pods).toHaveLength(3);
    const victim = pods[0]!;
    kubectlOk(['-n', ns, 'label', 'pod', victim, 'hac-test/victim=yes']);

    const fail = sandboxCli(['fail-pods', ns, `app=${app},hac-test/victim=yes`, 'readiness']);
    expect(fail.stderr).toContain(victim);
    expect(fail.status).toBe(0);

    const afterFail = await eventually(() => {
      const e = endpoints(ns, app);
      return readyCount(e) === 2 ? e : undefined;
    }, 'the endpoint of the failing pod to become not ready');
    const notReady = afterFail.filter((e) => e.conditions?.ready !== true).map((e) => e.targetRef?.name);
    expect(notReady).toEqual([victim]);
    const pod = JSON.parse(kubectlOk(['-n', ns, 'get', 'pod', victim, '-o', 'json']));
    const ready = pod.status.conditions.find((c: { type: string }) => c.type === 'Ready');
    expect(ready.status).toBe('False');

    // a crash shows up as CrashLoopBackOff
    expect(sandboxCli(['fail-pods', ns, `hac-test/victim=yes`, 'crash']).status).toBe(0);
    const crashed = JSON.parse(kubectlOk(['-n', ns, 'get', 'pod', victim, '-o', 'json']));
    expect(crashed.status.containerStatuses[0].state.waiting.reason).toBe('CrashLoopBackOff');

    expect(sandboxCli(['fail-pods', ns, `hac-test/victim=yes`, 'recover']).status).toBe(0);
    await eventually(
      () => (readyCount(endpoints(ns, app)) === 3 ? true : undefined),
      'all 3 endpoints ready again',
    );
  }, 120000);

  test('the deployer is limited to its Role', () => {
    const can = (verb: string, resource: string, namespace: string) =>
      kubectl(['auth', 'can-i', verb, resource, '-n', namespace], {
        kubeconfig: sb.deployerKubeconfig,
      }).stdout.trim();
    expect(can('create', 'deployments.apps', ns)).toBe('yes');
    expect(can('patch', 'httproutes.gateway.networking.k8s.io', ns)).toBe('yes');
    expect(can('get', 'secrets', ns)).toBe('no');
    expect(can('create', 'deployments.apps', 'default')).toBe('no');
    expect(can('delete', 'namespaces', ns)).toBe('no');

    // real requests, not just the review API
    const allowed = kubectl(['-n', ns, 'get', 'pods'], { kubeconfig: sb.deployerKubeconfig });
    expect(allowed.status).toBe(0);
    const denied = kubectl(['-n', ns, 'get', 'secrets'], { kubeconfig: sb.deployerKubeconfig });
    expect(denied.status).not.toBe(0);
    expect(denied.stderr).toMatch(/forbidden/i);
    expect(denied.stderr).toContain('system:serviceaccount:hac:deployer');
    const deniedOther = kubectl(['-n', 'default', 'get', 'deployments'], {
      kubeconfig: sb.deployerKubeconfig,
    });
    expect(deniedOther.status).not.toBe(0);
    expect(deniedOther.stderr).toMatch(/forbidden/i);
  });

  test('the apiserver audit log records requests with their user', async () => {
    const probe = uniqueName('audit-probe');
    kubectlOk(['-n', ns, 'get', 'configmap', probe, '--ignore-not-found'], {
      kubeconfig: sb.deployerKubeconfig,
    });
    const event = await eventually(
      () => {
        const lines = fs.readFileSync(sb.auditLog, 'utf8').split('\n');
        const hit = lines.find((l) => l.includes(`/configmaps/${probe}`));
        return hit
          ? (JSON.parse(hit) as { verb: string; user: { username: string }; level: string })
          : undefined;
      },
      'the audit event',
      15000,
    );
    expect(event.verb).toBe('get');
    expect(event.level).toBe('Metadata');
    expect(event.user.username).toBe('system:serviceaccount:hac:deployer');
  });

  test('Gateway API CRD validation rejects an HTTPRoute with an invalid weight', () => {
    const route = (name: string, weight: number) => `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: ${name}
  namespace: ${ns}
spec:
  parentRefs: [{ name: sandbox-gateway }]
  rules:
    - backendRefs:
        - { name: ${app}, port: 80, weight: ${weight} }
`;
    const good = kubectl(['apply', '--dry-run=server', '-f', '-'], {
      input: route(uniqueName('route-ok'), 50),
      kubeconfig: sb.deployerKubeconfig,
    });
    expect(good.stderr).toBe('');
    expect(good.status).toBe(0);

    for (const weight of [-1, 1000001]) {
      const bad = kubectl(['apply', '-f', '-'], {
        input: route(uniqueName('route-bad'), weight),
        kubeconfig: sb.deployerKubeconfig,
      });
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toMatch(/weight/);
      expect(bad.stderr).toMatch(/Invalid value|should be (less|greater) than or equal to/);
    }
  });
});
