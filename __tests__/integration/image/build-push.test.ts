// A real build and push with buildah to the sandbox registry (plain HTTP, marked insecure in the
// sandbox's registries.conf: no extra inputs). Every tag and the digest are checked through the
// registry's HTTP API; a second build with no changes reuses its layers.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from '@jest/globals';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { buildAndPush } from '../../../packages/image/build.js';
import { exec } from '../../../packages/image/exec.js';
import { outputsOf } from '../../../packages/image/report.js';
import { resolveInputs } from '../../../packages/image/inputs.js';
import { type BuildResult } from '../../../packages/image/build-context.js';
import { requireSandbox, sandboxProcessEnv, uniqueName, type SandboxEnv } from '../../support/sandbox.js';
import { eventContext } from '../../unit/image/events.js';
import { imageConfig, layerTars, manifest, tagList } from './registry-api.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/docker');
const SECRET = 'build-secret-' + Date.now().toString(36);

let sb: SandboxEnv;
let env: NodeJS.ProcessEnv;
let repoGiven: string;
let repo: string;
const logs: string[] = [];
const argvs: string[][] = [];

function run(extra: Record<string, string> = {}): Promise<BuildResult> {
  const inputs: Record<string, string> = {
    context: 'multistage',
    images: repoGiven,
    tags: `${repoGiven}:Custom-Tag_1`,
    'build-args': `BASE=${sb.baseImage}\nVERSION=1.2.3\nGREETING=hello, world`,
    target: 'runtime',
    secrets: `token=${SECRET}`,
    labels: 'com.example.team=payments',
    push: 'true',
    engine: 'buildah', // the sandbox also has a Docker daemon: auto would pick it
    ...extra,
  };
  const request = resolveInputs((n) => inputs[n] ?? '', {
    git: eventContext('push', 'push-tag-v1.2.3.json'),
    now: new Date('2026-11-27T10:00:00Z'),
    cwd: fixtures,
    env,
  });
  return buildAndPush(request, {
    exec: (cmd, args, opts) => (argvs.push([cmd, ...args]), exec(cmd, args, opts)),
    env,
    log: { info: (m) => logs.push(m), warning: (m) => logs.push(`warning: ${m}`) },
    state: memoryState(),
    ecrToken: async () => {
      throw new Error('no ECR in this test');
    },
    mask: () => undefined,
  });
}

beforeAll(() => {
  sb = requireSandbox(['registry', 'buildah']);
  env = sandboxProcessEnv(sb);
  const name = uniqueName('build-push');
  repoGiven = `${sb.registry}/hac-test/Shop-API-${name}`; // uppercase: lowercased, not rejected
  repo = repoGiven.toLowerCase();
});

describe('buildah build and push to the sandbox registry', () => {
  let first: BuildResult;

  test('builds the target stage with build args and pushes every tag', async () => {
    first = await run();
    expect(first.engine).toBe('buildah');
    expect(first.refs).toEqual([
      `${repo}:Custom-Tag_1`,
      `${repo}:1.2.3`,
      `${repo}:1.2`,
      `${repo}:1`,
      `${repo}:sha-c0ffee1`,
      `${repo}:sha-c0ffee1234567890abcdef1234567890abcdef12`,
      `${repo}:latest`,
    ]);
    expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.image).toBe(`${repo}@${first.digest}`);
    expect(outputsOf(first).image).toBe(`${repo}@${first.digest}`);
  }, 180_000);

  test('every tag resolves to the digest through the registry API', async () => {
    for (const ref of first.refs) {
      const tag = ref.slice(ref.lastIndexOf(':') + 1);
      const m = await manifest(repo, tag);
      expect({ tag, digest: m.digest }).toEqual({ tag, digest: first.digest });
    }
    // And by digest.
    expect((await manifest(repo, first.digest as string)).digest).toBe(first.digest);
  });

  test('the image has the OCI labels, the build args took effect and only the target stage was built', async () => {
    const cfg = await imageConfig(repo, '1.2.3');
    expect(cfg.config.Labels).toMatchObject({
      'org.opencontainers.image.version': '1.2.3',
      'org.opencontainers.image.revision': 'c0ffee1234567890abcdef1234567890abcdef12',
      'org.opencontainers.image.source': 'https://github.com/Acme-Corp/Shop-API',
      'org.opencontainers.image.created': '2026-11-27T10:00:00.000Z',
      'com.example.team': 'payments',
    });
    const files = Buffer.concat(await layerTars(repo, '1.2.3')).toString('latin1');
    expect(files).toContain('version=1.2.3');
    expect(files).toContain('hello, world');
    expect(files).toContain('secret mounted');
    expect(files).not.toContain(SECRET);
    expect(files).not.toContain('debug stage');
    expect(JSON.stringify(cfg.history ?? [])).not.toContain('debug stage');
  });

  test('the secret went through the environment: no argv and no log line has it', () => {
    expect(argvs.some((a) => a[0] === 'buildah' && a[1] === 'build')).toBe(true);
    expect(JSON.stringify(argvs)).not.toContain(SECRET);
    expect(logs.join('\n')).not.toContain(SECRET);
  });

  test('a second build with no changes reuses every layer', async () => {
    logs.length = 0;
    const second = await run();
    expect(second.cachedSteps).toBeGreaterThanOrEqual(5);
    expect(logs.join('\n')).toMatch(/Using cache/);
    for (const ref of second.refs) {
      const tag = ref.slice(ref.lastIndexOf(':') + 1);
      expect((await manifest(repo, tag)).digest).toBe(second.digest);
    }
  }, 180_000);
  test('tag-rules (metadata-action rules): exactly their tags in the registry, version label from the first', async () => {
    const rulesRepo = `${repo}-rules`;
    logs.length = 0;
    const result = await run({
      images: rulesRepo,
      tags: '',
      'tag-rules':
        'type=semver,pattern={{major}}.{{minor}}\ntype=raw,value=stable,priority=1000\ntype=sha,prefix=git-',
    });
    expect(result.refs.map((r) => r.slice(r.lastIndexOf(':') + 1))).toEqual([
      'stable',
      '1.2',
      'git-c0ffee1',
      'latest',
    ]);
    expect(await tagList(rulesRepo)).toEqual(['1.2', 'git-c0ffee1', 'latest', 'stable']);
    const cfg = await imageConfig(rulesRepo, 'stable');
    // buildah reused the cached multi-stage image, whose labels were the first build's: hac re-labelled it.
    expect(logs.join('\n')).toMatch(
      /reused a cached image with other labels \(org\.opencontainers\.image\.version\)/,
    );
    expect(cfg.config.Labels?.['org.opencontainers.image.version']).toBe('stable');
    expect(cfg.config.Labels?.['com.example.team']).toBe('payments');
  }, 180_000);
});
