// Sandbox components other than Kubernetes: moto (EC2), docker-registry,
// the test exporter, Prometheus, buildah's configuration and base image,
// act and actionlint.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AWS,
  BASE_IMAGE_REPO,
  CACHE_DIR,
  CONTAINERS_DIR,
  FILES,
  PORTS,
  RUN_DIR,
  SANDBOX_DIR,
  VENV_DIR,
  VERSIONS,
  bin,
} from './config.mjs';
import {
  daemonPid,
  ensureDir,
  httpOk,
  log,
  logFile,
  run,
  startDaemon,
  stopDaemon,
  tail,
  waitFor,
  which,
  writeIfChanged,
} from './proc.mjs';

export const REGISTRY = `127.0.0.1:${PORTS.registry}`;
export const BASE_IMAGE = `${REGISTRY}/${BASE_IMAGE_REPO}:latest`;

class ComponentError extends Error {
  constructor(component, message, logPath) {
    super(
      `${component}: ${message}${logPath ? `\n--- last lines of ${logPath} ---\n${tail(logPath, 25)}` : ''}`,
    );
    this.component = component;
  }
}
export { ComponentError };

/** Starts a daemon unless it is already running, then waits for health. */
async function ensureDaemon({ name, start, health, timeoutMs = 60000 }) {
  const pid = daemonPid(name);
  if (pid) {
    try {
      await health();
      log(`${name}: already running (pid ${pid})`);
      return pid;
    } catch (err) {
      log(`${name}: pid ${pid} is unhealthy (${err.message}); restarting`);
      await stopDaemon(name);
    }
  }
  const newPid = await start();
  try {
    await waitFor(
      async () => {
        if (!daemonPid(name)) throw Object.assign(new Error('the process exited'), { fatal: true });
        return health();
      },
      { timeoutMs, what: `${name} to answer` },
    );
  } catch (err) {
    throw new ComponentError(name, `failed health check: ${err.message}`, logFile(name));
  }
  log(`${name}: started (pid ${newPid})`);
  return newPid;
}

// ---------------------------------------------------------------- moto

const MOTO_STAMP = path.join(VENV_DIR, '.hac-moto-version');
export const VENV_PYTHON = path.join(VENV_DIR, 'bin', 'python');

export async function installMoto() {
  const spec = `moto[server]==${VERSIONS.moto}`;
  const stamp = `${spec} boto3`;
  if (fs.existsSync(path.join(VENV_DIR, 'bin', 'moto_server')) && readText(MOTO_STAMP) === stamp) return;
  const python = process.env.HAC_PYTHON || which('python3') || 'python3';
  if (!fs.existsSync(VENV_PYTHON)) {
    log(`moto: creating virtualenv ${VENV_DIR}`);
    await run(python, ['-m', 'venv', VENV_DIR]);
  }
  log(`moto: pip install ${spec} boto3 (first run only)`);
  await run(VENV_PYTHON, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', spec, 'boto3'], {
    timeoutMs: 15 * 60 * 1000,
  });
  fs.writeFileSync(MOTO_STAMP, stamp);
}

export const motoUrl = () => `http://127.0.0.1:${PORTS.moto}`;

/** moto's server with the SSM agent's part played and SendCommand fixed (scripts/sandbox/moto/server.py). */
const MOTO_LAUNCHER = fileURLToPath(new URL('../moto/server.py', import.meta.url));
/** The launcher's hash when moto was started: a moto started by an older launcher is restarted. */
const MOTO_LAUNCHER_STAMP = path.join(RUN_DIR, 'moto-launcher.sha256');
const launcherHash = () => createHash('sha256').update(fs.readFileSync(MOTO_LAUNCHER)).digest('hex');

