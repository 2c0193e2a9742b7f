import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireSandbox, REPO_ROOT, type SandboxEnv } from '../support/sandbox.js';

// A new user's first command: `./hac demo` in a plain clone, in a folder with nothing beside it
// (no shared/ or any other sibling), with none of this checkout's node_modules or npm environment.
// The sandbox's binaries and services live under ~/.cache/hac, so the clone's `up` finds them
// running and reuses them. Checked with kubectl and the registry's HTTP API.
let sb: SandboxEnv;
beforeAll(() => {
  sb = requireSandbox(['k8s', 'registry', 'buildah', 'act']);
});

/** The environment of a fresh shell: no npm_* variables, no node_modules/.bin of this checkout. */
function plainEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('npm_') && !k.startsWith('HAC_') && !k.startsWith('JEST') && k !== 'NODE_OPTIONS')
      env[k] = v;
  env.PATH = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((p) => !p.includes('node_modules'))
    .join(path.delimiter);
  return env;
}

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: plainEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

describe('./hac demo from a plain clone', () => {
  test('a clone with nothing beside it installs, finds the sandbox and releases ipsvc 2.0.0', async () => {
    const top = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-clone-'));
    const clone = path.join(top, 'hac');
    try {
      execFileSync('git', ['clone', '--quiet', REPO_ROOT, clone]);
      expect(fs.readdirSync(top)).toEqual(['hac']);
      const demo = await run('./hac', ['demo'], clone);
      expect([demo.code, demo.code === 0 ? '' : demo.out.slice(-4000)]).toEqual([0, '']);
      expect(demo.out).toMatch(/k8s-canary promote: ipsvc/);
      // Independent checks: the stable Deployment runs the 2.0.0 image by its registry digest.
      const res = await fetch(`http://${sb.registry}/v2/hac/ipsvc/manifests/2.0.0`, {
        method: 'HEAD',
        headers: {
          accept:
            'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.index.v1+json',
        },
      });
      expect(res.status).toBe(200);
      const image = execFileSync(
        sb.kubectl,
        [
          '--kubeconfig',
          sb.kubeconfig,
          '-n',
          sb.namespace,
          'get',
          'deploy',
          'ipsvc',
          '-o',
          'jsonpath={.spec.template.spec.containers[0].image}',
        ],
        { encoding: 'utf8' },
      );
      expect(image).toBe(`${sb.registry}/hac/ipsvc@${res.headers.get('docker-content-digest')}`);
    } finally {
      fs.rmSync(top, { recursive: true, force: true });
    }
  }, 1_500_000);
});
