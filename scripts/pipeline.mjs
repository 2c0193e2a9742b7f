#!/usr/bin/env node
// npm run pipeline -- [template] [--version X] [--bad] [--bad-cluster N] [--no-baseline]
//
// Runs a template workflow from workflows-templates/ with act on this host (-P ubuntu-latest=-self-hosted)
// against the local sandbox. `org/hac/...@v1` is mapped to this working tree; the pinned third-party
// setup actions are mapped to local stand-ins (scripts/pipeline/stand-ins/, see its README); vars
// and secrets come from `npm run sandbox -- env`. Gate URLs point at local ipsvc processes that stand
// in for the stable, canary, preview and live endpoints (the sandbox's pods do not run containers).
//
// With no arguments: deploys ipsvc 1.0.0, then releases 2.0.0 with k8s-canary, and prints the summary.
// --bad releases a version whose health check fails: the run must end in rollback and fail.
// fleet: the fleet template over the sandbox's clusters (wave 0 cluster 1, wave 1 the others), with
// fleet and k8s-canary bundles built from this tree (scripts/pipeline/fleet.mjs); --bad-cluster N
// makes cluster N's canary gate fail in wave 1: every cluster must end on the previous version.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PINS, HAC_REPO, HAC_REF } from './pipeline/pins.mjs';
import { prepareEc2 } from './pipeline/ec2.mjs';
import { checkBadCluster, prepareFleet } from './pipeline/fleet.mjs';
import { linkedCheckout } from './pipeline/checkout.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export { prepareEc2 };

export const TEMPLATES = ['k8s-canary', 'k8s-bluegreen', 'ec2-immutable', 'full-pipeline', 'fleet'];

/** Per-template settings of local runs: each template deploys its own app, so runs do not collide. */
export const TEMPLATE_VARS = {
  'k8s-canary': { APP_NAME: 'ipsvc', CANARY_PAUSE: '3s' },
  'k8s-bluegreen': { APP_NAME: 'ipsvc-bg', KEEP_OLD_FOR: '0s' },
  // The stand-in endpoint answers at once: a bad release's gate need not wait the 5m default.
  'ec2-immutable': { HEALTH_WAIT: '20s' },
  'full-pipeline': { APP_NAME: 'ipsvc-full', CANARY_PAUSE: '3s', KEEP_OLD_FOR: '0s' },
  fleet: {
    APP_NAME: 'ipsvc-fleet',
    REPLICAS: '2',
    CANARY_STEPS: '25,100',
    CANARY_PAUSE: '2s',
    WAVE_STEPS: '50,100',
    WAVE_PAUSE: '1s',
  },
};

export function parseArgs(argv) {
  const opts = {
    template: 'k8s-canary',
    version: undefined,
    bad: false,
    badCluster: undefined,
    baseline: true,
    quiet: false,
  };
  const rest = [...argv];
  while (rest.length) {
    const a = rest.shift();
    if (a === '--version') opts.version = rest.shift();
    else if (a === '--bad') opts.bad = true;
    else if (a === '--bad-cluster') opts.badCluster = Number(rest.shift());
    else if (a === '--no-baseline') opts.baseline = false;
    else if (a === '--quiet') opts.quiet = true;
    else if (!a.startsWith('-') && TEMPLATES.includes(a.replace(/\.yml$/, '')))
      opts.template = a.replace(/\.yml$/, '');
    else
      throw new Error(
        `unknown argument ${JSON.stringify(a)}; usage: npm run pipeline -- [${TEMPLATES.join('|')}] [--version X] [--bad] [--bad-cluster N]`,
      );
  }
  if (opts.badCluster !== undefined && opts.template !== 'fleet')
    throw new Error('--bad-cluster N is for the fleet template: npm run pipeline -- fleet --bad-cluster 2');
  if (opts.badCluster !== undefined) checkBadCluster(opts.badCluster, Number.MAX_SAFE_INTEGER);
  return opts;
}

function sandboxEnv() {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/sandbox/cli.mjs'), 'env', '--json'], {
    encoding: 'utf8',
  });
  if (r.status !== 0)
    throw new Error(`the sandbox is not up (${r.stderr.trim()}). Run: npm run sandbox -- up`);
  return JSON.parse(r.stdout);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Builds the ipsvc binary once into the sandbox cache; it serves the stand-in endpoints. */
