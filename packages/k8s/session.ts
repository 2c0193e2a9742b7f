// Opening cluster access for a run: kubeconfig (input or default chain), context, namespace,
// cancellation signal, and a client with retries.
import { info, maskSecret, type Sleep } from '@hac/toolkit';
import { KubeClient } from './client.js';
import { openAccess, removeKubeconfigFile, writeKubeconfigFile } from './kubeconfig.js';
import { countingTransport, type Transport } from './transport.js';
import { deadlinesFor } from './deadlines.js';

/** The longest a request is retried through transient failures (an apiserver restart takes less). */
export const RETRY_BUDGET_MS = 120_000;

export interface SessionOptions {
  /** kubeconfig text from the input (secret); written 0600 under RUNNER_TEMP. */
  kubeconfig?: string;
  /** A kubeconfig file written earlier (the post step reuses main's file). */
  kubeconfigPath?: string;
  context?: string;
  /** Namespace; empty means the context's namespace, then "default". */
  namespace?: string;
  signal?: AbortSignal;
  userAgent?: string;
  /** How long transient failures are retried (default 120 s; pass the action's timeout to bound it). */
  retryDeadlineMs?: number;
  /** The response deadline of each request (request-timeout; default DEFAULT_DEADLINES). */
  requestTimeoutMs?: number;
  sleep?: Sleep;
  /** Where retry notes go (default: the step log). */
  log?: (line: string) => void;
  /** A ready transport (tests); skips kubeconfig loading. */
  transport?: Transport;
}

export interface Session {
  client: KubeClient;
  transport: Transport & { count: number; log: string[] };
  namespace: string;
  /** The kubeconfig file this session wrote (to be removed by the post step), if any. */
  kubeconfigPath?: string;
  context?: string;
}

export async function openSession(opts: SessionOptions): Promise<Session> {
  let kubeconfigPath = opts.kubeconfigPath;
  let wrote: string | undefined;
  if (!kubeconfigPath && opts.kubeconfig && opts.kubeconfig.trim() !== '') {
    maskSecret(opts.kubeconfig);
    kubeconfigPath = wrote = writeKubeconfigFile(opts.kubeconfig);
  }
  let transport: Transport;
  let namespace = opts.namespace ?? '';
  let context = opts.context;
  if (opts.transport) {
    transport = opts.transport;
  } else {
    try {
      const access = await openAccess({
        ...(kubeconfigPath ? { kubeconfigPath } : {}),
        ...(opts.context ? { context: opts.context } : {}),
        userAgent: opts.userAgent ?? 'hac',
        deadlines: deadlinesFor(opts.requestTimeoutMs),
      });
      context = access.context;
      if (!namespace) namespace = access.namespace ?? '';
      transport = access.transport;
      if (access.fallback) info(`Kubeconfig read by client-node: ${access.fallback}`);
    } catch (err) {
      removeKubeconfigFile(wrote);
      throw err;
    }
    info(`Cluster ${transport.server} (context ${context})`);
  }
  if (!namespace) namespace = 'default';
  const counted = countingTransport(transport);
  const client = new KubeClient(counted, {
    namespace,
    signal: opts.signal,
    retryDeadlineMs: Math.min(RETRY_BUDGET_MS, opts.retryDeadlineMs ?? RETRY_BUDGET_MS),
    endpoint: { server: transport.server, ...(context ? { context } : {}), contacted: false },
    sleep: opts.sleep,
    onRetry: ({ what, attempt, delayMs, error }) =>
      (opts.log ?? info)(
        `retrying ${what} (attempt ${attempt + 1} in ${delayMs}ms): ${(error as Error).message}`,
      ),
  });
  return { client, transport: counted, namespace, kubeconfigPath, context };
}
