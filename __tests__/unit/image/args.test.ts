import { describe, expect, test } from '@jest/globals';
import {
  buildahBuildArgs,
  buildahLoginArgs,
  buildahPushArgs,
  buildahRelabelArgs,
  staleLabels,
} from '../../../packages/image/buildah.js';
import { buildxArgs, dockerLoginArgs, readDockerResult, secretEnv } from '../../../packages/image/docker.js';
import { parseCache, type CacheSpec } from '../../../packages/image/forms.js';

const cache = (entry: string, dir: 'from' | 'to') => parseCache(entry, dir) as CacheSpec;
const base = {
  context: '/w/app',
  file: '/w/app/Dockerfile',
  refs: ['ghcr.io/acme/app:1.2.3'],
  buildArgs: [],
  labels: {},
  target: undefined,
  platforms: [],
  cacheFrom: [],
  cacheTo: [],
  secrets: [],
  secretEnvs: [],
  provenance: undefined,
  sbom: undefined,
  noCache: false,
  pull: false,
  push: false,
  load: false,
  builder: undefined,
  tlsVerify: true,
  buildContexts: [],
  secretFiles: [],
  ssh: [],
  outputs: [],
  annotations: [],
};
const files = { iidfile: '/t/iid', metadataFile: '/t/meta.json' };
const tail = ['--iidfile', '/t/iid', '--metadata-file', '/t/meta.json', '/w/app'];

describe('docker buildx build arguments', () => {
  test.each([
    [
      'minimal',
      {},
      ['buildx', 'build', '--file', '/w/app/Dockerfile', '--tag', 'ghcr.io/acme/app:1.2.3', ...tail],
    ],
    [
      'push and several tags',
      { push: true, refs: ['a/b:1', 'a/b:latest'] },
      [
        'buildx',
        'build',
        '--file',
        '/w/app/Dockerfile',
        '--tag',
        'a/b:1',
        '--tag',
        'a/b:latest',
        '--push',
        ...tail,
      ],
    ],
    [
      'build args, labels, target, platforms',
      {
        buildArgs: [
          { name: 'VERSION', value: '1.2.3' },
          { name: 'EMPTY', value: '' },
        ],
        labels: { 'org.opencontainers.image.version': '1.2.3' },
        target: 'runtime',
        platforms: ['linux/amd64', 'linux/arm64'],
      },
      [
        'buildx',
        'build',
        '--file',
        '/w/app/Dockerfile',
        '--tag',
        'ghcr.io/acme/app:1.2.3',
        '--build-arg',
        'VERSION=1.2.3',
        '--build-arg',
        'EMPTY=',
        '--label',
        'org.opencontainers.image.version=1.2.3',
        '--target',
        'runtime',
        '--platform',
        'linux/amd64,linux/arm64',
        ...tail,
      ],
    ],
    [
      'gha and registry caches',
      {
        cacheFrom: [cache('type=gha', 'from'), cache('ghcr.io/acme/app:cache', 'from')],
        cacheTo: [
          cache('type=gha,mode=max', 'to'),
          cache('type=registry,ref=ghcr.io/acme/app:cache,mode=max', 'to'),
        ],
      },
      [
        'buildx',
        'build',
        '--file',
        '/w/app/Dockerfile',
        '--tag',
        'ghcr.io/acme/app:1.2.3',
        '--cache-from',
        'type=gha',
        '--cache-from',
        'ghcr.io/acme/app:cache',
        '--cache-to',
        'type=gha,mode=max',
        '--cache-to',
        'type=registry,ref=ghcr.io/acme/app:cache,mode=max',
        ...tail,
      ],
    ],
    [
      'secrets by environment only',
      {
        secrets: [{ id: 'npm_token', value: 's3cr3t-value' }],
        secretEnvs: [{ id: 'gh', env: 'GITHUB_TOKEN' }],
      },
      [
        'buildx',
        'build',
        '--file',
        '/w/app/Dockerfile',
        '--tag',
        'ghcr.io/acme/app:1.2.3',
        '--secret',
        'id=npm_token,env=HAC_BUILD_SECRET_0',
        '--secret',
        'id=gh,env=GITHUB_TOKEN',
        ...tail,
      ],
    ],
    [
      'provenance, sbom, builder, no-cache, pull, load',
      { provenance: 'mode=max', sbom: 'true', builder: 'ci', noCache: true, pull: true, load: true },
      [
        'buildx',
        'build',
        '--builder',
        'ci',
        '--file',
        '/w/app/Dockerfile',
        '--tag',
        'ghcr.io/acme/app:1.2.3',
        '--provenance=mode=max',
        '--sbom=true',
        '--no-cache',
        '--pull',
        '--load',
        ...tail,
      ],
    ],
    [
      'provenance off',
      { provenance: 'false' },
      [
        'buildx',
        'build',
        '--file',
        '/w/app/Dockerfile',
        '--tag',
        'ghcr.io/acme/app:1.2.3',
        '--provenance=false',
        ...tail,
      ],
    ],
  ])('%s', (_name, over, want) => {
    expect(buildxArgs({ ...base, ...over }, files)).toEqual(want);
  });

  test('secret values never reach argv, only the environment', () => {
    const o = { ...base, secrets: [{ id: 'a', value: 'hunter2-top-secret' }] };
    expect(buildxArgs(o, files).join(' ')).not.toContain('hunter2');
    expect(secretEnv(o)).toEqual({ HAC_BUILD_SECRET_0: 'hunter2-top-secret' });
  });

  test.each([
    [
      'metadata file digest wins',
      '{"containerimage.digest":"sha256:aaa","containerimage.config.digest":"sha256:ccc"}',
      'sha256:iii\n',
      { digest: 'sha256:aaa', imageId: 'sha256:iii' },
    ],
    ['iidfile only', undefined, 'sha256:iii', { digest: 'sha256:iii', imageId: 'sha256:iii' }],
    [
      'config digest when no iidfile',
      '{"containerimage.config.digest":"sha256:ccc"}',
      undefined,
      { digest: 'sha256:ccc', imageId: 'sha256:ccc' },
    ],
    ['broken metadata', '{not json', 'sha256:iii', { digest: 'sha256:iii', imageId: 'sha256:iii' }],
  ])('readDockerResult: %s', (_n, meta, iid, want) => {
    expect(readDockerResult(meta, iid)).toEqual(want);
  });
});

