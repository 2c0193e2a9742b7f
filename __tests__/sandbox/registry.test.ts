// buildah builds a Dockerfile with a RUN step on the local busybox base and
// pushes to the sandbox registry; the registry's HTTP API reports the digest.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { requireSandbox, sandboxProcessEnv, uniqueName, type SandboxEnv } from '../support/sandbox.js';

let sb: SandboxEnv;
let dir: string;
const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

function buildah(args: string[]): string {
  const res = spawnSync('buildah', args, { encoding: 'utf8', env: sandboxProcessEnv(sb), timeout: 180000 });
  if (res.status !== 0) throw new Error(`buildah ${args.join(' ')} failed (${res.status}): ${res.stderr}`);
  return res.stdout;
}

describe('sandbox registry and buildah', () => {
  const repo = `hac/${uniqueName('sbx-img')}`;
  const tag = 'v1';
  let ref: string;

  beforeAll(() => {
    sb = requireSandbox(['registry', 'buildah']);
    ref = `${sb.registry}/${repo}:${tag}`;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-sbx-build-'));
  });

  afterAll(() => {
    if (!sb) return;
    spawnSync('buildah', ['rmi', '-f', ref], { env: sandboxProcessEnv(sb) });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('build with a RUN step, push, read the digest back from the registry', async () => {
    const marker = uniqueName('marker');
    fs.writeFileSync(
      path.join(dir, 'Dockerfile'),
      `FROM ${sb.baseImage}\nRUN echo "${marker}" > /built.txt && test -s /built.txt\nCMD ["cat", "/built.txt"]\n`,
    );
    buildah(['build', '--quiet', '-t', ref, '-f', path.join(dir, 'Dockerfile'), dir]);
    const digestFile = path.join(dir, 'digest');
    buildah(['push', '--quiet', '--digestfile', digestFile, ref, `docker://${ref}`]);
    const pushed = fs.readFileSync(digestFile, 'utf8').trim();
    expect(pushed).toMatch(/^sha256:[0-9a-f]{64}$/);

    const head = await fetch(`http://${sb.registry}/v2/${repo}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { accept: MANIFEST_TYPES },
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('docker-content-digest')).toBe(pushed);

    // the RUN step's output is in the top layer
    const manifestRes = await fetch(`http://${sb.registry}/v2/${repo}/manifests/${pushed}`, {
      headers: { accept: MANIFEST_TYPES },
    });
    expect(manifestRes.status).toBe(200);
    const manifest = (await manifestRes.json()) as { layers: { digest: string; mediaType: string }[] };
    expect(manifest.layers.length).toBeGreaterThanOrEqual(2);
    const top = manifest.layers[manifest.layers.length - 1]!;
    const blob = Buffer.from(
      await (await fetch(`http://${sb.registry}/v2/${repo}/blobs/${top.digest}`)).arrayBuffer(),
    );
    const tar = top.mediaType.endsWith('gzip') ? gunzipSync(blob) : blob;
    expect(tar.toString('latin1')).toContain(marker);

    const tags = (await (await fetch(`http://${sb.registry}/v2/${repo}/tags/list`)).json()) as {
      tags: string[];
    };
    expect(tags.tags).toEqual([tag]);

    // deletes are enabled; a deleted manifest is gone
    const del = await fetch(`http://${sb.registry}/v2/${repo}/manifests/${pushed}`, { method: 'DELETE' });
    expect(del.status).toBe(202);
    const gone = await fetch(`http://${sb.registry}/v2/${repo}/manifests/${tag}`, {
      method: 'HEAD',
      headers: { accept: MANIFEST_TYPES },
    });
    expect(gone.status).toBe(404);
  }, 240000);
});
