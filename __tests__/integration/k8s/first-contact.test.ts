// First contact and deadlines, on both transports (direct node:https and the client-node
// fallback): a closed port, an HTML answer and a TLS failure fail at once with the context and the
// server URL; a server that accepts and never answers fails within request-timeout plus the retry
// budget (bounded by timeout); no kubeconfig at all is hac's own error. Local servers stand in for
// the broken endpoints; the TLS case uses the sandbox apiserver without its CA.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { RETRY_BUDGET_MS } from '../../../packages/k8s/session.js';
import { runCanaryAction } from '../../../packages/k8s/canary/action.js';
import { createNamespace, deleteNamespace, k8sSandbox } from '../../support/k8s.js';
import { runBlueGreen } from '../../support/k8s-run.js';
import type { SandboxEnv } from '../../support/sandbox.js';

let sb: SandboxEnv;
let ns: string;
let dir: string;
const saved = {
  HOME: process.env.HOME,
  KUBECONFIG: process.env.KUBECONFIG,
  CLIENT: process.env.HAC_K8S_CLIENT,
};

beforeAll(() => {
  sb = k8sSandbox();
  ns = createNamespace(sb, 'hac-contact');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-contact-'));
});
afterAll(() => {
  deleteNamespace(sb, ns);
  fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  for (const [k, v] of [
    ['HOME', saved.HOME],
    ['KUBECONFIG', saved.KUBECONFIG],
    ['HAC_K8S_CLIENT', saved.CLIENT],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

/** The deployer kubeconfig with its cluster changed (server, CA, insecure). */
function kubeconfig(change: (cluster: Record<string, unknown>) => void): string {
  const doc = parse(fs.readFileSync(sb.deployerKubeconfig, 'utf8')) as any;
  change(doc.clusters[0].cluster);
  doc.contexts[0].name = 'ci';
  doc['current-context'] = 'ci';
  return stringify(doc);
}
const at = (server: string) =>
  kubeconfig((c) => {
    c.server = server;
    delete c['certificate-authority-data'];
    c['insecure-skip-tls-verify'] = true;
  });

async function listen(server: net.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An https URL on a port nothing listens on (bound, then closed). */
async function closedPort(): Promise<string> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return `https://127.0.0.1:${port}`;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ r: T; ms: number }> {
  const start = Date.now();
  const r = await fn();
  return { r, ms: Date.now() - start };
}

const APP = { app: 'web', image: 'registry.example/web:2', timeout: '60s' };

describe.each(['direct', 'client-node'] as const)('first contact (%s)', (via) => {
  beforeAll(() => void 0);
  const use = () => {
    if (via === 'client-node') process.env.HAC_K8S_CLIENT = 'client-node';
    else delete process.env.HAC_K8S_CLIENT;
  };

  test.each([
    [
      'https://127.0.0.1:1',
      via === 'direct' ? 'the connection was refused' : 'a "bad port" of the Fetch standard',
    ],
    ['closed', 'the connection was refused'],
  ])('a closed port (%s) fails at once, naming the context and the server URL', async (where, cause) => {
    use();
    const server = where === 'closed' ? await closedPort() : where;
    const r = await runBlueGreen(sb, ns, APP, { kubeconfig: at(server) });
    expect(r.error?.message).toContain(`Cannot reach the Kubernetes API of context "ci" at ${server}: `);
    expect(r.error?.message).toContain(cause);
    expect(r.error?.message).toMatch(/Nothing was changed\.$/);
    expect(r.error?.message).not.toMatch(/Gave up after/); // at once: one attempt, not retried
    expect((r.error as any).hint).toMatch(/kubectl --context ci cluster-info/);
    expect((r.error as any).hint).not.toMatch(/re-run/i);
    expect(r.outputs.verdict).toBe('failed');
  });

  test('an HTML answer is "not the Kubernetes API", never "Permission denied"', async () => {
    use();
    let hits = 0;
    const server = http.createServer((_req, res) => {
      hits++;
      res.writeHead(403, { 'content-type': 'text/html' }).end('<html><body>Access denied</body></html>');
    });
    const url = await listen(server);
    try {
      const r = await runBlueGreen(sb, ns, APP, { kubeconfig: at(url) });
      expect(r.error?.message).toMatch(
        new RegExp(
          `^${url.replace(/[.]/g, '\\.')} \\(context "ci"\\) answered .+ with an HTML page \\(HTTP 403, text/html\\), not the Kubernetes API`,
        ),
      );
      expect(r.error?.message).not.toMatch(/Permission denied/);
      expect(hits).toBeLessThanOrEqual(6); // the first requests go out in parallel; none is retried
    } finally {
      server.close();
    }
  });

  test('a TLS failure (the apiserver without its CA) fails at once', async () => {
    use();
    const text = kubeconfig((c) => delete c['certificate-authority-data']);
    const r = await runBlueGreen(sb, ns, APP, { kubeconfig: text });
    expect(r.error?.message).toMatch(
      /^Cannot reach the Kubernetes API of context "ci" at https:\/\/127\.0\.0\.1:\d+: the TLS handshake failed \(.*certificate.*\)/,
    );
    expect(r.error?.message).not.toMatch(/Gave up after/); // one attempt, not retried
    expect((r.error as any).hint).toMatch(/certificate-authority/);
  });

  test('a server that accepts and never answers: request-timeout plus a retry budget bounded by timeout', async () => {
    use();
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => void sockets.push(s));
    const url = await listen(server);
    try {
      const { r, ms } = await timed(() =>
        runBlueGreen(sb, ns, { ...APP, 'request-timeout': '1s', timeout: '3s' }, { kubeconfig: at(url) }),
      );
      // 1 s per attempt, retried within the action's 3 s timeout, not the 120 s retry budget: each
      // attempt waits out its 1 s deadline, so at most 3 fit in 3 s (the default budget fits ~30).
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(RETRY_BUDGET_MS / 6);
      const attempts = Number(/Gave up after (\d+) attempts/.exec(r.error?.message ?? '')?.[1]);
      expect(attempts).toBeGreaterThanOrEqual(2);
      expect(attempts).toBeLessThanOrEqual(3);
      expect(r.error?.message).toMatch(
        new RegExp(
          `^Cannot reach the Kubernetes API of context "ci" at ${url.replace(/[.]/g, '\\.')}: it accepted the connection but did not answer in time \\(the response deadline, 1s\\)`,
        ),
      );
      expect((r.error as any).hint).toMatch(/request-timeout/);
      expect(sockets.length).toBeGreaterThan(1); // retried, on new connections
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  }, 60_000);
});

describe('no kubeconfig at all', () => {
  beforeAll(() => void 0);
  const empty = () => {
    const home = fs.mkdtempSync(path.join(dir, 'home-'));
    process.env.HOME = home;
    delete process.env.KUBECONFIG;
    return home;
  };

  test('k8s-bluegreen: hac says what it looked for and how to provide it', async () => {
    const home = empty();
    const r = await runBlueGreen(sb, ns, APP, { kubeconfig: '' });
    expect(r.error?.message).toBe(
      `No kubeconfig: the kubeconfig input is empty, KUBECONFIG is not set and ${home}/.kube/config does not exist, and this is not a pod with a ServiceAccount. Nothing was changed.`,
    );
    expect((r.error as any).hint).toMatch(
      /azure\/k8s-set-context.*aws eks update-kubeconfig.*kubeconfig input/s,
    );
    expect(r.error?.message).not.toMatch(/HTTP protocol is not allowed|localhost:8080/);
    expect(r.outputs.verdict).toBe('failed');
  });

  test('k8s-canary: the same error, and its outputs are written', async () => {
    empty();
    const outputs: Record<string, string> = {};
    const err = await runCanaryAction({
      source: (n) => ({ app: 'web', image: 'registry.example/web:2', namespace: ns })[n] ?? '',
      state: memoryState(),
      signal: new AbortController().signal,
      setOutput: (k, v) => void (outputs[k] = v),
      writeSummary: async () => undefined,
      log: () => undefined,
    }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(
      /^No kubeconfig: the kubeconfig input is empty, KUBECONFIG is not set/,
    );
    expect(outputs.verdict).toBe('failed');
  });
});