describe('buildah arguments', () => {
  const btail = ['--iidfile', '/t/iid', '/w/app'];
  test.each([
    [
      'minimal',
      {},
      'chroot',
      [
        'build',
        '--isolation',
        'chroot',
        '--layers',
        '--file',
        '/w/app/Dockerfile',
        '--tag',
        'ghcr.io/acme/app:1.2.3',
        ...btail,
      ],
    ],
    [
      'isolation from BUILDAH_ISOLATION',
      {},
      'oci',
      [
        'build',
        '--isolation',
        'oci',
        '--layers',
        '--file',
        '/w/app/Dockerfile',
        '--tag',
        'ghcr.io/acme/app:1.2.3',
        ...btail,
      ],
    ],
    [
      'args, labels, target, one platform, registry cache, secrets, insecure',
      {
        refs: ['r/a:1', 'r/a:2'],
        buildArgs: [{ name: 'A', value: 'x=y' }],
        labels: { k: 'v w' },
        target: 'final',
        platforms: ['linux/amd64'],
        cacheFrom: [cache('type=registry,ref=r/a:cache', 'from')],
        cacheTo: [cache('type=registry,ref=r/a:cache', 'to')],
        secrets: [{ id: 'tok', value: 'zzz' }],
        secretEnvs: [{ id: 'gh', env: 'GH_TOKEN' }],
        tlsVerify: false,
        noCache: true,
        pull: true,
      },
      'chroot',
      [
        'build',
        '--isolation',
        'chroot',
        '--layers',
        '--file',
        '/w/app/Dockerfile',
        '--tag',
        'r/a:1',
        '--tag',
        'r/a:2',
        '--build-arg',
        'A=x=y',
        '--label',
        'k=v w',
        '--target',
        'final',
        '--platform',
        'linux/amd64',
        '--cache-from',
        'r/a:cache',
        '--cache-to',
        'r/a:cache',
        '--secret',
        'id=tok,src=HAC_BUILD_SECRET_0,type=env',
        '--secret',
        'id=gh,src=GH_TOKEN,type=env',
        '--no-cache',
        '--pull=always',
        '--tls-verify=false',
        ...btail,
      ],
    ],
    [
      'several platforms build a manifest list',
      { platforms: ['linux/amd64', 'linux/arm64'] },
      'chroot',
      [
        'build',
        '--isolation',
        'chroot',
        '--layers',
        '--file',
        '/w/app/Dockerfile',
        '--tag',
        'ghcr.io/acme/app:1.2.3',
        '--platform',
        'linux/amd64,linux/arm64',
        '--manifest',
        'hac-manifest-ghcr-io-acme-app-1-2-3',
        ...btail,
      ],
    ],
  ])('build: %s', (_n, over, isolation, want) => {
    expect(buildahBuildArgs({ ...base, ...over }, { iidfile: '/t/iid' }, isolation)).toEqual(want);
  });

  test.each([
    [
      'plain',
      { tlsVerify: true },
      ['push', '--retry', '0', '--digestfile', '/t/d', 'r/a:1', 'docker://r/a:1'],
    ],
    [
      'insecure',
      { tlsVerify: false },
      ['push', '--tls-verify=false', '--retry', '0', '--digestfile', '/t/d', 'r/a:1', 'docker://r/a:1'],
    ],
    [
      'manifest list',
      { tlsVerify: true, manifest: 'm' },
      ['manifest', 'push', '--all', '--digestfile', '/t/d', 'm', 'docker://r/a:1'],
    ],
  ])('push: %s', (_n, opts, want) => {
    expect(buildahPushArgs('r/a:1', '/t/d', opts)).toEqual(want);
  });

  test.each<[string, string, string[]]>([
    ['all equal', '{"OCIv1":{"config":{"Labels":{"a":"1","b":"2","x":"y"}}}}', []],
    ['one differs', '{"OCIv1":{"config":{"Labels":{"a":"1","b":"old"}}}}', ['b']],
    ['one missing', '{"OCIv1":{"config":{"Labels":{"b":"2"}}}}', ['a']],
    ['no labels at all', '{"OCIv1":{"config":{}}}', ['a', 'b']],
    ['unreadable output', 'not json', ['a', 'b']],
  ])('stale labels: %s', (_n, inspect, want) => {
    expect(staleLabels(inspect, { b: '2', a: '1' })).toEqual(want);
  });

  test('re-labelling a cached image: container, config, commit tagged with the first ref, then the others', () => {
    expect(
      buildahRelabelArgs(
        'sha256:abc',
        'hac-relabel-1',
        { a: '1', 'b.c': 'x y' },
        ['r/a:1', 'r/a:latest'],
        '/t/iid',
      ),
    ).toEqual([
      ['from', '--pull=never', '--name', 'hac-relabel-1', 'sha256:abc'],
      ['config', '--label', 'a=1', '--label', 'b.c=x y', 'hac-relabel-1'],
      ['commit', '--iidfile', '/t/iid', '--rm', 'hac-relabel-1', 'r/a:1'],
      ['tag', 'r/a:1', 'r/a:latest'],
    ]);
    expect(buildahRelabelArgs('sha256:abc', 'c', {}, ['r/a:1'], '/t/iid')).toHaveLength(3);
  });

  test.each([
    [
      'buildah',
      buildahLoginArgs('ghcr.io', 'bot', true),
      ['login', '--username', 'bot', '--password-stdin', 'ghcr.io'],
    ],
    [
      'buildah insecure',
      buildahLoginArgs('127.0.0.1:5000', 'bot', false),
      ['login', '--tls-verify=false', '--username', 'bot', '--password-stdin', '127.0.0.1:5000'],
    ],
    [
      'docker',
      dockerLoginArgs('ghcr.io', 'bot'),
      ['login', '--username', 'bot', '--password-stdin', 'ghcr.io'],
    ],
  ])('login: %s takes the password from stdin', (_n, got, want) => {
    expect(got).toEqual(want);
  });
});
