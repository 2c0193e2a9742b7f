// Paths, ports and versions of the local sandbox. Everything lives outside
// the repository, under HAC_CACHE_DIR (default ~/.cache/hac).
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export const SANDBOX_DIR = path.resolve(here, '..');
export const REPO_ROOT = path.resolve(SANDBOX_DIR, '..', '..');
export const CACHE_DIR = process.env.HAC_CACHE_DIR || path.join(os.homedir(), '.cache', 'hac');
export const BIN_DIR = path.join(CACHE_DIR, 'bin');
export const VENV_DIR = path.join(CACHE_DIR, 'venv');
export const RUN_DIR = process.env.HAC_RUN_DIR || path.join(CACHE_DIR, 'run');
export const PID_DIR = path.join(RUN_DIR, 'pids');
export const LOG_DIR = path.join(RUN_DIR, 'logs');
export const CONTAINERS_DIR = path.join(CACHE_DIR, 'containers');

function port(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) {
    throw new Error(`${name}=${raw} is not a valid port`);
  }
  return n;
}

export const PORTS = {
  moto: port('HAC_SANDBOX_MOTO_PORT', 15000),
  registry: port('HAC_SANDBOX_REGISTRY_PORT', 15001),
  prometheus: port('HAC_SANDBOX_PROMETHEUS_PORT', 15090),
  exporter: port('HAC_SANDBOX_EXPORTER_PORT', 15091),
  apiserver: port('HAC_SANDBOX_APISERVER_PORT', 16443),
  etcd: port('HAC_SANDBOX_ETCD_PORT', 16379),
  controllerManager: port('HAC_SANDBOX_KCM_PORT', 16257),
  scheduler: port('HAC_SANDBOX_SCHEDULER_PORT', 16259),
  kwokController: port('HAC_SANDBOX_KWOK_PORT', 16080),
};

export const VERSIONS = {
  kubernetes: process.env.HAC_K8S_VERSION || 'v1.34.4',
  etcd: process.env.HAC_ETCD_VERSION || 'v3.6.16',
  kwok: process.env.HAC_KWOK_VERSION || 'v0.8.0',
  act: process.env.HAC_ACT_VERSION || 'v0.2.89',
  actionlint: process.env.HAC_ACTIONLINT_VERSION || 'v1.7.12',
  moto: process.env.HAC_MOTO_VERSION || '5.1.*',
};

export const CLUSTER_NAME = 'hac';
export const NAMESPACE = 'hac';
export const KWOK_WORKDIR = path.join(RUN_DIR, 'kwok');
export const CLUSTER_DIR = path.join(KWOK_WORKDIR, 'clusters', CLUSTER_NAME);

export const FILES = {
  adminKubeconfig: path.join(RUN_DIR, 'kubeconfig-admin.yaml'),
  deployerKubeconfig: path.join(RUN_DIR, 'kubeconfig-deployer.yaml'),
  // every cluster of `up --clusters N` (see clusters.mjs): a context per cluster, hac-1 ... hac-N
  fleetKubeconfig: path.join(RUN_DIR, 'kubeconfig-fleet.yaml'),
  fleetDeployerKubeconfig: path.join(RUN_DIR, 'kubeconfig-fleet-deployer.yaml'),
  auditPolicy: path.join(RUN_DIR, 'audit-policy.yaml'),
  auditLog: path.join(CLUSTER_DIR, 'logs', 'audit.log'),
  registryConfig: path.join(RUN_DIR, 'registry', 'config.yml'),
  registryData: path.join(RUN_DIR, 'registry', 'data'),
  prometheusConfig: path.join(RUN_DIR, 'prometheus', 'prometheus.yml'),
  prometheusData: path.join(RUN_DIR, 'prometheus', 'data'),
  exporterState: path.join(RUN_DIR, 'exporter-state.json'),
  registriesConf: path.join(CONTAINERS_DIR, 'registries.conf'),
  storageConf: path.join(CONTAINERS_DIR, 'storage.conf'),
  policyJson: path.join(CONTAINERS_DIR, 'policy.json'),
  kwokStages: path.join(SANDBOX_DIR, 'manifests', 'kwok-stages.yaml'),
  deployerRbac: path.join(SANDBOX_DIR, 'manifests', 'deployer-rbac.yaml'),
};

export const BASE_IMAGE_REPO = 'hac/busybox';
export const AWS = { region: 'us-east-1', accessKeyId: 'testing', secretAccessKey: 'testing' };

export const bin = (name) => path.join(BIN_DIR, name);
