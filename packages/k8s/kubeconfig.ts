// Cluster access: the kubeconfig from KUBECONFIG or ~/.kube/config (what azure/k8s-set-context and
// `aws eks update-kubeconfig` write), or a `kubeconfig` input written with mode 0600 under
// RUNNER_TEMP and removed by the post step.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ActionError } from '@hac/toolkit';
import type { KubeConfig } from '@kubernetes/client-node';
import { countingTransport, kubeTransport, type Transport } from './transport.js';
import { directTransport, kubeconfigFile, readDirectAccess } from './direct.js';
import { DEFAULT_DEADLINES, type Deadlines } from './deadlines.js';

/** Writes kubeconfig text to a private file; returns its path. */
export function writeKubeconfigFile(
  text: string,
  dir = process.env.RUNNER_TEMP || os.tmpdir(),
  id = `${process.pid}-${Date.now()}`,
): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `hac-kubeconfig-${id}.yaml`);
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return file;
}

/** Removes a kubeconfig file written by writeKubeconfigFile (ignores a missing file). */
export function removeKubeconfigFile(file: string | undefined): void {
  if (file) fs.rmSync(file, { force: true });
}

export interface AccessOptions {
  /** A kubeconfig file to load instead of the default chain. */
  kubeconfigPath?: string;
  context?: string;
  userAgent?: string;
  /** Deadlines of every request (default DEFAULT_DEADLINES). */
  deadlines?: Deadlines;
}

const IN_CLUSTER_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * The error when no kubeconfig exists at all (no input, no KUBECONFIG file, no ~/.kube/config and
 * not in a pod): client-node would otherwise fall back to http://localhost:8080.
 */
export function missingKubeconfig(
  opts: { kubeconfigPath?: string },
  env: NodeJS.ProcessEnv,
  home: string,
  exists: (file: string) => boolean = fs.existsSync,
): ActionError | undefined {
  if (opts.kubeconfigPath) return undefined;
  if (env.KUBERNETES_SERVICE_HOST && exists(IN_CLUSTER_TOKEN)) return undefined;
  const listed = (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  const looked = listed.length ? listed : [path.join(home, '.kube', 'config')];
  if (looked.some((f) => exists(f))) return undefined;
  const where = listed.length
    ? `KUBECONFIG names ${looked.map((f) => JSON.stringify(f)).join(', ')}, which does not exist`
    : `KUBECONFIG is not set and ${looked[0]} does not exist`;
  return new ActionError(
    `No kubeconfig: the kubeconfig input is empty, ${where}, and this is not a pod with a ServiceAccount. Nothing was changed.`,
    'Provide cluster access before this step: azure/k8s-set-context, `aws eks update-kubeconfig --name <cluster>` (or another step that writes ~/.kube/config or sets KUBECONFIG), or pass the kubeconfig text in the kubeconfig input from a secret.',
  );
}

/** Loads the kubeconfig and selects the context. Errors say what to do next. */
export async function loadKubeConfig(opts: AccessOptions = {}): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    if (opts.kubeconfigPath) kc.loadFromFile(opts.kubeconfigPath);
    else kc.loadFromDefault();
  } catch (err) {
    throw new ActionError(
      `Could not load the kubeconfig: ${(err as Error).message}`,
      'Set KUBECONFIG (for example with azure/k8s-set-context or `aws eks update-kubeconfig`) or pass the kubeconfig input.',
    );
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new ActionError(
        `The kubeconfig has no context "${opts.context}" (it has: ${known.join(', ') || 'none'}).`,
        'Fix the context input or leave it empty to use the current context.',
      );
    }
    kc.setCurrentContext(opts.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new ActionError(
      'The kubeconfig has no current cluster.',
      'Set KUBECONFIG (for example with azure/k8s-set-context) or pass the kubeconfig input, and pick a context.',
    );
  }
  return kc;
}

export interface ClusterAccess {
  transport: Transport;
  /** The context in use. */
  context: string;
  /** The context's namespace, if it names one. */
  namespace?: string;
  /** How the apiserver is reached: directly (node:https) or through client-node's KubeConfig. */
  via: 'direct' | 'client-node';
  /** Why the direct path did not apply. */
  fallback?: string;
}

/**
 * Access to the selected context. Plain kubeconfigs (a CA, and a token or client certificate) are
 * read directly; anything else goes through client-node's KubeConfig. HAC_K8S_CLIENT=client-node
 * forces the latter.
 */
export async function openAccess(
  opts: AccessOptions & { env?: NodeJS.ProcessEnv } = {},
): Promise<ClusterAccess> {
  const env = opts.env ?? process.env;
  const home = env.HOME || os.homedir();
  const missing = missingKubeconfig(opts, env, home);
  if (missing) throw missing;
  const deadlines = opts.deadlines ?? DEFAULT_DEADLINES;
  let fallback = 'HAC_K8S_CLIENT=client-node';
  if (env.HAC_K8S_CLIENT !== 'client-node') {
    const file = kubeconfigFile(opts.kubeconfigPath, env, home);
    const direct =
      typeof file === 'string' ? readDirectAccess(fs.readFileSync(file, 'utf8'), file, opts.context) : file;
    if ('access' in direct) {
      return {
        transport: directTransport(direct.access, opts.userAgent ?? 'hac', deadlines),
        context: direct.access.context,
        ...(direct.access.namespace ? { namespace: direct.access.namespace } : {}),
        via: 'direct',
      };
    }
    fallback = direct.fallback;
  }
  const kc = await loadKubeConfig(opts);
  const context = kc.getCurrentContext();
  const namespace = kc.getContextObject(context)?.namespace;
  return {
    transport: await kubeTransport(kc, opts.userAgent ?? 'hac', deadlines),
    context,
    ...(namespace ? { namespace } : {}),
    via: 'client-node',
    fallback,
  };
}

/** A counted Transport for the selected context. */
export async function connect(
  opts: AccessOptions = {},
): Promise<Transport & { count: number; log: string[] }> {
  return countingTransport((await openAccess(opts)).transport);
}
