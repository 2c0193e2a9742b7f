// The sandbox's kwok clusters: cluster 1 is the one every test uses (name `hac`, the ports of
// PORTS, kubeconfig-admin.yaml / kubeconfig-deployer.yaml); clusters 2..N (`up --clusters N`) run
// beside it for fleet tests, each on the same ports shifted by PORT_STRIDE * (N - 1), with its own
// kwokctl state, audit log and kubeconfigs. Everything here is pure: paths, ports and file texts.
import path from 'node:path';
import { CLUSTER_DIR, CLUSTER_NAME, FILES, KWOK_WORKDIR, NAMESPACE, PORTS, RUN_DIR } from './config.mjs';

export const MAX_CLUSTERS = 10;
export const PORT_STRIDE = 1000;
export const CLUSTERS_VAR = 'HAC_SANDBOX_CLUSTERS';

/** A cluster count from `--clusters` or HAC_SANDBOX_CLUSTERS; throws naming the input. */
export function parseClusterCount(raw, input = `--clusters`) {
  const n = Number(raw);
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim()) || n < 1 || n > MAX_CLUSTERS) {
    throw new Error(
      `${input}: got ${JSON.stringify(raw)}; expected a whole number of clusters from 1 to ${MAX_CLUSTERS}`,
    );
  }
  return n;
}

/** How many clusters `up` ensures: the flag wins over the variable; 1 when neither is set. */
export function clusterCount(flag, env = process.env) {
  if (flag !== undefined) return parseClusterCount(flag, '--clusters');
  const raw = env[CLUSTERS_VAR];
  if (raw === undefined || raw === '') return 1;
  return parseClusterCount(raw, CLUSTERS_VAR);
}

/** Paths, ports and names of cluster n (1-based). Cluster 1 is exactly the original sandbox cluster. */
export function clusterSpec(n) {
  if (!Number.isInteger(n) || n < 1 || n > MAX_CLUSTERS) {
    throw new Error(`cluster: got ${JSON.stringify(n)}; expected a cluster number from 1 to ${MAX_CLUSTERS}`);
  }
  const first = n === 1;
  const name = first ? CLUSTER_NAME : `${CLUSTER_NAME}-${n}`;
  const dir = first ? CLUSTER_DIR : path.join(KWOK_WORKDIR, 'clusters', name);
  const shift = PORT_STRIDE * (n - 1);
  const file = (base, ext) => path.join(RUN_DIR, `${base}${first ? '' : `-${n}`}${ext}`);
  return {
    index: n,
    name,
    context: `${CLUSTER_NAME}-${n}`,
    component: first ? 'k8s' : `k8s-${n}`,
    dir,
    ports: {
      apiserver: PORTS.apiserver + shift,
      etcd: PORTS.etcd + shift,
      etcdPeer: PORTS.etcd + 1 + shift,
      controllerManager: PORTS.controllerManager + shift,
      scheduler: PORTS.scheduler + shift,
      kwokController: PORTS.kwokController + shift,
    },
    files: {
      adminKubeconfig: first ? FILES.adminKubeconfig : file('kubeconfig-admin', '.yaml'),
      deployerKubeconfig: first ? FILES.deployerKubeconfig : file('kubeconfig-deployer', '.yaml'),
      kwokctlConfig: file('kwokctl', '.yaml'),
      fingerprint: file('k8s-fingerprint', ''),
      setupFingerprint: file('k8s-setup-fingerprint', ''),
      auditLog: path.join(dir, 'logs', 'audit.log'),
      ca: path.join(dir, 'pki', 'ca.crt'),
      adminCert: path.join(dir, 'pki', 'admin.crt'),
      adminKey: path.join(dir, 'pki', 'admin.key'),
    },
  };
}

/** The clusters 1..n. */
export const clusterSpecs = (n) => Array.from({ length: n }, (_, i) => clusterSpec(i + 1));

export const serverUrl = (spec) => `https://127.0.0.1:${spec.ports.apiserver}`;

/**
 * A kubeconfig from rows { name, server, ca: [key, value], user, credentials: [[key, value]...],
 * context }; the first row's context is the current one.
 */
