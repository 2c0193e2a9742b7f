// Sandbox components `docker` and `buildkit`:
//  - docker: Debian's dockerd (docker.io) on its own socket, data root and exec root under the run
//    directory, with no iptables, no bridge and vfs storage; the docker CLI finds the buildx plugin
//    (built from the Go module into the cache) through a sandbox DOCKER_CONFIG, never ~/.docker.
//    The sandbox's busybox base image is pulled into it, so builds need no network.
//  - buildkit: buildkitd built from github.com/moby/buildkit, OCI worker with Debian's runc and the
//    native snapshotter, on a unix socket, the sandbox registry marked plain HTTP in its config, and
//    a buildx builder `hac-buildkit` (driver remote) pointing at it.
import fs from 'node:fs';
import path from 'node:path';
import { PORTS, RUN_DIR, bin } from './config.mjs';
import {
  daemonPid,
  ensureDir,
  log,
  logFile,
  run,
  startDaemon,
  stopDaemon,
  waitFor,
  which,
  writeIfChanged,
} from './proc.mjs';
import { BASE_IMAGE, ComponentError, REGISTRY, readText } from './services.mjs';

export const DOCKER_DIR = path.join(RUN_DIR, 'docker');
export const BUILDKIT_DIR = path.join(RUN_DIR, 'buildkit');
export const DOCKER_SOCKET = path.join(DOCKER_DIR, 'docker.sock');
export const DOCKER_HOST = `unix://${DOCKER_SOCKET}`;
/** The docker CLI's config dir for the sandbox: cli-plugins/docker-buildx, buildx builders, logins. */
export const DOCKER_CONFIG = path.join(DOCKER_DIR, 'config');
export const BUILDKIT_SOCKET = path.join(BUILDKIT_DIR, 'buildkitd.sock');
export const BUILDKIT_ADDR = `unix://${BUILDKIT_SOCKET}`;
export const BUILDKIT_BUILDER = 'hac-buildkit';
/** BuildKit's SBOM generator image for `--sbom=generator=...` (scripts/sandbox/sbom-scanner). */
export const SBOM_GENERATOR = `${REGISTRY}/hac/sbom-scanner:1`;
const SBOM_SCANNER_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'sbom-scanner');
const BUILDKIT_CONFIG = path.join(BUILDKIT_DIR, 'buildkitd.toml');

/** The variables a docker CLI needs to reach the sandbox's daemon and builders. */
export function dockerEnv() {
  return {
    DOCKER_HOST,
    DOCKER_CONFIG,
    HAC_DOCKER_HOST: DOCKER_HOST,
    HAC_BUILDKIT_ADDR: BUILDKIT_ADDR,
    HAC_BUILDKIT_BUILDER: BUILDKIT_BUILDER,
    HAC_SBOM_GENERATOR: SBOM_GENERATOR,
  };
}

const cliEnv = () => ({ ...process.env, DOCKER_HOST, DOCKER_CONFIG });
const docker = (args, opts = {}) => run('docker', args, { env: cliEnv(), timeoutMs: 120_000, ...opts });

function requireTool(file, component, how) {
  if (!file || !fs.existsSync(file)) throw new ComponentError(component, `${file ?? how} is missing; ${how}`);
}

/** DOCKER_CONFIG/cli-plugins/docker-buildx -> the cached build. */
function installBuildxPlugin() {
  const plugin = path.join(ensureDir(path.join(DOCKER_CONFIG, 'cli-plugins')), 'docker-buildx');
  requireTool(bin('docker-buildx'), 'docker', 'run: bash scripts/sandbox/build-docker-bins.sh buildx');
  if (readLink(plugin) !== bin('docker-buildx')) {
    fs.rmSync(plugin, { force: true });
    fs.symlinkSync(bin('docker-buildx'), plugin);
  }
  if (!fs.existsSync(path.join(DOCKER_CONFIG, 'config.json')))
    fs.writeFileSync(path.join(DOCKER_CONFIG, 'config.json'), '{}\n', { mode: 0o600 });
}

function readLink(p) {
  try {
    return fs.readlinkSync(p);
  } catch {
    return undefined;
  }
}

