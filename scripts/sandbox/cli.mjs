#!/usr/bin/env node
// Local sandbox for hac's integration tests:
//   npm run sandbox -- up [component...] [--clusters N]   install what is missing, start what is not running
//   npm run sandbox -- down [component...]  stop what `up` started
//   npm run sandbox -- status [--json]      state of each component
//   npm run sandbox -- env [--json]         environment for tests (export lines or JSON)
//   npm run sandbox -- fail-pods <namespace> <labelSelector> [readiness|crash|recover]
//   npm run sandbox -- restart-apiserver [--cluster N] [--down-seconds N] [--kill]
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import {
  AWS,
  BIN_DIR,
  CACHE_DIR,
  FILES,
  NAMESPACE,
  PORTS,
  RUN_DIR,
  SANDBOX_DIR,
  VENV_DIR,
  VERSIONS,
  bin,
} from './lib/config.mjs';
import { log, rssKiB, descendants, which, ensureDir, isAlive } from './lib/proc.mjs';
import {
  BASE_IMAGE,
  REGISTRY,
  VENV_PYTHON,
  act,
  actionlint,
  buildah,
  buildahEnv,
  exporter,
  exporterUrl,
  moto,
  motoUrl,
  prometheus,
  prometheusUrl,
  registry,
} from './lib/services.mjs';
import { existingClusters, extraClusterComponents, k8s, kubectlPath, restartApiserver } from './lib/k8s.mjs';
import { failPods } from './lib/fail-pods.mjs';
import { downSeconds, parseCli } from './lib/args.mjs';
import { CLUSTERS_VAR, clusterCount, fleetEnv } from './lib/clusters.mjs';
import { buildkitComponent, dockerComponent, dockerChain, dockerEnv } from './lib/docker.mjs';

const COMPONENTS = {
  k8s,
  moto,
  registry,
  buildah,
  exporter,
  prometheus,
  act,
  actionlint,
  docker: dockerComponent,
  buildkit: buildkitComponent,
};
const ORDER = [
  'k8s',
  'moto',
  'registry',
  'buildah',
  'docker',
  'buildkit',
  'exporter',
  'prometheus',
  'act',
  'actionlint',
];

// ------------------------------------------------------------------ env

export function sandboxEnv() {
  const env = {
    KUBECONFIG: FILES.adminKubeconfig,
    HAC_DEPLOYER_KUBECONFIG: FILES.deployerKubeconfig,
    HAC_K8S_NAMESPACE: NAMESPACE,
    HAC_K8S_AUDIT_LOG: FILES.auditLog,
    HAC_K8S_VERSION: VERSIONS.kubernetes,
    HAC_KUBECTL: kubectlPath(),
    AWS_ENDPOINT_URL: motoUrl(),
    AWS_REGION: AWS.region,
    AWS_DEFAULT_REGION: AWS.region,
    AWS_ACCESS_KEY_ID: AWS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: AWS.secretAccessKey,
    HAC_SANDBOX_PYTHON: VENV_PYTHON,
    HAC_REGISTRY: REGISTRY,
    HAC_BASE_IMAGE: BASE_IMAGE,
    ...buildahEnv(),
    ...dockerEnv(),
    HAC_PROMETHEUS_URL: prometheusUrl(),
    HAC_EXPORTER_URL: exporterUrl(),
    HAC_ACT: bin('act'),
    HAC_ACTIONLINT: bin('actionlint'),
    HAC_SANDBOX_RUN_DIR: RUN_DIR,
    ...fleetEnv(existingClusters()),
  };
  const packer = which('packer');
  if (packer) env.HAC_PACKER = packer;
  return env;
}

const shq = (v) => `'${String(v).replace(/'/g, `'\\''`)}'`;

// ------------------------------------------------------------------ up

function runInherit(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(cmd)} exited ${code}`)),
    );
  });
}

const PREREQ_COMMANDS = ['buildah', 'docker-registry', 'prometheus', 'busybox', 'skopeo', 'dockerd', 'runc'];

async function ensurePrereqs() {
  const missing = PREREQ_COMMANDS.filter(
    (c) => !which(c) && !(c === 'busybox' && fs.existsSync('/bin/busybox')),
  );
  if (!missing.length) return;
  log(`installing Debian packages (missing: ${missing.join(', ')})`);
  await runInherit('bash', [path.join(SANDBOX_DIR, 'install-prereqs.sh')]);
}