function kubeconfigYaml(rows, namespace) {
  const section = (title, items) => `${title}:\n${items.join('\n')}`;
  const clusters = rows.map(
    (r) => `  - name: ${r.name}\n    cluster:\n      server: ${r.server}\n      ${r.ca[0]}: ${r.ca[1]}`,
  );
  const users = rows.map(
    (r) => `  - name: ${r.user}\n    user:\n${r.credentials.map(([k, v]) => `      ${k}: ${v}`).join('\n')}`,
  );
  const contexts = rows.map(
    (r) =>
      `  - name: ${r.context}\n    context:\n      cluster: ${r.name}\n      user: ${r.user}` +
      (namespace ? `\n      namespace: ${namespace}` : ''),
  );
  return `apiVersion: v1
kind: Config
${section('clusters', clusters)}
${section('users', users)}
${section('contexts', contexts)}
current-context: ${rows[0].context}
`;
}

/** One kubeconfig with an admin context per cluster (hac-1, hac-2, ...); current context hac-1. */
export function fleetKubeconfigYaml(specs) {
  return kubeconfigYaml(
    specs.map((s) => ({
      name: s.context,
      server: serverUrl(s),
      ca: ['certificate-authority', s.files.ca],
      user: `${s.context}-admin`,
      credentials: [
        ['client-certificate', s.files.adminCert],
        ['client-key', s.files.adminKey],
      ],
      context: s.context,
    })),
  );
}

/**
 * Deployer kubeconfigs from entries { spec, caData, token }. `single` is the per-cluster file
 * (cluster 1 keeps its original names: hac-sandbox, deployer, deployer@hac-sandbox); otherwise one
 * context per cluster, named like the fleet kubeconfig's (hac-1, hac-2, ...).
 */
export function deployerKubeconfigYaml(entries, { single = false } = {}) {
  const rows = entries.map(({ spec, caData, token }) => {
    const base = spec.index === 1 ? 'hac-sandbox' : `hac-sandbox-${spec.index}`;
    const common = { server: serverUrl(spec), ca: ['certificate-authority-data', caData] };
    const credentials = [['token', token]];
    return single
      ? { ...common, name: base, user: 'deployer', credentials, context: `deployer@${base}` }
      : {
          ...common,
          name: spec.context,
          user: `${spec.context}-deployer`,
          credentials,
          context: spec.context,
        };
  });
  return kubeconfigYaml(rows, NAMESPACE);
}

/** The variables `sandbox env` prints for the clusters that exist. */
export function fleetEnv(specs) {
  const env = {
    HAC_SANDBOX_FLEET_KUBECONFIG: FILES.fleetKubeconfig,
    HAC_SANDBOX_FLEET_DEPLOYER_KUBECONFIG: FILES.fleetDeployerKubeconfig,
    HAC_SANDBOX_FLEET_CONTEXTS: specs.map((s) => s.context).join(','),
  };
  for (const s of specs) {
    env[`HAC_SANDBOX_KUBECONFIG_${s.index}`] = s.files.adminKubeconfig;
    env[`HAC_SANDBOX_KUBECONFIG_DEPLOYER_${s.index}`] = s.files.deployerKubeconfig;
  }
  return env;
}

/**
 * What `up` does with a cluster that exists, from which of its control-plane processes are alive
 * (name → boolean) and whether /readyz answered:
 * - "running": nothing to do;
 * - "wait": the apiserver is alive but does not answer (another suite restarting it, a loaded
 *   machine, a SIGTERM it is draining after): wait for /readyz rather than destroy state others
 *   are using;
 * - "start": etcd and kwok are alive, so the cluster's state and node leases are intact; start the
 *   apiserver, controller manager or scheduler that died (kwokctl start cluster);
 * - "recreate": etcd or kwok died (a reboot, a CI cleanup): a restarted kwok would wait minutes
 *   for its old node leases to expire, and creating anew takes about 10 seconds.
 */
export function clusterRecovery(alive, ready) {
  const dead = Object.keys(alive).filter((name) => !alive[name]);
  if (dead.includes('etcd') || dead.includes('kwok-controller')) return 'recreate';
  // kwokctl start waits for the apiserver: never while one is alive but not answering
  if (!ready && alive['kube-apiserver']) return 'wait';
  if (dead.length) return 'start';
  return ready ? 'running' : 'wait';
}
