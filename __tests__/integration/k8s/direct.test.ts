// Cluster access against the sandbox's apiserver: plain kubeconfigs go direct (node:https), the
// rest through client-node, and both reach the same objects that kubectl sees.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { openAccess } from '../../../packages/k8s/kubeconfig.js';
import { requireSandbox, type SandboxEnv } from '../../support/sandbox.js';

let sb: SandboxEnv;
let dir: string;
let deployer: { clusters: { cluster: Record<string, unknown> }[]; users: { user: { token: string } }[] };

beforeAll(() => {
  sb = requireSandbox(['k8s']);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-direct-it-'));
  deployer = parse(fs.readFileSync(sb.deployerKubeconfig, 'utf8')) as typeof deployer;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const kubectl = (...args: string[]) =>
  execFileSync(sb.kubectl, ['--kubeconfig', sb.kubeconfig, ...args], { encoding: 'utf8' });

/** A variant of the deployer kubeconfig, written to a file. */
function variant(name: string, change: (doc: Record<string, any>) => void): string {
  const doc = parse(fs.readFileSync(sb.deployerKubeconfig, 'utf8')) as Record<string, any>;
  change(doc);
  const file = path.join(dir, name);
  fs.writeFileSync(file, stringify(doc), { mode: 0o600 });
  return file;
}

describe('direct access', () => {
  test('admin kubeconfig (client certificate files): the namespace kubectl sees', async () => {
    const access = await openAccess({ kubeconfigPath: sb.kubeconfig, env: {} });
    expect(access.via).toBe('direct');
    const res = await access.transport.request({ method: 'GET', path: `/api/v1/namespaces/${sb.namespace}` });
    expect(res.status).toBe(200);
    const uid = kubectl('get', 'namespace', sb.namespace, '-o', 'jsonpath={.metadata.uid}');
    expect((res.body as { metadata: { uid: string } }).metadata.uid).toBe(uid);
  });

  test('deployer kubeconfig (token): its own rights, not more', async () => {
    const access = await openAccess({ kubeconfigPath: sb.deployerKubeconfig, env: {} });
    expect(access).toMatchObject({ via: 'direct', namespace: sb.namespace });
    const ok = await access.transport.request({
      method: 'GET',
      path: `/apis/apps/v1/namespaces/${sb.namespace}/deployments`,
    });
    expect(ok.status).toBe(200);
    const denied = await access.transport.request({ method: 'GET', path: '/api/v1/nodes' });
    expect(denied.status).toBe(403);
    expect(JSON.stringify(denied.body)).toMatch(/system:serviceaccount:hac:deployer/);
  });

  test('a POST body and a watch that the server ends', async () => {
    const access = await openAccess({ kubeconfigPath: sb.kubeconfig, env: {} });
    const name = `direct-${Date.now().toString(36)}`;
    const created = await access.transport.request({
      method: 'POST',
      path: `/api/v1/namespaces/${sb.namespace}/configmaps`,
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' } },
    });
    expect(created.status).toBe(201);
    expect(kubectl('get', 'configmap', name, '-n', sb.namespace, '-o', 'jsonpath={.data.k}')).toBe('v');
    const seen: string[] = [];
    const end = await access.transport.stream(
      {
        method: 'GET',
        path: `/api/v1/namespaces/${sb.namespace}/configmaps`,
        query: { watch: true, fieldSelector: `metadata.name=${name}`, timeoutSeconds: 1 },
      },
      (e) => {
        seen.push((e as { type: string }).type);
      },
    );
    expect(end.status).toBe(200);
    expect(seen).toContain('ADDED');
    kubectl('delete', 'configmap', name, '-n', sb.namespace);
  });

  test('an aborted watch rejects', async () => {
    const access = await openAccess({ kubeconfigPath: sb.kubeconfig, env: {} });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    await expect(
      access.transport.stream(
        {
          method: 'GET',
          path: `/api/v1/namespaces/${sb.namespace}/configmaps`,
          query: { watch: true },
          signal: ac.signal,
        },
        () => {},
      ),
    ).rejects.toThrow(/abort/i);
  });

  test.each([
    ['direct', {}],
    ['client-node', { HAC_K8S_CLIENT: 'client-node' }],
  ])(
    'a watch whose handler returns true ends at once (%s), without formatting any error stack',
    async (via, env) => {
      const access = await openAccess({ kubeconfigPath: sb.kubeconfig, env });
      expect(access.via).toBe(via);
      const name = `stop-${via}-${Date.now().toString(36)}`;
      kubectl('create', 'configmap', name, '-n', sb.namespace, '--from-literal=k=v');
      // an aborted request makes Node format its AbortError's stack (and a bundle parse its maps)
      const formatted: string[] = [];
      const saved = Error.prepareStackTrace;
      Error.prepareStackTrace = (err, frames) => {
        formatted.push(String(err));
        return [String(err), ...frames].join('\n    at ');
      };
      const lines: unknown[] = [];
      try {
        // no timeoutSeconds: the server would keep this watch open for minutes
        const end = await access.transport.stream(
          {
            method: 'GET',
            path: `/api/v1/namespaces/${sb.namespace}/configmaps`,
            query: { watch: true, fieldSelector: `metadata.name=${name}` },
          },
          (e) => {
            lines.push(e);
            return (e as { type: string }).type === 'ADDED';
          },
        );
        expect(end.status).toBe(200);
      } finally {
        Error.prepareStackTrace = saved;
        kubectl('delete', 'configmap', name, '-n', sb.namespace);
      }
      expect(lines).toHaveLength(1);
      expect(formatted).toEqual([]);
    },
  );

  test('without the CA the server certificate is refused', async () => {
    const file = variant('no-ca.yaml', (d) => delete d.clusters[0].cluster['certificate-authority-data']);
    const access = await openAccess({ kubeconfigPath: file, env: {} });
    expect(access.via).toBe('direct');
    await expect(access.transport.request({ method: 'GET', path: '/version' })).rejects.toThrow(
      /certificate/i,
    );
  });

  test('insecure-skip-tls-verify skips the check', async () => {
    const file = variant('insecure.yaml', (d) => {
      delete d.clusters[0].cluster['certificate-authority-data'];
      d.clusters[0].cluster['insecure-skip-tls-verify'] = true;
    });
    const access = await openAccess({ kubeconfigPath: file, env: {} });
    const res = await access.transport.request({
      method: 'GET',
      path: `/api/v1/namespaces/${sb.namespace}/pods`,
    });
    expect(res.status).toBe(200);
  });
});

describe('client-node fallback', () => {
  test('an exec plugin kubeconfig goes through client-node and authenticates with the plugin', async () => {
    const token = deployer.users[0]?.user.token as string;
    const plugin = path.join(dir, 'cred.mjs');
    fs.writeFileSync(
      plugin,
      `process.stdout.write(JSON.stringify({apiVersion:'client.authentication.k8s.io/v1',kind:'ExecCredential',status:{token:process.env.HAC_TEST_TOKEN}}));\n`,
    );
    const file = variant('exec.yaml', (d) => {
      d.users[0].user = {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: process.execPath,
          args: [plugin],
          env: [{ name: 'HAC_TEST_TOKEN', value: token }],
          interactiveMode: 'Never',
        },
      };
    });
    const access = await openAccess({ kubeconfigPath: file, env: {} });
    expect(access).toMatchObject({ via: 'client-node', fallback: 'uses "exec"', namespace: sb.namespace });
    const res = await access.transport.request({
      method: 'GET',
      path: `/apis/apps/v1/namespaces/${sb.namespace}/deployments`,
    });
    expect(res.status).toBe(200);
  });

  test('HAC_K8S_CLIENT=client-node forces client-node; both paths read the same object', async () => {
    const forced = await openAccess({
      kubeconfigPath: sb.kubeconfig,
      env: { HAC_K8S_CLIENT: 'client-node' },
    });
    const direct = await openAccess({ kubeconfigPath: sb.kubeconfig, env: {} });
    expect([forced.via, direct.via]).toEqual(['client-node', 'direct']);
    const get = (a: typeof forced) =>
      a.transport.request({ method: 'GET', path: `/api/v1/namespaces/${sb.namespace}` });
    const [a, b] = await Promise.all([get(forced), get(direct)]);
    expect((a.body as { metadata: unknown }).metadata).toEqual((b.body as { metadata: unknown }).metadata);
  });
});
