// The sandbox takes the Gateway API CRDs from the sigs.k8s.io/gateway-api Go module (module
// cache), so a clone with nothing beside it can install them. Checked with kubectl.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT, requireSandbox, type SandboxEnv } from '../support/sandbox.js';

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}
type RunCmd = (cmd: string, args: string[], opts: object) => Promise<RunResult>;
const lib = (await import(path.join(REPO_ROOT, 'scripts/sandbox/lib/gateway-api.mjs'))) as {
  GATEWAY_API_VERSION: string;
  checkGatewayApiVersion: (v: string) => string;
  moduleDir: (json: string, version: string) => string;
  gatewayApiManifests: (opts?: { version?: string; runCmd?: RunCmd }) => Promise<string[]>;
};

function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const res = spawnSync(cmd, args, { encoding: 'utf8', timeout: 240_000, ...opts });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${res.stderr || res.stdout}`);
  return res.stdout.trim();
}

describe('Gateway API CRDs from the Go module', () => {
  test.each([['v1.5.0'], ['1.6.1'], ['v1.6'], ['latest'], ['v1.6.1; rm -rf /']])(
    'version %s is refused, naming the variable and the expected form',
    (v) => {
      expect(() => lib.checkGatewayApiVersion(v)).toThrow(
        `HAC_GATEWAY_API_VERSION: got ${JSON.stringify(v)}; expected a v1.6.x release of sigs.k8s.io/gateway-api`,
      );
    },
  );

  test.each([
    ['not json', /printed no JSON/],
    ['{"Error":"unknown revision v1.6.99"}', /unknown revision v1\.6\.99/],
    ['{"Path":"sigs.k8s.io/gateway-api"}', /gave no Dir/],
  ])('go mod download output %s is reported', (json, err) => {
    expect(() => lib.moduleDir(json, 'v1.6.1')).toThrow(err);
  });

  test('a failing go command is reported with what it needs', async () => {
    const runCmd: RunCmd = async () => ({ code: 1, stdout: '', stderr: 'dial tcp: no route to host' });
    await expect(lib.gatewayApiManifests({ runCmd })).rejects.toThrow(
      /exited 1: dial tcp: no route to host; it needs Go and the module proxy/,
    );
  });

  test('the manifests are the standard channel of v1.6.1, in the Go module cache', async () => {
    const files = await lib.gatewayApiManifests();
    const modCache = sh('go', ['env', 'GOMODCACHE']);
    const dir = path.join(
      modCache,
      `sigs.k8s.io/gateway-api@${lib.GATEWAY_API_VERSION}`,
      'config/crd/standard',
    );
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      expect(path.dirname(f)).toBe(dir);
      const text = fs.readFileSync(f, 'utf8');
      expect(text).toContain('gateway.networking.k8s.io/channel: standard');
      expect(text).toContain('gateway.networking.k8s.io/bundle-version: v1.6.1');
    }
    expect(files.map((f) => path.basename(f))).toEqual(
      expect.arrayContaining([
        'gateway.networking.k8s.io_gateways.yaml',
        'gateway.networking.k8s.io_httproutes.yaml',
      ]),
    );
  });
});

describe('a clone with no shared/ beside it installs the CRDs on the sandbox', () => {
  let sb: SandboxEnv;
  let tmp: string;
  const kubectl = (...args: string[]) => sh(sb.kubectl, ['--kubeconfig', sb.kubeconfig, ...args]);
  beforeAll(() => {
    sb = requireSandbox(['k8s']);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-clone-'));
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test("the clone's sandbox CRD step (re)creates a deleted Gateway API CRD", () => {
    const clone = path.join(tmp, 'hac');
    sh('git', ['clone', '--quiet', REPO_ROOT, clone]);
    expect(fs.existsSync(path.join(tmp, 'shared'))).toBe(false);
    // UDPRoute is used by no hac test; deleting it shows that the clone really applies the CRDs.
    const crd = 'crd/udproutes.gateway.networking.k8s.io';
    kubectl('delete', crd, '--ignore-not-found', '--wait=true');
    const env = { ...process.env, KUBECONFIG: sb.kubeconfig };
    const script =
      "const { applyGatewayApiCrds } = await import('./scripts/sandbox/lib/k8s.mjs');" +
      'console.log(JSON.stringify(await applyGatewayApiCrds()));';
    const out = sh(process.execPath, ['--input-type=module', '-e', script], { cwd: clone, env });
    const applied = JSON.parse(out.split('\n').pop() ?? '[]') as string[];
    expect(applied.filter((f) => /shared/.test(f))).toEqual([]);
    expect(
      kubectl('get', crd, '-o', 'jsonpath={.metadata.annotations.gateway\\.networking\\.k8s\\.io/channel}'),
    ).toBe('standard');
    expect(kubectl('get', 'crd', 'gateways.gateway.networking.k8s.io', '-o', 'name')).toBe(
      'customresourcedefinition.apiextensions.k8s.io/gateways.gateway.networking.k8s.io',
    );
    const managers = kubectl(
      'get',
      crd,
      '--show-managed-fields',
      '-o',
      'jsonpath={.metadata.managedFields[*].manager}',
    );
    expect(managers).toContain('hac-sandbox');
  }, 300_000);
});
