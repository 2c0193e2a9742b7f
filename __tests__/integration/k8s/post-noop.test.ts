// Post steps with nothing to do do nothing: the k8s-bluegreen and k8s-canary post entries, given
// main's state saying it finished (or wrote nothing), make no request (the apiserver's audit log
// shows none with their user agent) and never load @kubernetes/client-node. When there is work
// (a Lease to release), post reaches the apiserver, and its requests obey cancellation.
import fs from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, jest, test } from '@jest/globals';
import { parse, stringify } from 'yaml';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { k8sSandbox } from '../../support/k8s.js';
import type { SandboxEnv } from '../../support/sandbox.js';

const loaded: string[] = [];
jest.unstable_mockModule('@kubernetes/client-node', () => {
  loaded.push('@kubernetes/client-node');
  return {};
});

let sb: SandboxEnv;
beforeAll(() => {
  sb = k8sSandbox();
  process.env.KUBECONFIG = sb.kubeconfig;
});

/** Audit events since `from` (a byte offset) whose user agent starts with `agent`. */
function auditSince(from: number, agent: string): unknown[] {
  const text = fs.readFileSync(sb.auditLog, 'utf8').slice(from);
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { userAgent?: string })
    .filter((e) => e.userAgent?.startsWith(agent));
}
const auditSize = () => fs.statSync(sb.auditLog).size;
const settle = () => new Promise((r) => setTimeout(r, 1500)); // the audit log is written asynchronously

describe('post entries with nothing to do', () => {
  test('k8s-bluegreen post.ts: main finished → no request, client-node not loaded', async () => {
    const from = auditSize();
    const state = { v: 1, namespace: sb.namespace, app: 'web', runId: 'r1', stage: 'done' };
    process.env['STATE_k8s-bluegreen'] = JSON.stringify(state);
    await import('../../../actions/k8s-bluegreen/post.js');
    await new Promise((r) => setImmediate(r));
    await settle();
    expect(auditSince(from, 'hac/k8s-bluegreen-post')).toEqual([]);
    expect(loaded).toEqual([]);
    delete process.env['STATE_k8s-bluegreen'];
  });

  test('k8s-canary post.ts: main finished → no request, client-node not loaded', async () => {
    const from = auditSize();
    process.env['STATE_canary-done'] = 'true';
    await import('../../../actions/k8s-canary/post.js');
    await new Promise((r) => setImmediate(r));
    await settle();
    expect(auditSince(from, 'hac/k8s-canary-post')).toEqual([]);
    expect(loaded).toEqual([]);
    delete process.env['STATE_canary-done'];
  });

  test.each([
    ['main wrote nothing (failed before the Lease)', { stage: 'started' }],
    ['main finished and released the Lease', { stage: 'done' }],
  ])('runBlueGreenPost: %s → nothing', async (_n, p) => {
    const { runBlueGreenPost } = await import('../../../packages/k8s/bluegreen/post.js');
    const from = auditSize();
    const state = memoryState();
    state.save('k8s-bluegreen', { v: 1, namespace: sb.namespace, app: 'web', runId: 'r2', ...p });
    const logs: string[] = [];
    expect(await runBlueGreenPost(state, { log: (l) => logs.push(l) })).toEqual({
      restored: false,
      notes: [],
    });
    expect(logs.join('\n')).toMatch(/nothing to do/);
    await settle();
    expect(auditSince(from, 'hac/k8s-bluegreen-post')).toEqual([]);
    expect(loaded).toEqual([]);
  });
});

describe('post with work', () => {
  test('a Lease main may hold: post reaches the apiserver (the audit log shows it)', async () => {
    const { runBlueGreenPost } = await import('../../../packages/k8s/bluegreen/post.js');
    const from = auditSize();
    const state = memoryState();
    state.save('k8s-bluegreen', {
      v: 1,
      namespace: sb.namespace,
      app: 'post-lease',
      runId: 'r3',
      stage: 'started',
      lease: 'hac-post-lease',
    });
    await runBlueGreenPost(state, { log: () => undefined });
    await settle();
    const seen = auditSince(from, 'hac/k8s-bluegreen-post') as { requestURI: string }[];
    expect(seen.some((e) => e.requestURI.includes('/leases/hac-post-lease'))).toBe(true);
    expect(loaded).toEqual([]); // the direct path, still without client-node
  });

  test('post obeys cancellation and the request deadline against a silent apiserver', async () => {
    const { runBlueGreenPost } = await import('../../../packages/k8s/bluegreen/post.js');
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => void sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const doc = parse(fs.readFileSync(sb.kubeconfig, 'utf8')) as any;
    doc.clusters[0].cluster.server = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const file = `${fs.mkdtempSync('/tmp/hac-post-')}/kubeconfig`;
    fs.writeFileSync(file, stringify(doc));
    const progress = (extra: object) => {
      const st = memoryState();
      st.save('k8s-bluegreen', {
        v: 1,
        namespace: 'x',
        app: 'a',
        runId: 'r',
        stage: 'started',
        lease: 'hac-a',
        kubeconfigPath: file,
        ...extra,
      });
      return st;
    };
    try {
      const ac = new AbortController();
      setTimeout(() => ac.abort(new Error('received SIGTERM')), 300);
      let start = Date.now();
      await expect(
        runBlueGreenPost(progress({}), { log: () => undefined, signal: ac.signal }),
      ).rejects.toThrow(/SIGTERM/);
      // Bounded by the signal, not by the 120 s retry deadline it would otherwise wait out.
      expect(Date.now() - start).toBeLessThan(15_000);

      fs.writeFileSync(file, stringify(doc)); // post removed main's kubeconfig file
      start = Date.now();
      await expect(
        runBlueGreenPost(progress({ requestTimeoutMs: 1000, timeoutMs: 2000 }), {
          log: () => undefined,
          signal: new AbortController().signal,
        }),
      ).rejects.toThrow(/did not answer in time \(the response deadline, 1s\)/);
      // Bounded by the deadlines given (1 s per request, 2 s in all), not by the retry deadline.
      expect(Date.now() - start).toBeLessThan(30_000);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  }, 60_000);

  test('the detector works: importing client-node is seen', async () => {
    await import('@kubernetes/client-node');
    expect(loaded).toEqual(['@kubernetes/client-node']);
  });
});