function buildTargets(selected) {
  const t = new Set();
  if (selected.has('actionlint')) t.add('actionlint');
  if (selected.has('act')) t.add('act');
  if (selected.has('k8s')) ['etcd', 'kwok', 'k8s'].forEach((x) => t.add(x));
  // cheap tools first, the long Kubernetes build last
  return ['actionlint', 'act', 'etcd', 'kwok', 'k8s'].filter((x) => t.has(x));
}

async function timed(timings, name, fn) {
  const start = Date.now();
  try {
    return await fn();
  } finally {
    timings[name] = (Date.now() - start) / 1000;
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** One `up` at a time: a second one waits for the first, then finds everything running. */
async function withUpLock(fn) {
  ensureDir(RUN_DIR);
  const lock = path.join(RUN_DIR, 'up.lock');
  let waited = false;
  for (;;) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(lock, 'utf8').trim());
      if (!holder || !isAlive(holder)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (!waited) log(`waiting for another "up" (pid ${holder}) to finish`);
      waited = true;
      await sleep(1000);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

async function up(names, { clusters = 1 } = {}) {
  const selected = new Set(names.length ? names : ORDER);
  if (selected.has('prometheus')) selected.add('exporter');
  if (selected.has('buildah')) selected.add('registry');
  if (selected.has('docker') || selected.has('buildkit'))
    ['registry', 'buildah', 'docker'].forEach((n) => selected.add(n));
  const started = Date.now();
  const timings = {};
  const failures = [];
  ensureDir(RUN_DIR);

  await timed(timings, 'prereqs', ensurePrereqs);

  const guard = (name, fn) =>
    fn().catch((err) => {
      failures.push({ name, err });
    });

  const chains = [];
  // Go builds (act, actionlint, etcd, kwok, kubernetes), then the cluster
  const targets = buildTargets(selected);
  chains.push(
    guard('build', async () => {
      if (targets.length) {
        await timed(timings, 'go-builds', () =>
          runInherit('bash', [path.join(SANDBOX_DIR, 'build-bins.sh'), ...targets]),
        );
      }
    }).then(async () => {
      if (failures.some((f) => f.name === 'build')) return;
      for (const n of ['act', 'actionlint', 'k8s']) {
        if (selected.has(n)) await guard(n, () => timed(timings, n, () => COMPONENTS[n].up({ clusters })));
      }
    }),
  );
  if (selected.has('moto')) chains.push(guard('moto', () => timed(timings, 'moto', () => moto.up())));
  let registryChain = Promise.resolve();
  if (selected.has('registry')) {
    chains.push(
      (registryChain = guard('registry', () => timed(timings, 'registry', () => registry.up())).then(
        async () => {
          if (selected.has('buildah') && !failures.some((f) => f.name === 'registry')) {
            await guard('buildah', () => timed(timings, 'buildah', () => buildah.up()));
          }
        },
      )),
    );
  }
  // buildx and buildkitd builds (beside the other Go builds), then dockerd once the base image is pushed
  chains.push(
    dockerChain(selected, {
      guard,
      timed: (n, fn) => timed(timings, n, fn),
      failures,
      after: registryChain,
      runInherit,
    }),
  );
  if (selected.has('exporter')) {
    chains.push(
      guard('exporter', () => timed(timings, 'exporter', () => exporter.up())).then(async () => {
        if (selected.has('prometheus'))
          await guard('prometheus', () => timed(timings, 'prometheus', () => prometheus.up()));
      }),
    );
  }
  await Promise.all(chains);

  const total = (Date.now() - started) / 1000;
  timings.total = total;
  try {
    fs.writeFileSync(
      path.join(RUN_DIR, 'last-up.json'),
      JSON.stringify({ at: new Date().toISOString(), timings }, null, 2),
    );
  } catch {
    /* best effort */
  }
  if (failures.length) {
    for (const { name, err } of failures) {
      process.stderr.write(`\n[sandbox] FAILED ${err.component ?? name}: ${err.message}\n`);
    }
    process.stderr.write(
      `\n[sandbox] up failed after ${total.toFixed(1)}s (${failures.map((f) => f.err.component ?? f.name).join(', ')})\n`,
    );
    process.exitCode = 1;
    return;
  }
  const parts = Object.entries(timings)
    .filter(([k]) => k !== 'total')
    .map(([k, v]) => `${k} ${v.toFixed(1)}s`)
    .join(', ');
  log(`up: all components ready in ${total.toFixed(1)}s (${parts})`);
  log(`load the environment with: eval "$(npm run --silent sandbox -- env)"`);
}

// ------------------------------------------------------------------ down / status

async function down(names) {
  const selected = names.length ? names : [...ORDER].reverse();
  for (const n of selected) {
    const c = COMPONENTS[n];
    if (!c) throw new Error(`unknown component ${n} (known: ${ORDER.join(', ')})`);
    if (c.oneShot) continue;
    const stopped = await c.down();
    log(`${n}: ${stopped ? 'stopped' : 'not running'}`);
  }
}

async function componentStatus(c) {
  const name = c.name;
  const pids = c.pids();
  let state;
  let reason;
  if (!c.oneShot && pids.length === 0) {
    state = 'stopped';
  } else {
    try {
      await c.health();
      state = c.oneShot ? 'ready' : 'running';
    } catch (err) {
      state = c.oneShot ? 'missing' : 'unhealthy';
      reason = err.message.split('\n')[0];
    }
  }
  const allPids = pids.flatMap((p) => descendants(p));
  const rss = allPids.reduce((a, p) => a + rssKiB(p), 0);
  return { name, state, reason, pids: allPids, rssMiB: Math.round(rss / 102.4) / 10, detail: c.detail() };
}

async function status(json) {
  // the clusters of `up --clusters N` beyond the first are rows of their own, after k8s
  const components = ORDER.flatMap((n) =>
    n === 'k8s' ? [k8s, ...extraClusterComponents()] : [COMPONENTS[n]],
  );
  const rows = await Promise.all(components.map(componentStatus));
  const totalMiB = Math.round(rows.reduce((a, r) => a + r.rssMiB, 0) * 10) / 10;
  if (json) {
    process.stdout.write(JSON.stringify({ components: rows, totalRssMiB: totalMiB }, null, 2) + '\n');
    return;
  }
  for (const r of rows) {
    const mem = r.pids.length ? ` ${r.rssMiB} MiB` : '';
    process.stdout.write(
      `${r.name.padEnd(11)} ${r.state.padEnd(10)}${mem.padEnd(12)} ${r.detail}${r.reason ? `\n            ${r.reason}` : ''}\n`,
    );
  }
  process.stdout.write(`${'total RSS'.padEnd(22)} ${totalMiB} MiB\n`);
}

// ------------------------------------------------------------------ main

function usage() {
  return `usage: npm run sandbox -- <command>
  up [component...] [--clusters N]
                           install what is missing and start what is not running; with --clusters N
                           (or ${CLUSTERS_VAR}=N) kwok clusters 2..N beside cluster 1 (default 1)
  down [component...]      stop what up started (down k8s: every cluster)
  status [--json]          state of each component
  env [--json]             export lines (or JSON) for the test environment
  fail-pods <namespace> <labelSelector> [readiness|crash|recover]
  restart-apiserver [--cluster N] [--down-seconds N] [--kill]
components: ${ORDER.join(', ')}
cache: ${CACHE_DIR} (binaries ${BIN_DIR}, venv ${VENV_DIR}, run state ${RUN_DIR})
ports: ${Object.entries(PORTS)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}
`;
}

async function main(argv) {
  const { cmd, positional, values } = parseCli(argv);
  const flags = new Set(Object.keys(values).map((k) => `--${k}`));
  switch (cmd) {
    case 'up': {
      for (const n of positional) if (!COMPONENTS[n]) throw new Error(`unknown component ${n}`);
      const clusters = clusterCount(values.clusters);
      return withUpLock(() => up(positional, { clusters }));
    }
    case 'down':
      return down(positional);
    case 'status':
      return status(flags.has('--json'));
    case 'env': {
      const env = sandboxEnv();
      if (flags.has('--json')) {
        process.stdout.write(JSON.stringify(env, null, 2) + '\n');
      } else {
        for (const [k, v] of Object.entries(env)) process.stdout.write(`export ${k}=${shq(v)}\n`);
      }
      return;
    }
    case 'fail-pods': {
      const [ns, selector, mode = 'readiness'] = positional;
      const pods = await failPods(ns, selector, mode);
      log(`fail-pods: ${mode} applied to ${pods.length} pod(s): ${pods.join(', ')}`);
      return;
    }
    case 'restart-apiserver':
      return restartApiserver({
        cluster: values.cluster ?? '1',
        downSeconds: downSeconds(values['down-seconds']),
        kill: values.kill === true,
      });
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage());
      return;
    default:
      process.stderr.write(usage());
      throw new Error(`unknown command ${cmd}`);
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`[sandbox] ${err.message}\n`);
  process.exitCode = 1;
});