async function dockerHealth() {
  const { stdout } = await docker(['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 5000 });
  if (!stdout.trim()) throw new Error('docker info gave no server version');
  return true;
}

async function startDockerd() {
  const dockerd = which('dockerd');
  if (!dockerd)
    throw new ComponentError(
      'docker',
      'dockerd is not on PATH; run: bash scripts/sandbox/install-prereqs.sh',
    );
  for (const d of ['data', 'exec']) ensureDir(path.join(DOCKER_DIR, d));
  fs.rmSync(DOCKER_SOCKET, { force: true });
  return startDaemon('docker', dockerd, [
    '--iptables=false',
    '--ip-masq=false',
    '--bridge=none',
    '--storage-driver=vfs',
    `--data-root=${path.join(DOCKER_DIR, 'data')}`,
    `--exec-root=${path.join(DOCKER_DIR, 'exec')}`,
    `--pidfile=${path.join(DOCKER_DIR, 'dockerd.pid')}`,
    `--host=${DOCKER_HOST}`,
    `--insecure-registry=${REGISTRY}`,
    `--insecure-registry=localhost:${PORTS.registry}`,
  ]);
}

/** The sandbox base image (pushed by the buildah component) in the daemon's image store. */
async function loadBaseImage() {
  const have = await docker(['image', 'inspect', '--format', '{{.Id}}', BASE_IMAGE], { allowFail: true });
  if (have.code === 0) return;
  log(`docker: pulling base image ${BASE_IMAGE}`);
  await docker(['pull', '--quiet', BASE_IMAGE]);
}

async function until(what, health) {
  await waitFor(
    async () => {
      if (!daemonPid(what)) throw Object.assign(new Error('the process exited'), { fatal: true });
      return health();
    },
    { timeoutMs: 60_000, what: `${what} to answer` },
  );
}

async function ensure(name, start, health) {
  const pid = daemonPid(name);
  if (pid) {
    try {
      await health();
      log(`${name}: already running (pid ${pid})`);
      return pid;
    } catch (err) {
      log(`${name}: pid ${pid} is unhealthy (${err.message.split('\n')[0]}); restarting`);
      await stopDaemon(name);
    }
  }
  const started = await start();
  try {
    await until(name, health);
  } catch (err) {
    throw new ComponentError(name, `failed health check: ${err.message}`, logFile(name));
  }
  log(`${name}: started (pid ${started})`);
  return started;
}

export const dockerComponent = {
  name: 'docker',
  async up() {
    installBuildxPlugin();
    await ensure('docker', startDockerd, dockerHealth);
    await docker(['buildx', 'version']);
    try {
      await loadBaseImage();
    } catch (err) {
      throw new ComponentError('docker', `base image: ${err.message}`, logFile('docker'));
    }
  },
  down: () => stopDaemon('docker'),
  async health() {
    await dockerHealth();
    await docker(['buildx', 'version'], { timeoutMs: 5000 });
    await docker(['image', 'inspect', '--format', '{{.Id}}', BASE_IMAGE], { timeoutMs: 5000 });
    return true;
  },
  pids: () => [daemonPid('docker')].filter(Boolean),
  detail: () =>
    `${DOCKER_HOST} (buildx ${readText(path.join(path.dirname(bin('docker-buildx')), '.docker-buildx.version')) ?? 'not built'}, DOCKER_CONFIG ${DOCKER_CONFIG})`,
};

// ---------------------------------------------------------------- buildkit

function buildkitConfig() {
  const hosts = [REGISTRY, `localhost:${PORTS.registry}`];
  return `# buildkitd for the hac sandbox: the sandbox registry speaks plain HTTP
debug = false
[grpc]
  address = ["${BUILDKIT_ADDR}"]
[worker.oci]
  enabled = true
  snapshotter = "native"
  binary = "${which('runc') ?? 'runc'}"
  gc = true
  gckeepstorage = "2GB"
[worker.containerd]
  enabled = false
${hosts.map((h) => `[registry."${h}"]\n  http = true\n  insecure = true\n`).join('')}`;
}

const buildctl = (args, opts = {}) =>
  run(bin('buildctl'), ['--addr', BUILDKIT_ADDR, ...args], { timeoutMs: 10_000, ...opts });

async function buildkitHealth() {
  const { stdout } = await buildctl(['debug', 'workers']);
  if (!/linux\//.test(stdout)) throw new Error(`buildctl debug workers: no worker (${stdout.trim()})`);
  return true;
}

function startBuildkitd() {
  requireTool(bin('buildkitd'), 'buildkit', 'run: bash scripts/sandbox/build-docker-bins.sh buildkit');
  if (!which('runc'))
    throw new ComponentError('buildkit', 'runc is not on PATH; run: bash scripts/sandbox/install-prereqs.sh');
  ensureDir(path.join(BUILDKIT_DIR, 'root'));
  writeIfChanged(BUILDKIT_CONFIG, buildkitConfig());
  fs.rmSync(BUILDKIT_SOCKET, { force: true });
  return startDaemon('buildkit', bin('buildkitd'), [
    '--config',
    BUILDKIT_CONFIG,
    '--root',
    path.join(BUILDKIT_DIR, 'root'),
  ]);
}

/** The buildx builder `hac-buildkit` (driver remote) in the sandbox DOCKER_CONFIG. */
async function ensureBuilder() {
  const inspect = await docker(['buildx', 'inspect', BUILDKIT_BUILDER], { allowFail: true });
  if (inspect.code === 0 && inspect.stdout.includes(BUILDKIT_ADDR)) return;
  if (inspect.code === 0) await docker(['buildx', 'rm', BUILDKIT_BUILDER], { allowFail: true });
  await docker(['buildx', 'create', '--name', BUILDKIT_BUILDER, '--driver', 'remote', BUILDKIT_ADDR]);
  await docker(['buildx', 'inspect', '--bootstrap', BUILDKIT_BUILDER]);
}

async function manifestExists(ref) {
  const slash = ref.indexOf('/');
  const colon = ref.lastIndexOf(':');
  const url = `http://${ref.slice(0, slash)}/v2/${ref.slice(slash + 1, colon)}/manifests/${ref.slice(colon + 1)}`;
  const res = await fetch(url, {
    method: 'HEAD',
    headers: {
      accept: 'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json',
    },
    signal: AbortSignal.timeout(3000),
  });
  return res.ok;
}

/** Builds and pushes the SBOM generator image with the hac-buildkit builder (once). */
async function ensureSbomGenerator() {
  if (await manifestExists(SBOM_GENERATOR)) return;
  log(`buildkit: building the SBOM generator ${SBOM_GENERATOR}`);
  await docker([
    'buildx',
    'build',
    '--builder',
    BUILDKIT_BUILDER,
    '--network',
    'none',
    '--provenance=false',
    '--build-arg',
    `BASE=${BASE_IMAGE}`,
    '--tag',
    SBOM_GENERATOR,
    '--push',
    SBOM_SCANNER_DIR,
  ]);
}

export const buildkitComponent = {
  name: 'buildkit',
  async up() {
    installBuildxPlugin();
    await ensure('buildkit', startBuildkitd, buildkitHealth);
    try {
      await ensureBuilder();
    } catch (err) {
      throw new ComponentError('buildkit', `buildx builder ${BUILDKIT_BUILDER}: ${err.message}`);
    }
    try {
      await ensureSbomGenerator();
    } catch (err) {
      throw new ComponentError('buildkit', `SBOM generator image: ${err.message}`);
    }
  },
  down: () => stopDaemon('buildkit'),
  async health() {
    await buildkitHealth();
    const { stdout } = await docker(['buildx', 'inspect', BUILDKIT_BUILDER], { timeoutMs: 10_000 });
    if (!/Status:\s+running/.test(stdout)) throw new Error(`builder ${BUILDKIT_BUILDER} is not running`);
    if (!(await manifestExists(SBOM_GENERATOR))) throw new Error(`${SBOM_GENERATOR} is not in the registry`);
    return true;
  },
  pids: () => [daemonPid('buildkit')].filter(Boolean),
  detail: () =>
    `${BUILDKIT_ADDR} (buildkitd ${readText(path.join(path.dirname(bin('buildkitd')), '.buildkitd.version')) ?? 'not built'}, buildx builder ${BUILDKIT_BUILDER})`,
};

// ---------------------------------------------------------------- up

/**
 * The `up` chain of docker and buildkit: build-docker-bins.sh (buildx and buildkitd, in parallel
 * with the other Go builds), then, once `after` (registry and base image) is done, dockerd, then
 * buildkitd and its builder. `guard` records a failure instead of throwing.
 */
export async function dockerChain(selected, { guard, timed, failures, after, runInherit }) {
  const targets = [];
  if (selected.has('docker') || selected.has('buildkit')) targets.push('buildx');
  if (selected.has('buildkit')) targets.push('buildkit');
  if (!targets.length) return;
  const script = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'build-docker-bins.sh');
  await guard('docker-build', () =>
    timed('docker-go-builds', () => runInherit('bash', [script, ...targets])),
  );
  await after;
  const failed = (...names) => failures.some((f) => names.includes(f.name));
  if (failed('docker-build', 'registry', 'buildah')) return;
  await guard('docker', () => timed('docker', () => dockerComponent.up()));
  if (selected.has('buildkit') && !failed('docker'))
    await guard('buildkit', () => timed('buildkit', () => buildkitComponent.up()));
}