export function ipsvcBinary() {
  const out = path.join(os.homedir(), '.cache', 'hac', 'bin', 'ipsvc');
  const src = path.join(repoRoot, 'examples', 'ipsvc', 'main.go');
  if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(src).mtimeMs) {
    fs.mkdirSync(path.dirname(out), { recursive: true });
    const r = spawnSync('go', ['build', '-trimpath', '-o', out, '.'], {
      cwd: path.join(repoRoot, 'examples', 'ipsvc'),
      env: { ...process.env, CGO_ENABLED: '0' },
      stdio: 'inherit',
    });
    if (r.status !== 0) throw new Error('go build of examples/ipsvc failed');
  }
  return out;
}

/** Starts an ipsvc process on loopback standing in for one endpoint. */
export async function startEndpoint(version, { failHealth = false } = {}) {
  const port = await freePort();
  const child = spawn(ipsvcBinary(), [], {
    env: { PORT: String(port), HOST: '127.0.0.1', VERSION: version, FAIL_HEALTH: failHealth ? '1' : '' },
    stdio: 'ignore',
  });
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

function dotenv(values) {
  return Object.entries(values)
    .map(([k, v]) => `${k}="${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join('\n');
}

/** The act command line for one run. Secrets are passed in a 0600 file, never on argv. */
export function actArgs({
  workflow,
  eventPath,
  secretFile,
  varFile,
  envFile,
  event = 'workflow_dispatch',
  hacDir = repoRoot,
}) {
  const args = [
    event,
    '-W',
    workflow,
    '-e',
    eventPath,
    '-P',
    'ubuntu-latest=-self-hosted',
    '--secret-file',
    secretFile,
    '--var-file',
    varFile,
    '--env-file',
    envFile,
    '--local-repository',
    `${HAC_REPO}@${HAC_REF}=${hacDir}`,
    '--action-offline-mode',
  ];
  for (const [repo, pin] of Object.entries(PINS)) {
    args.push(
      '--local-repository',
      `${repo}@${pin.sha}=${path.join(repoRoot, 'scripts', 'pipeline', 'stand-ins', pin.standIn)}`,
    );
  }
  return args;
}

/** Runs one template once; resolves with { code, summary, log }. */
export async function runTemplate({
  template,
  version,
  bad = false,
  badCluster = undefined,
  sandbox,
  quiet = false,
  stable = '1.0.0',
  extraVars = {},
}) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `hac-pipeline-${template}-`));
  const endpoints = [];
  let standIn;
  try {
    if (template === 'ec2-immutable') {
      extraVars = { ...(await prepareEc2(sandbox)), ...extraVars };
      // moto's instances do not boot: a helper powers the build instance off, as its user-data would.
      standIn = spawn(
        process.execPath,
        [path.join(repoRoot, 'scripts/pipeline/instance-stand-in.mjs'), '--for', '900'],
        {
          env: {
            ...process.env,
            AWS_ENDPOINT_URL: sandbox.AWS_ENDPOINT_URL,
            AWS_REGION: sandbox.AWS_REGION,
            AWS_ACCESS_KEY_ID: sandbox.AWS_ACCESS_KEY_ID,
            AWS_SECRET_ACCESS_KEY: sandbox.AWS_SECRET_ACCESS_KEY,
          },
          stdio: 'ignore',
        },
      );
    }
    const stableEp = await startEndpoint(stable);
    const newEp = await startEndpoint(version, { failHealth: bad });
    endpoints.push(stableEp, newEp);
    let kubeconfig = sandbox.HAC_DEPLOYER_KUBECONFIG;
    let hacDir = linkedCheckout(repoRoot, path.join(work, 'hac'));
    if (template === 'fleet') {
      const fleet = await prepareFleet({
        sandbox,
        version,
        badCluster,
        stableEp,
        newEp,
        startEndpoint,
        repoRoot,
      });
      endpoints.push(...fleet.endpoints);
      extraVars = { FLEET: fleet.FLEET, ...extraVars };
      ({ kubeconfig, hacDir } = fleet);
    }
    const summaryFile = path.join(work, 'summary.md');
    const secretFile = path.join(work, 'secrets');
    const varFile = path.join(work, 'vars');
    const envFile = path.join(work, 'env');
    const eventPath = path.join(work, 'event.json');
    fs.writeFileSync(secretFile, dotenv({ KUBE_CONFIG: fs.readFileSync(kubeconfig, 'utf8') }), {
      mode: 0o600,
    });
    fs.writeFileSync(
      varFile,
      dotenv({
        REGISTRY: sandbox.HAC_REGISTRY,
        IMAGE_NAME: 'hac/ipsvc',
        K8S_NAMESPACE: sandbox.HAC_K8S_NAMESPACE,
        AWS_REGION: sandbox.AWS_REGION,
        AWS_ROLE_ARN: 'arn:aws:iam::123456789012:role/hac-deployer',
        PROMETHEUS_URL: sandbox.HAC_PROMETHEUS_URL,
        STAGING_K8S_NAMESPACE: 'hac-staging',
        ...TEMPLATE_VARS[template],
        ...extraVars,
        // Stand-in endpoints: the new version's URL serves canary, preview and post-release checks.
        STABLE_URL: stableEp.url,
        CANARY_URL: newEp.url,
        PREVIEW_URL: newEp.url,
        LIVE_URL: newEp.url,
        STAGING_URL: newEp.url,
        INSTANCE_HEALTH_URL: `${newEp.url}/healthz`,
        EIP_HEALTH_URL: `${newEp.url}/healthz`,
        GRACE: '0s',
      }),
    );
    fs.writeFileSync(
      envFile,
      dotenv({
        HAC_SUMMARY_FILE: summaryFile,
        HAC_STANDIN_ARTIFACTS: path.join(work, 'artifacts'),
        HAC_STANDIN_AWS_ACCESS_KEY_ID: sandbox.AWS_ACCESS_KEY_ID,
        HAC_STANDIN_AWS_SECRET_ACCESS_KEY: sandbox.AWS_SECRET_ACCESS_KEY,
        HAC_STANDIN_AWS_ENDPOINT_URL: sandbox.AWS_ENDPOINT_URL,
        // What an operator configures on a self-hosted runner without Docker: buildah's storage and
        // the insecure local registry.
        CONTAINERS_REGISTRIES_CONF: sandbox.CONTAINERS_REGISTRIES_CONF ?? '',
        CONTAINERS_STORAGE_CONF: sandbox.CONTAINERS_STORAGE_CONF ?? '',
        BUILDAH_ISOLATION: sandbox.BUILDAH_ISOLATION ?? 'chroot',
      }),
    );
    fs.writeFileSync(eventPath, JSON.stringify({ inputs: { version }, ref: 'refs/heads/main' }));
    const args = actArgs({
      workflow: path.join(repoRoot, 'workflows-templates', `${template}.yml`),
      eventPath,
      secretFile,
      varFile,
      envFile,
      hacDir,
    });
    const started = Date.now();
    const logLines = [];
    const code = await new Promise((resolve) => {
      const child = spawn(sandbox.HAC_ACT, args, {
        cwd: repoRoot,
        env: process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const onData = (buf) => {
        const text = buf.toString();
        for (const line of text.split('\n'))
          if (line && !/unable to get git (ref|revision)/.test(line)) {
            logLines.push(line);
            if (!quiet) process.stderr.write(`${line}\n`);
          }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('exit', (c) => resolve(c ?? 1));
    });
    const summary = fs.existsSync(summaryFile) ? fs.readFileSync(summaryFile, 'utf8') : '';
    return { code, summary, log: logLines.join('\n'), wallMs: Date.now() - started };
  } finally {
    standIn?.kill('SIGTERM');
    for (const ep of endpoints) ep.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const sandbox = sandboxEnv();
  const runs = [];
  if ((opts.template.startsWith('k8s') || opts.template === 'fleet') && opts.baseline && !opts.version) {
    runs.push({ version: '1.0.0', bad: false, label: 'deploy ipsvc 1.0.0' });
  }
  const failing = opts.bad || opts.badCluster !== undefined;
  const version = opts.version ?? (failing ? '3.0.0' : '2.0.0');
  const badLabel = opts.bad
    ? ' (a bad release)'
    : opts.badCluster
      ? ` (cluster ${opts.badCluster} fails its gate)`
      : '';
  runs.push({
    version,
    bad: opts.bad,
    badCluster: opts.badCluster,
    label: `release ipsvc ${version}${badLabel}`,
  });
  let last = 0;
  for (const run of runs) {
    console.error(`\n=== ${opts.template}: ${run.label} ===`);
    const r = await runTemplate({
      template: opts.template,
      version: run.version,
      bad: run.bad,
      badCluster: run.badCluster,
      sandbox,
      quiet: opts.quiet,
    });
    console.log(
      `\n## ${opts.template}: ${run.label} — ${r.code === 0 ? 'succeeded' : 'failed'} in ${(r.wallMs / 1000).toFixed(1)} s\n`,
    );
    console.log(r.summary || '(no job summary)');
    if (r.code !== 0 && opts.quiet) {
      const errors = r.log.split('\n').filter((l) => /❌|::error|Error:/.test(l));
      console.log(`\nWhat failed:\n${errors.slice(-15).join('\n')}`);
    }
    last = r.code;
    if (r.code !== 0) break;
  }
  process.exitCode = last;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    console.error(`pipeline: ${err.message}`);
    process.exitCode = 1;
  });
}
