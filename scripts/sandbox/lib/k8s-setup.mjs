// What every sandbox cluster holds once its control plane answers: the kwok nodes, the namespace
// and deployer RBAC, the Gateway API CRDs, and the deployer kubeconfig; and the fleet kubeconfigs
// over all clusters (clusters.mjs). Each function takes the cluster's spec from clusterSpec(n).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { FILES, NAMESPACE, VERSIONS } from './config.mjs';
import { clusterSpec, deployerKubeconfigYaml, fleetKubeconfigYaml } from './clusters.mjs';
import { ComponentError } from './services.mjs';
import {
  GATEWAY_API_CRDS,
  GATEWAY_API_MODULE,
  GATEWAY_API_VERSION,
  gatewayApiManifests,
} from './gateway-api.mjs';
import { kubectl } from './kubectl.mjs';
import { log, waitFor, writeIfChanged } from './proc.mjs';

const NODES = ['kwok-node-0', 'kwok-node-1', 'kwok-node-2'];
const admin = (c) => ({ kubeconfig: c.files.adminKubeconfig });

export function nodeManifest() {
  return NODES.map(
    (name, i) => `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    beta.kubernetes.io/arch: amd64
    beta.kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    kubernetes.io/hostname: ${name}
    kubernetes.io/os: linux
    kubernetes.io/role: agent
    node-role.kubernetes.io/agent: ""
    type: kwok
    topology.kubernetes.io/zone: us-east-1${'abc'[i]}
spec: {}
status:
  allocatable:
    cpu: "32"
    memory: 256Gi
    pods: "110"
  capacity:
    cpu: "32"
    memory: 256Gi
    pods: "110"
  nodeInfo:
    architecture: amd64
    kubeletVersion: kwok-${VERSIONS.kwok}
    operatingSystem: linux
`,
  ).join('---\n');
}

/** The CA of a cluster, base64, from its admin kubeconfig. */
async function clusterCaData(c) {
  const { stdout } = await kubectl(['config', 'view', '--raw', '--minify', '-o', 'json'], admin(c));
  const cluster = JSON.parse(stdout).clusters[0].cluster;
  return (
    cluster['certificate-authority-data'] ??
    fs.readFileSync(cluster['certificate-authority']).toString('base64')
  );
}

async function deployerToken(c) {
  // long-lived Secret token (token controller), else a bound token for a year
  const secret = ['-n', NAMESPACE, 'get', 'secret', 'deployer-token', '-o', 'jsonpath={.data.token}'];
  try {
    return await waitFor(
      async () => {
        const { stdout } = await kubectl(secret, admin(c));
        return stdout.trim() ? Buffer.from(stdout.trim(), 'base64').toString('utf8') : undefined;
      },
      { timeoutMs: 20000, what: 'deployer token secret' },
    );
  } catch {
    const create = ['-n', NAMESPACE, 'create', 'token', 'deployer', '--duration', '8760h'];
    return (await kubectl(create, admin(c))).stdout.trim();
  }
}

/** { spec, caData, token } of a cluster's deployer, the input of deployerKubeconfigYaml. */
async function deployerEntry(c) {
  return { spec: c, caData: await clusterCaData(c), token: await deployerToken(c) };
}

async function writeDeployerKubeconfig(c) {
  const entry = await deployerEntry(c);
  writeIfChanged(c.files.deployerKubeconfig, deployerKubeconfigYaml([entry], { single: true }), 0o600);
}

/** Applies the Gateway API CRDs (standard channel, from the Go module) and waits for them. */
export async function applyGatewayApiCrds(c = clusterSpec(1)) {
  let manifests;
  try {
    manifests = await gatewayApiManifests();
  } catch (err) {
    throw new ComponentError(c.component, `Gateway API CRDs: ${err.message}`);
  }
  const apply = ['apply', '--server-side', '--force-conflicts', '--field-manager=hac-sandbox'];
  await kubectl([...apply, ...manifests.flatMap((f) => ['-f', f])], admin(c));
  await kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...GATEWAY_API_CRDS], admin(c));
  return manifests;
}

async function setup(c) {
  log(`${c.component}: nodes, namespace, deployer RBAC, Gateway API CRDs`);
  await kubectl(['apply', '-f', '-'], { ...admin(c), input: nodeManifest() });
  const apply = ['apply', '--server-side', '--force-conflicts', '--field-manager=hac-sandbox'];
  await kubectl([...apply, '-f', FILES.deployerRbac], admin(c));
  await writeDeployerKubeconfig(c);
  await applyGatewayApiCrds(c);
  const nodes = NODES.map((n) => `node/${n}`);
  await kubectl(['wait', '--for=condition=Ready', '--timeout=60s', ...nodes], admin(c));
}

/** Changes when the RBAC manifest, the node list or the Gateway API version change. */
function setupFingerprint() {
  return createHash('sha256')
    .update(fs.readFileSync(FILES.deployerRbac))
    .update(nodeManifest())
    .update(`${GATEWAY_API_MODULE}@${GATEWAY_API_VERSION}`)
    .digest('hex');
}

async function setupDone(c) {
  try {
    if (!fs.existsSync(c.files.deployerKubeconfig)) return false;
    if (fs.readFileSync(c.files.setupFingerprint, 'utf8') !== setupFingerprint()) return false;
    const last = `node/${NODES[NODES.length - 1]}`;
    await kubectl(['get', 'crd/httproutes.gateway.networking.k8s.io', last, '-o', 'name'], admin(c));
    await kubectl(['auth', 'can-i', 'get', 'pods', '-n', NAMESPACE], {
      kubeconfig: c.files.deployerKubeconfig,
    });
    return true;
  } catch {
    return false;
  }
}

/** Nodes, RBAC, CRDs and the deployer kubeconfig, unless a previous `up` did it for this setup. */
export async function ensureSetup(c) {
  if (await setupDone(c)) return;
  await setup(c);
  fs.writeFileSync(c.files.setupFingerprint, setupFingerprint());
}

/** Drops what setup recorded for a cluster that is deleted. */
export function forgetSetup(c) {
  fs.rmSync(c.files.deployerKubeconfig, { force: true });
  fs.rmSync(c.files.setupFingerprint, { force: true });
}

/** The deployer entry of a cluster, read back from its deployer kubeconfig (no API request). */
async function deployerEntryFromFile(c) {
  const view = ['config', 'view', '--raw', '-o', 'json'];
  const cfg = JSON.parse((await kubectl(view, { kubeconfig: c.files.deployerKubeconfig })).stdout);
  return {
    spec: c,
    caData: cfg.clusters[0].cluster['certificate-authority-data'],
    token: cfg.users[0].user.token,
  };
}

/** The fleet kubeconfigs (admin and deployer, a context per cluster) over the given clusters. */
export async function writeFleetKubeconfigs(specs) {
  writeIfChanged(FILES.fleetKubeconfig, fleetKubeconfigYaml(specs), 0o600);
  const entries = await Promise.all(specs.map(deployerEntryFromFile));
  writeIfChanged(FILES.fleetDeployerKubeconfig, deployerKubeconfigYaml(entries), 0o600);
}
