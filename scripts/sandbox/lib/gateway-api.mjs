// The Gateway API CRDs (standard channel) the sandbox installs, taken from the
// sigs.k8s.io/gateway-api Go module through the Go module cache, as envtest users load them:
// `go mod download -json sigs.k8s.io/gateway-api@VERSION`, then config/crd/standard/ in its Dir.
// Needs only Go and the module proxy (or a module cache that already holds the version).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from './proc.mjs';

export const GATEWAY_API_MODULE = 'sigs.k8s.io/gateway-api';
export const GATEWAY_API_VERSION = process.env.HAC_GATEWAY_API_VERSION || 'v1.6.1';
const VERSION_FORM = /^v1\.6\.\d+$/;

/** The CRDs the sandbox waits for once they are applied. */
export const GATEWAY_API_CRDS = [
  'crd/httproutes.gateway.networking.k8s.io',
  'crd/gateways.gateway.networking.k8s.io',
];

export function checkGatewayApiVersion(version) {
  if (!VERSION_FORM.test(version)) {
    throw new Error(
      `HAC_GATEWAY_API_VERSION: got ${JSON.stringify(version)}; expected a v1.6.x release of ${GATEWAY_API_MODULE}, e.g. v1.6.1`,
    );
  }
  return version;
}

/** The module's Dir from the output of `go mod download -json`; throws naming what went wrong. */
export function moduleDir(json, version) {
  let info;
  try {
    info = JSON.parse(json);
  } catch {
    throw new Error(`go mod download -json ${GATEWAY_API_MODULE}@${version} printed no JSON`);
  }
  if (info.Error) throw new Error(`go mod download ${GATEWAY_API_MODULE}@${version}: ${info.Error}`);
  if (typeof info.Dir !== 'string' || info.Dir === '') {
    throw new Error(`go mod download -json ${GATEWAY_API_MODULE}@${version} gave no Dir`);
  }
  return info.Dir;
}

/** The manifests of config/crd/standard/ in the module directory, sorted. */
export function standardManifests(dir) {
  const crdDir = path.join(dir, 'config', 'crd', 'standard');
  const files = fs.existsSync(crdDir)
    ? fs
        .readdirSync(crdDir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
    : [];
  if (!files.some((f) => f.includes('httproutes'))) {
    throw new Error(`${crdDir} holds no Gateway API CRDs (expected the standard channel manifests)`);
  }
  return files.map((f) => path.join(crdDir, f));
}

/**
 * Downloads the module into the Go module cache (a no-op when it is there) and returns the
 * standard-channel manifests. run is proc.mjs's run, injectable for tests.
 */
export async function gatewayApiManifests({ version = GATEWAY_API_VERSION, runCmd = run } = {}) {
  checkGatewayApiVersion(version);
  // Outside any module, so that no go.mod is read or changed.
  const res = await runCmd('go', ['mod', 'download', '-json', `${GATEWAY_API_MODULE}@${version}`], {
    cwd: os.tmpdir(),
    env: { ...process.env, GO111MODULE: 'on', GOFLAGS: '' },
    allowFail: true,
    timeoutMs: 300000,
  });
  if (res.code !== 0 && !res.stdout.trim()) {
    throw new Error(
      `go mod download ${GATEWAY_API_MODULE}@${version} exited ${res.code}: ${res.stderr.trim()}; it needs Go and the module proxy (GOPROXY) or a module cache that holds the version`,
    );
  }
  return standardManifests(moduleDir(res.stdout, version));
}
