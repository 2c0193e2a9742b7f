// Test support for integration tests that need the local sandbox
// (`npm run sandbox -- up`). A test asks for the components it needs:
//
//   const sb = requireSandbox(['k8s', 'moto']);
//   execFileSync(sb.kubectl, ['--kubeconfig', sb.kubeconfig, ...]);
//
// The environment comes from process.env when the sandbox variables are
// already exported (`eval "$(npm run --silent sandbox -- env)"`, or variables
// pointing at real services), otherwise from `node scripts/sandbox/cli.mjs env --json`.
// A component that does not answer makes requireSandbox throw: tests fail,
// they never skip (in CI as well as locally).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type SandboxComponent =
  | 'k8s'
  /** clusters 1..3 of `npm run sandbox -- up k8s --clusters 3`, each answering */
  | 'fleet'
  | 'moto'
  | 'aws'
  | 'registry'
  | 'buildah'
  | 'docker'
  | 'buildkit'
  | 'prometheus'
  | 'exporter'
  | 'act'
  | 'actionlint';

export interface SandboxEnv {
  /** admin kubeconfig (cluster-admin) */
  kubeconfig: string;
  /** kubeconfig of the `deployer` ServiceAccount, bound to a Role in `namespace` */
  deployerKubeconfig: string;
  /** one context per sandbox cluster (fleetContexts), cluster admin */
  fleetKubeconfig: string;
  /** the same contexts with the deployer ServiceAccount of each cluster */
  fleetDeployerKubeconfig: string;
  /** hac-1, hac-2, ...: the clusters that exist */
  fleetContexts: string[];
  /** namespace where the deployer Role is bound (hac) */
  namespace: string;
  /** kubectl binary matching the sandbox's Kubernetes version */
  kubectl: string;
  /** kube-apiserver audit log (Metadata level), one JSON event per line */
  auditLog: string;
  awsEndpointUrl: string;
  awsRegion: string;
  awsAccessKeyId: string;
  awsSecretAccessKey: string;
  /** python of the sandbox venv (boto3 installed) */
  python: string;
  /** registry host:port (plain HTTP) */
  registry: string;
  /** busybox base image in the sandbox registry (has /bin/sh) */
  baseImage: string;
  prometheusUrl: string;
  exporterUrl: string;
  act: string;
  actionlint: string;
  packer: string | undefined;
  /** every variable of `sandbox env`, for child processes: { ...process.env, ...sb.vars } */
  vars: Record<string, string>;
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..');
const CLI = path.join(REPO_ROOT, 'scripts', 'sandbox', 'cli.mjs');
const CHECK = path.join(REPO_ROOT, 'scripts', 'sandbox', 'check.mjs');
const UP_COMMAND = 'npm run sandbox -- up';

let cachedVars: Record<string, string> | undefined;
const healthy = new Set<string>();

function loadVars(): Record<string, string> {
  if (cachedVars) return cachedVars;
  const res = spawnSync(process.execPath, [CLI, 'env', '--json'], { encoding: 'utf8', timeout: 30000 });
  if (res.status !== 0 || !res.stdout) {
    throw new Error(
      `The local sandbox environment could not be read (${(res.stderr || String(res.error ?? '')).trim()}).\n` +
        `Start the sandbox with: ${UP_COMMAND}`,
    );
  }
  const fromCli = JSON.parse(res.stdout) as Record<string, string>;
  // Variables already exported (eval "$(npm run --silent sandbox -- env)", or
  // overrides for real services) win over the sandbox defaults.
  const exported = Object.keys(fromCli).some((k) => k.startsWith('HAC_') && process.env[k]);
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(fromCli)) {
    vars[k] = exported && process.env[k] !== undefined ? process.env[k]! : v;
  }
  cachedVars = vars;
  return vars;
}

function toEnv(vars: Record<string, string>): SandboxEnv {
  const v = (name: string): string => vars[name] ?? '';
  return {
    kubeconfig: v('KUBECONFIG'),
    deployerKubeconfig: v('HAC_DEPLOYER_KUBECONFIG'),
    fleetKubeconfig: v('HAC_SANDBOX_FLEET_KUBECONFIG'),
    fleetDeployerKubeconfig: v('HAC_SANDBOX_FLEET_DEPLOYER_KUBECONFIG'),
    fleetContexts: v('HAC_SANDBOX_FLEET_CONTEXTS').split(',').filter(Boolean),
    namespace: v('HAC_K8S_NAMESPACE') || 'hac',
    kubectl: v('HAC_KUBECTL') || 'kubectl',
    auditLog: v('HAC_K8S_AUDIT_LOG'),
    awsEndpointUrl: v('AWS_ENDPOINT_URL'),
    awsRegion: v('AWS_REGION') || 'us-east-1',
    awsAccessKeyId: v('AWS_ACCESS_KEY_ID'),
    awsSecretAccessKey: v('AWS_SECRET_ACCESS_KEY'),
    python: v('HAC_SANDBOX_PYTHON'),
    registry: v('HAC_REGISTRY'),
    baseImage: v('HAC_BASE_IMAGE'),
    prometheusUrl: v('HAC_PROMETHEUS_URL'),
    exporterUrl: v('HAC_EXPORTER_URL'),
    act: v('HAC_ACT'),
    actionlint: v('HAC_ACTIONLINT'),
    packer: vars.HAC_PACKER,
    vars: { ...vars },
  };
}

/**
 * Returns the sandbox environment after checking that every requested
 * component answers. Throws (never skips) when one does not, naming the
 * component, the reason and the command that starts the sandbox.
 */
export function requireSandbox(components: SandboxComponent[]): SandboxEnv {
  const vars = loadVars();
  const wanted = components.filter((c) => !healthy.has(c));
  if (wanted.length) {
    const res = spawnSync(process.execPath, [CHECK, ...wanted], {
      encoding: 'utf8',
      timeout: 60000,
      env: { ...process.env, ...vars },
    });
    let report: { ok: boolean; results: { name: string; ok: boolean; reason?: string }[] } | undefined;
    try {
      report = JSON.parse(res.stdout);
    } catch {
      /* reported below */
    }
    if (!report) {
      throw new Error(`sandbox check failed to run: ${(res.stderr || String(res.error ?? '')).trim()}`);
    }
    const bad = report.results.filter((r) => !r.ok);
    if (bad.length) {
      const lines = bad.map((r) => `  - ${r.name}: ${r.reason}`).join('\n');
      const hint =
        process.env.CI === 'true'
          ? `CI must start the sandbox before the tests (bash scripts/sandbox/install-prereqs.sh && node scripts/sandbox/cli.mjs up).`
          : `Start it with: ${UP_COMMAND}   (check with: npm run sandbox -- status)`;
      throw new Error(`The local sandbox is not ready:\n${lines}\n${hint}`);
    }
    wanted.forEach((c) => healthy.add(c));
  }
  return toEnv(vars);
}

/** Environment for child processes: process.env plus the sandbox variables. */
export function sandboxProcessEnv(sb: SandboxEnv, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...sb.vars, ...extra };
}

/** A name unique to this test run, valid as a Kubernetes name. */
export function uniqueName(prefix: string): string {
  const base = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 40);
  return `${base}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
