// build-push-action's names on both engines against the sandbox: a named build context, a file
// secret (in no layer), a manifest annotation (read from the registry), a local output directory,
// and a pasted metadata-action tags block with flavor (the registry's tag list).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { requireSandbox, sandboxProcessEnv, uniqueName, type SandboxEnv } from '../../support/sandbox.js';
import { ENGINES, fixtures, runEngine, tagsOf, type EngineName, type Run } from './engines.js';
import { imageLayerTars, imageManifest, tagList } from './registry-api.js';

let sb: SandboxEnv;
let env: NodeJS.ProcessEnv;
let name: string;
const repoOf = (engine: EngineName) => `${sb.registry}/hac-test/compat-${name}-${engine}`;
const FILE_SECRET = path.join(os.tmpdir(), `hac-file-secret-${process.pid}`);
const SECRET = 'file-secret-' + Date.now().toString(36);

beforeAll(() => {
  sb = requireSandbox(['registry', 'buildah', 'docker', 'buildkit']);
  env = sandboxProcessEnv(sb);
  name = uniqueName('c');
  fs.writeFileSync(FILE_SECRET, SECRET, { mode: 0o600 });
});

describe.each(ENGINES)('%s', (engine) => {
  let run: Run;
  test('build-contexts, secret-files, annotations and a pasted metadata-action tags block with flavor', async () => {
    run = await runEngine(sb, env, engine, {
      context: 'compat',
      images: repoOf(engine),
      tags: 'type=semver,pattern={{major}}.{{minor}}\ntype=sha',
      flavor: 'suffix=-busybox\nlatest=true',
      'build-args': `BASE=${sb.baseImage}`,
      'build-contexts': `extra=${path.join(fixtures, 'compat', 'extra')}`,
      'secret-files': `file_token=${FILE_SECRET}`,
      annotations: 'org.opencontainers.image.vendor=Acme',
      provenance: engine === 'docker' ? 'false' : '',
      push: 'true',
    });
    expect(tagsOf(run.result.refs)).toEqual(['1.2-busybox', 'sha-c0ffee1-busybox', 'latest']);
    expect(await tagList(repoOf(engine))).toEqual(['1.2-busybox', 'latest', 'sha-c0ffee1-busybox']);
    const files = Buffer.concat(await imageLayerTars(repoOf(engine), 'latest')).toString('latin1');
    expect(files).toContain('from the extra context');
    expect(files).toContain('file secret mounted');
    expect(files).not.toContain(SECRET);
    expect(JSON.stringify(run.argv)).not.toContain(SECRET);
    const m = (await imageManifest(repoOf(engine), 'latest')) as unknown as {
      annotations?: Record<string, string>;
    };
    expect(m.annotations?.['org.opencontainers.image.vendor']).toBe('Acme');
  }, 240_000);

  test('outputs type=local writes the image filesystem to a directory', async () => {
    const dest = fs.mkdtempSync(path.join(os.tmpdir(), `hac-out-${engine}-`));
    try {
      await runEngine(sb, env, engine, {
        context: 'compat',
        tags: `${repoOf(engine)}:local`,
        'build-args': `BASE=${sb.baseImage}`,
        'build-contexts': `extra=${path.join(fixtures, 'compat', 'extra')}`,
        'secret-files': `file_token=${FILE_SECRET}`,
        outputs: `type=local,dest=${dest}`,
      });
      expect(fs.readFileSync(path.join(dest, 'app', 'note.txt'), 'utf8').trim()).toBe(
        'from the extra context',
      );
    } finally {
      fs.rmSync(dest, { recursive: true, force: true });
    }
  }, 240_000);
});
