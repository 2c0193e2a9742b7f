#!/usr/bin/env node
// Checks that sandbox components answer, using the endpoints in this
// process's environment (the `sandbox env` variables, or overrides that
// point at real services). Prints JSON { ok, results: [{ name, ok, reason }] }
// and exits 0 when every requested component answered, 1 otherwise.
//
//   node scripts/sandbox/check.mjs k8s fleet moto registry buildah docker buildkit prometheus exporter act actionlint
import { execFile } from 'node:child_process';
import fs from 'node:fs';

const env = process.env;
const ALIASES = { aws: 'moto', ec2: 'moto', kubernetes: 'k8s', metrics: 'prometheus' };

function need(name) {
  const v = env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

/**
 * Runs a command without blocking: the checks run at once, and a synchronous spawn would hold up
 * the event loop, so that the other checks' request deadlines fired before their answers were read
 * (a loaded machine takes seconds to start the docker CLI three times).
 */
function spawnAsync(cmd, args, { env: cmdEnv = env, timeout = 10000 } = {}) {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', env: cmdEnv, timeout }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ status, stdout, stderr, error: err && status === null ? err : undefined });
    });
  });
}

async function sh(cmd, args, timeout = 10000) {
  const r = await spawnAsync(cmd, args, { timeout });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  return r.stdout;
}

async function get(url, init = {}) {
  let res;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(4000), ...init });
  } catch (err) {
    throw new Error(
      `${init.method ?? 'GET'} ${url}: ${err.cause?.code ?? err.cause?.message ?? err.message}`,
    );
  }
  const body = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} -> HTTP ${res.status}`);
  return body;
}

function executable(file) {
  fs.accessSync(file, fs.constants.X_OK);
}

const checks = {
  async k8s() {
    const kubectl = env.HAC_KUBECTL || 'kubectl';
    const out = await sh(kubectl, ['--kubeconfig', need('KUBECONFIG'), 'get', '--raw', '/readyz']);
    if (out.trim() !== 'ok') throw new Error(`/readyz: ${out.trim()}`);
    if (!fs.existsSync(need('HAC_DEPLOYER_KUBECONFIG'))) throw new Error('deployer kubeconfig missing');
  },
  /** the clusters of `up k8s --clusters 3`: each context of the fleet kubeconfig answers */
  async fleet() {
    const kubectl = env.HAC_KUBECTL || 'kubectl';
    const kubeconfig = need('HAC_SANDBOX_FLEET_KUBECONFIG');
    const contexts = need('HAC_SANDBOX_FLEET_CONTEXTS').split(',');
    if (contexts.length < 3) {
      throw new Error(
        `${contexts.length} cluster(s) (${contexts.join(', ')}); fleet tests need 3: npm run sandbox -- up k8s --clusters 3`,
      );
    }
    for (const [i, ctx] of contexts.entries()) {
      const out = await sh(kubectl, [
        '--kubeconfig',
        kubeconfig,
        '--context',
        ctx,
        'get',
        '--raw',
        '/readyz',
      ]);
      if (out.trim() !== 'ok') throw new Error(`${ctx} /readyz: ${out.trim()}`);
      if (!fs.existsSync(need(`HAC_SANDBOX_KUBECONFIG_DEPLOYER_${i + 1}`)))
        throw new Error(`deployer kubeconfig of ${ctx} missing`);
    }
  },
  async moto() {
    const body = await get(`${need('AWS_ENDPOINT_URL').replace(/\/$/, '')}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `AWS4-HMAC-SHA256 Credential=${env.AWS_ACCESS_KEY_ID || 'testing'}/20250101/${env.AWS_REGION || 'us-east-1'}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: 'Action=DescribeRegions&Version=2016-11-15',
    });
    if (!body.includes('DescribeRegionsResponse')) throw new Error('EC2 DescribeRegions gave no answer');
  },
  async registry() {
    await get(`http://${need('HAC_REGISTRY')}/v2/`);
  },
  async buildah() {
    await sh('buildah', ['--version']);
    const ref = need('HAC_BASE_IMAGE');
    const slash = ref.indexOf('/');
    const colon = ref.lastIndexOf(':');
    await get(
      `http://${ref.slice(0, slash)}/v2/${ref.slice(slash + 1, colon)}/manifests/${ref.slice(colon + 1)}`,
      {
        method: 'HEAD',
        headers: {
          accept:
            'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json',
        },
      },
    );
  },
  async prometheus() {
    await get(`${need('HAC_PROMETHEUS_URL')}/-/ready`);
  },
  async exporter() {
    await get(`${need('HAC_EXPORTER_URL')}/healthz`);
  },
  async docker() {
    const dockerEnv = { ...env, DOCKER_HOST: need('HAC_DOCKER_HOST') };
    const r = await spawnAsync('docker', ['info', '--format', '{{.ServerVersion}}'], { env: dockerEnv });
    if (r.status !== 0)
      throw new Error(`docker info (${dockerEnv.DOCKER_HOST}): ${(r.stderr || '').trim().split('\n').pop()}`);
    const bx = await spawnAsync('docker', ['buildx', 'version'], { env: dockerEnv });
    if (bx.status !== 0)
      throw new Error(`docker buildx version: ${(bx.stderr || '').trim().split('\n').pop()}`);
  },
  async buildkit() {
    const builder = need('HAC_BUILDKIT_BUILDER');
    const r = await spawnAsync('docker', ['buildx', 'inspect', builder], { timeout: 15000 });
    if (r.status !== 0 || !/Status:\s+running/.test(r.stdout))
      throw new Error(
        `docker buildx inspect ${builder}: ${(r.stderr || r.stdout || '').trim().split('\n').pop()}`,
      );
  },
  async act() {
    executable(need('HAC_ACT'));
  },
  async actionlint() {
    executable(need('HAC_ACTIONLINT'));
  },
};

const names = [...new Set(process.argv.slice(2).map((n) => ALIASES[n] ?? n))];
const results = await Promise.all(
  names.map(async (name) => {
    const check = checks[name];
    if (!check)
      return { name, ok: false, reason: `unknown component (known: ${Object.keys(checks).join(', ')})` };
    try {
      await check();
      return { name, ok: true };
    } catch (err) {
      return { name, ok: false, reason: err.message };
    }
  }),
);
const ok = results.every((r) => r.ok);
process.stdout.write(JSON.stringify({ ok, results }) + '\n');
process.exitCode = ok ? 0 : 1;
