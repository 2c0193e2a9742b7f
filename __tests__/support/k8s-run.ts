// Runs the k8s-bluegreen action in-process against the sandbox, with inputs as a map, an
// in-memory post-step state, and captured outputs and summary.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setOutputs, sleep, type ActionDeps, type StateStore } from '@hac/toolkit';
import { memoryState } from '../../packages/toolkit/outputs.js';
import { makeBluegreenMain } from '../../packages/k8s/bluegreen/entry.js';
import { openSession } from '../../packages/k8s/session.js';
import { runBlueGreenPost } from '../../packages/k8s/bluegreen/post.js';
import { type BlueGreenResult } from '../../packages/k8s/bluegreen/types.js';
import { runCanaryAction } from '../../packages/k8s/canary/action.js';
import type { CanaryResult } from '../../packages/k8s/canary/types.js';
import type { SandboxEnv } from './sandbox.js';

export interface BlueGreenRunResult {
  result?: BlueGreenResult;
  error?: Error;
  outputs: Record<string, string>;
  summary: string;
  progress: StateStore & { dump(): Record<string, unknown> };
  requests: number;
  logs: string[];
}

export async function runBlueGreen(
  sb: SandboxEnv,
  namespace: string,
  inputs: Record<string, string>,
  opts: {
    kubeconfig?: string;
    signal?: AbortSignal;
    progress?: StateStore & { dump(): Record<string, unknown> };
    /** The action opens its own session from KUBECONFIG, as on a runner (no kubeconfig input). */
    ownSession?: boolean;
  } = {},
): Promise<BlueGreenRunResult> {
  const outputs: Record<string, string> = {};
  const logs: string[] = [];
  let summary = '';
  const progress = opts.progress ?? memoryState();
  const all: Record<string, string> = {
    // The manifests are written to a temporary directory, outside the workspace.
    'allow-paths-outside-workspace': 'true',
    namespace,
    'lock-timeout': '60s',
    timeout: '60s',
    'gate-wait': '0s',
    ...inputs,
  };
  const controller = new AbortController();
  const signal = opts.signal ?? controller.signal;
  let session;
  let kubeconfigText = opts.kubeconfig;
  if (opts.ownSession) {
    // openSession in the action reads KUBECONFIG.
  } else if (kubeconfigText === undefined) {
    session = await openSession({
      kubeconfigPath: sb.kubeconfig,
      namespace: all.namespace || namespace,
      signal,
      userAgent: 'hac/test',
    });
  } else {
    all.kubeconfig = kubeconfigText;
    kubeconfigText = undefined;
  }
  const out: BlueGreenRunResult = { outputs, summary: '', progress, requests: 0, logs };
  const log = (l: string) => void logs.push(l);
  const deps: ActionDeps = {
    env: process.env,
    inputs: (name) => all[name] ?? '',
    clock: Date.now,
    sleep,
    log: {
      info: log,
      debug: () => undefined,
      warning: log,
      notice: log,
      error: log,
      group: (_name, fn) => fn(),
    },
    signal,
    state: progress,
    setOutputs: (o) => setOutputs(o, (n, v) => void (outputs[n] = v)),
    writeSummary: async (s) => void (summary = s.toString()),
  };
  // The engine's three parts in order, as runEngine runs them, keeping the result and the error.
  const engine = makeBluegreenMain({ ...(session ? { session } : {}) });
  try {
    const outcome = await engine.run(await engine.read(deps), deps);
    out.result = outcome.result;
    await engine.report(outcome, deps);
  } catch (err) {
    out.error = err as Error;
  }
  out.summary = summary;
  out.requests = Number(outputs['api-requests'] ?? 0);
  return out;
}

export async function runPost(sb: SandboxEnv, namespace: string, progress: StateStore) {
  const session = await openSession({ kubeconfigPath: sb.kubeconfig, namespace, userAgent: 'hac/test-post' });
  return runBlueGreenPost(progress, { session, log: () => {} });
}

/** A local HTTP server standing in for a preview or live endpoint; `healthy` toggles 200/503. */
export async function fakeEndpoint(
  body = 'ok',
): Promise<{ url: string; healthy: boolean; hits: number; close(): Promise<void> }> {
  const state = { healthy: true, hits: 0 };
  const server = http.createServer((_req, res) => {
    state.hits++;
    res.writeHead(state.healthy ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(state.healthy ? body : 'unhealthy');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
  return {
    url,
    get healthy() {
      return state.healthy;
    },
    set healthy(v: boolean) {
      state.healthy = v;
    },
    get hits() {
      return state.hits;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Manifests for app `app` at image `image` (Deployment + Service). */
export function manifests(
  app: string,
  image: string,
  opts: { replicas?: number; podAnnotations?: Record<string, string>; progressDeadlineSeconds?: number } = {},
): string {
  const ann = opts.podAnnotations
    ? `\n      annotations:\n${Object.entries(opts.podAnnotations)
        .map(([k, v]) => `        ${k}: "${v}"`)
        .join('\n')}`
    : '';
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
spec:
  replicas: ${opts.replicas ?? 2}${opts.progressDeadlineSeconds ? `\n  progressDeadlineSeconds: ${opts.progressDeadlineSeconds}` : ''}
  selector:
    matchLabels:
      app: ${app}
  template:
    metadata:
      labels:
        app: ${app}${ann}
    spec:
      containers:
        - name: web
          image: ${image}
          ports:
            - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: ${app}
spec:
  selector:
    app: ${app}
  ports:
    - name: http
      port: 80
      targetPort: 8080
`;
}

/** One k8s-canary main run in-process with inputs as a map: its outputs, and its result or error. */
export async function runCanaryInputs(
  inputs: Record<string, string>,
  state: StateStore,
): Promise<{ outputs: Record<string, string>; result?: CanaryResult; error?: Error & { hint?: string } }> {
  const outputs: Record<string, string> = {};
  try {
    const result = await runCanaryAction({
      source: (n) => inputs[n] ?? '',
      state,
      signal: new AbortController().signal,
      setOutput: (k, v) => void (outputs[k] = v),
      writeSummary: async () => undefined,
      log: () => undefined,
    });
    return { outputs, result };
  } catch (err) {
    return { outputs, error: err as Error & { hint?: string } };
  }
}