async function motoHealth() {
  if (readText(MOTO_LAUNCHER_STAMP) !== launcherHash())
    throw new Error('started by another version of scripts/sandbox/moto/server.py');
  // a real EC2 call: DescribeRegions
  const res = await fetch(`${motoUrl()}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${AWS.accessKeyId}/20250101/${AWS.region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: 'Action=DescribeRegions&Version=2016-11-15',
    signal: AbortSignal.timeout(3000),
  });
  const text = await res.text();
  if (!res.ok || !text.includes('DescribeRegionsResponse'))
    throw new Error(`DescribeRegions -> HTTP ${res.status}`);
  // and the SSM call that hac's launcher adds
  const ssm = await fetch(`${motoUrl()}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AmazonSSM.DescribeInstanceInformation',
      authorization: `AWS4-HMAC-SHA256 Credential=${AWS.accessKeyId}/20250101/${AWS.region}/ssm/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: '{}',
    signal: AbortSignal.timeout(3000),
  });
  const ssmText = await ssm.text();
  if (!ssm.ok || !ssmText.includes('InstanceInformationList'))
    throw new Error(`SSM DescribeInstanceInformation -> HTTP ${ssm.status}`);
  return true;
}

export const moto = {
  name: 'moto',
  async up() {
    await installMoto();
    return ensureDaemon({
      name: 'moto',
      start: () => {
        fs.mkdirSync(RUN_DIR, { recursive: true });
        fs.writeFileSync(MOTO_LAUNCHER_STAMP, launcherHash());
        return startDaemon('moto', VENV_PYTHON, [MOTO_LAUNCHER, '-H', '127.0.0.1', '-p', String(PORTS.moto)]);
      },
      health: motoHealth,
    });
  },
  down: () => stopDaemon('moto'),
  health: motoHealth,
  pids: () => [daemonPid('moto')].filter(Boolean),
  detail: () => `${motoUrl()} (moto ${readText(MOTO_STAMP) ?? 'not installed'})`,
};

// ---------------------------------------------------------------- registry

function registryConfig() {
  return `version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${FILES.registryData}
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:${PORTS.registry}
  secret: hac-sandbox-local
  headers:
    X-Content-Type-Options: [nosniff]
`;
}

const registryHealth = () => httpOk(`http://${REGISTRY}/v2/`);

export const registry = {
  name: 'registry',
  async up() {
    requireCommand('docker-registry', 'registry');
    ensureDir(FILES.registryData);
    writeIfChanged(FILES.registryConfig, registryConfig());
    return ensureDaemon({
      name: 'registry',
      start: () => startDaemon('registry', 'docker-registry', ['serve', FILES.registryConfig]),
      health: registryHealth,
    });
  },
  down: () => stopDaemon('registry'),
  health: registryHealth,
  pids: () => [daemonPid('registry')].filter(Boolean),
  detail: () => `http://${REGISTRY} (data ${FILES.registryData})`,
};

// ---------------------------------------------------------------- exporter

export const exporterUrl = () => `http://127.0.0.1:${PORTS.exporter}`;
const exporterHealth = () => httpOk(`${exporterUrl()}/healthz`);

export const exporter = {
  name: 'exporter',
  async up() {
    return ensureDaemon({
      name: 'exporter',
      start: () =>
        startDaemon('exporter', process.execPath, [
          path.join(SANDBOX_DIR, 'exporter.mjs'),
          '--port',
          String(PORTS.exporter),
          '--state',
          FILES.exporterState,
        ]),
      health: exporterHealth,
    });
  },
  down: () => stopDaemon('exporter'),
  health: exporterHealth,
  pids: () => [daemonPid('exporter')].filter(Boolean),
  detail: () => exporterUrl(),
};

// ---------------------------------------------------------------- prometheus

export const prometheusUrl = () => `http://127.0.0.1:${PORTS.prometheus}`;

function prometheusConfig() {
  return `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: hac-exporter
    static_configs:
      - targets: ['127.0.0.1:${PORTS.exporter}']
  - job_name: prometheus
    scrape_interval: 5s
    static_configs:
      - targets: ['127.0.0.1:${PORTS.prometheus}']
`;
}

const prometheusHealth = () => httpOk(`${prometheusUrl()}/-/ready`);

export const prometheus = {
  name: 'prometheus',
  async up() {
    requireCommand('prometheus', 'prometheus');
    ensureDir(FILES.prometheusData);
    const changed = writeIfChanged(FILES.prometheusConfig, prometheusConfig());
    const pid = await ensureDaemon({
      name: 'prometheus',
      start: () =>
        startDaemon('prometheus', 'prometheus', [
          `--config.file=${FILES.prometheusConfig}`,
          `--storage.tsdb.path=${FILES.prometheusData}`,
          '--storage.tsdb.retention.time=2d',
          `--web.listen-address=127.0.0.1:${PORTS.prometheus}`,
          '--web.enable-lifecycle',
          '--web.enable-admin-api',
        ]),
      health: prometheusHealth,
    });
    if (changed) await run('curl', ['-fsS', '-XPOST', `${prometheusUrl()}/-/reload`], { allowFail: true });
    return pid;
  },
  down: () => stopDaemon('prometheus'),
  health: prometheusHealth,
  pids: () => [daemonPid('prometheus')].filter(Boolean),
  detail: () => `${prometheusUrl()} scraping ${exporterUrl()}/metrics every 1s`,
};

// ---------------------------------------------------------------- buildah

export function buildahEnv() {
  return {
    BUILDAH_ISOLATION: 'chroot',
    STORAGE_DRIVER: 'vfs',
    CONTAINERS_STORAGE_CONF: FILES.storageConf,
    CONTAINERS_REGISTRIES_CONF: FILES.registriesConf,
  };
}

function writeContainerConfs() {
  const storage = path.join(CONTAINERS_DIR, 'storage');
  const runroot = path.join(CONTAINERS_DIR, 'runroot');
  ensureDir(storage);
  ensureDir(runroot);
  writeIfChanged(
    FILES.storageConf,
    `# buildah/skopeo storage for the hac sandbox
[storage]
driver = "vfs"
graphroot = "${storage}"
runroot = "${runroot}"
`,
  );
  writeIfChanged(
    FILES.registriesConf,
    `# registries for the hac sandbox: the local registry speaks plain HTTP
unqualified-search-registries = []

[[registry]]
location = "${REGISTRY}"
insecure = true

[[registry]]
location = "localhost:${PORTS.registry}"
insecure = true
`,
  );
}

async function baseImageDigest() {
  const res = await fetch(`http://${REGISTRY}/v2/${BASE_IMAGE_REPO}/manifests/latest`, {
    method: 'HEAD',
    headers: {
      accept: [
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.oci.image.index.v1+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
      ].join(', '),
    },
    signal: AbortSignal.timeout(3000),
  });
  if (!res.ok) throw new Error(`${BASE_IMAGE} not in the registry (HTTP ${res.status})`);
  return res.headers.get('docker-content-digest');
}

async function buildBaseImage() {
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => fs.existsSync(p));
  if (!busybox)
    throw new ComponentError('buildah', 'busybox-static is not installed (run install-prereqs.sh)');
  const env = { ...process.env, ...buildahEnv() };
  const rootfs = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-busybox-'));
  try {
    for (const d of ['bin', 'etc', 'tmp', 'root', 'usr/bin', 'sbin', 'usr/sbin'])
      ensureDir(path.join(rootfs, d));
    fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
    fs.copyFileSync(busybox, path.join(rootfs, 'bin', 'busybox'));
    fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
    const { stdout } = await run(busybox, ['--list']);
    for (const applet of stdout.split('\n').map((s) => s.trim())) {
      if (!applet || applet === 'busybox') continue;
      fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
    }
    fs.writeFileSync(
      path.join(rootfs, 'etc', 'passwd'),
      'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
    );
    fs.writeFileSync(path.join(rootfs, 'etc', 'group'), 'root:x:0:\nnobody:x:65534:\n');
    const { stdout: ctrOut } = await run('buildah', ['from', 'scratch'], { env });
    const ctr = ctrOut.trim();
    try {
      await run('buildah', ['copy', ctr, `${rootfs}/`, '/'], { env });
      await run(
        'buildah',
        [
          'config',
          '--cmd',
          '/bin/sh',
          '--env',
          'PATH=/bin:/usr/bin:/sbin:/usr/sbin',
          '--label',
          'org.opencontainers.image.title=hac-busybox',
          ctr,
        ],
        { env },
      );
      await run('buildah', ['commit', '--quiet', ctr, `${BASE_IMAGE_REPO}:latest`], { env });
    } finally {
      await run('buildah', ['rm', ctr], { env, allowFail: true });
    }
    await run('buildah', ['push', '--quiet', `${BASE_IMAGE_REPO}:latest`, `docker://${BASE_IMAGE}`], { env });
  } finally {
    fs.rmSync(rootfs, { recursive: true, force: true });
  }
}

export const buildah = {
  name: 'buildah',
  async up() {
    requireCommand('buildah', 'buildah');
    writeContainerConfs();
    try {
      const digest = await baseImageDigest();
      log(`buildah: base image ${BASE_IMAGE} present (${digest})`);
      return;
    } catch {
      /* build it */
    }
    log(`buildah: building base image ${BASE_IMAGE} from busybox-static`);
    try {
      await buildBaseImage();
      const digest = await baseImageDigest();
      log(`buildah: pushed ${BASE_IMAGE} (${digest})`);
    } catch (err) {
      if (err instanceof ComponentError) throw err;
      throw new ComponentError('buildah', `base image build failed: ${err.message}`);
    }
  },
  down: async () => false,
  health: async () => {
    if (!which('buildah')) throw new Error('buildah is not installed');
    await baseImageDigest();
    return true;
  },
  pids: () => [],
  detail: () => `base image ${BASE_IMAGE}, storage ${FILES.storageConf}`,
  oneShot: true,
};

// ---------------------------------------------------------------- act / actionlint / packer

function tool(name, versionKey) {
  return {
    name,
    async up() {
      if (!fs.existsSync(bin(name))) throw new ComponentError(name, `${bin(name)} was not built`);
    },
    down: async () => false,
    health: async () => {
      if (!fs.existsSync(bin(name))) throw new Error(`${bin(name)} missing`);
      return true;
    },
    pids: () => [],
    detail: () =>
      `${bin(name)} (${readText(path.join(path.dirname(bin(name)), `.${name}.version`)) ?? VERSIONS[versionKey]})`,
    oneShot: true,
  };
}
export const act = tool('act', 'act');
export const actionlint = tool('actionlint', 'actionlint');

// ---------------------------------------------------------------- helpers

function readText(file) {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function requireCommand(cmd, component) {
  if (!which(cmd)) {
    throw new ComponentError(
      component,
      `${cmd} is not on PATH; run: bash scripts/sandbox/install-prereqs.sh`,
    );
  }
}

export { readText, CACHE_DIR };
