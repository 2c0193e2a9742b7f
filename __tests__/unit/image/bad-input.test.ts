// Every bad input is one clear error naming the input, before anything is built: the fake
// docker/buildah record no call (no probe even, except for engine-specific limits) and no build dir appears.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeEach, describe, expect, test } from '@jest/globals';
import { InputError } from '@hac/toolkit';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { buildAndPush } from '../../../packages/image/build.js';
import { exec } from '../../../packages/image/exec.js';
import { resolveInputs } from '../../../packages/image/inputs.js';
import { type GitContext } from '../../../packages/image/metadata.js';
import { installFakeCli } from '../../scripts/fakes.js';
import { eventContext } from './events.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/docker');
const bin = installFakeCli();
const tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-bad-input-'));
const env = { ...process.env, PATH: bin.path, FAKE_CLI_LOG: bin.log, FAKE_CLI_NO_DOCKER: '1' };
const now = new Date('2026-11-27T10:00:00Z');

afterAll(() => {
  bin.cleanup();
  fs.rmSync(tempRoot, { recursive: true, force: true });
});
beforeEach(() => fs.rmSync(bin.log, { force: true }));

async function attempt(
  inputs: Record<string, string>,
  git: GitContext = eventContext('push', 'push-main.json'),
) {
  const logs: string[] = [];
  const request = resolveInputs((n) => inputs[n] ?? '', { git, now, cwd: fixtures, env });
  return buildAndPush(request, {
    exec,
    env,
    log: { info: (m) => logs.push(m), warning: (m) => logs.push(m) },
    state: memoryState(),
    ecrToken: async () => {
      throw new Error('no ECR here');
    },
    mask: () => undefined,
    tempRoot,
    // No registry behind the fake CLI; the preflight has its own test (integration/image/registry-preflight).
    preflight: async () => undefined,
  });
}

const ok = { context: 'multistage', images: '127.0.0.1:5000/acme/app', push: 'true', engine: 'buildah' };

describe('bad input fails before anything is built', () => {
  test.each([
    ['bad tag characters', { tags: '127.0.0.1:5000/acme/app:bad tag!' }, 'tags', /characters other than/],
    ['bare tag with bad characters', { tags: 'v1$' }, 'tags', /characters other than/],
    ['tag longer than 128', { tags: `127.0.0.1:5000/acme/app:${'x'.repeat(129)}` }, 'tags', /at most 128/],
    ['tag starting with a dot', { tags: '.hidden' }, 'tags', /starts with "\."/],
    ['digest given as a tag', { tags: '127.0.0.1:5000/acme/app@sha256:0123456789abcdef' }, 'tags', /digest/],
    ['bad image repository', { images: 'ghcr.io//app' }, 'images', /image repository/],
    ['bad build-arg form', { 'build-args': 'VERSION=1\nNOEQUALS' }, 'build-args', /NAME=value/],
    ['build-arg name with a dash', { 'build-args': 'MY-ARG=1' }, 'build-args', /NAME=value/],
    ['unknown engine', { engine: 'podman' }, 'engine', /one of "auto", "docker", "buildah"/],
    ['missing Dockerfile', { context: 'empty-context' }, 'file', /existing Dockerfile/],
    ['file that does not exist', { file: 'multistage/Containerfile' }, 'file', /existing Dockerfile/],
    ['context not a directory', { context: 'not-a-dir.txt' }, 'context', /a directory/],
    ['context that does not exist', { context: 'nope' }, 'context', /a directory/],
    ['bad platform', { platforms: 'linux' }, 'platforms', /os\/arch/],
    ['unknown architecture', { platforms: 'linux/amd64,linux/arm65' }, 'platforms', /os\/arch/],
    ['cache-to without a type', { 'cache-to': '127.0.0.1:5000/acme/app:cache' }, 'cache-to', /explicit type/],
    ['unknown cache type', { 'cache-from': 'type=nfs,src=/x' }, 'cache-from', /unknown cache type/],
    ['registry cache without ref', { 'cache-to': 'type=registry,mode=max' }, 'cache-to', /needs ref/],
    [
      'malformed registries YAML',
      { registries: '- registry: ghcr.io\n  username: [unclosed' },
      'registries',
      /YAML list/,
    ],
    ['registries not a list', { registries: 'registry: ghcr.io' }, 'registries', /must be a list/],
    [
      'registries entry without registry',
      { registries: '- username: bot\n  password: pw' },
      'registries',
      /registry is missing/,
    ],
    [
      'password without username (registries)',
      { registries: '- registry: ghcr.io\n  password: pw' },
      'registries',
      /password was given without a username/,
    ],
    [
      'password without username (inputs)',
      { registry: 'ghcr.io', password: 'pw' },
      'password',
      /without a username/,
    ],
    ['username without password', { registry: 'ghcr.io', username: 'bot' }, 'username', /without a password/],
    ['push true with no tags or images', { images: '' }, 'tags', /at least one tag when push is true/],
    ['bare tag without images', { images: '', tags: 'v1' }, 'tags', /needs "images"/],
    ['bad secret form', { secrets: 'NOVALUE' }, 'secrets', /id=value/],
    [
      'secret-envs naming an unset variable',
      { 'secret-envs': 'gh=HAC_SURELY_UNSET_VAR' },
      'secret-envs',
      /is not set/,
    ],
    ['bad label form', { labels: '=value' }, 'labels', /key=value/],
    ['push-retries out of range', { 'push-retries': '-1' }, 'push-retries', /integer from 0 to 20/],
    ['bad retry-delay', { 'retry-delay': 'soon' }, 'retry-delay', /duration/],
    ['bad push boolean', { push: 'yes' }, 'push', /true or false/],
    [
      'bad insecure registry',
      { 'insecure-registries': 'not a host!' },
      'insecure-registries',
      /registry hosts/,
    ],
    ['bad provenance', { provenance: 'maximum' }, 'provenance', /mode=min\|max/],
  ])('%s', async (_name, over, inputName, message) => {
    const err = await attempt({ ...ok, ...over }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    const problems = (err as InputError).problems;
    expect(problems.map((p) => p.input)).toContain(inputName);
    expect((err as Error).message).toMatch(message);
    expect(bin.calls()).toEqual([]);
    expect(fs.readdirSync(tempRoot)).toEqual([]);
  });

  test('several problems are reported together in one error', async () => {
    const err = (await attempt({ ...ok, engine: 'nope', platforms: 'linux', 'build-args': 'X' }).catch(
      (e: unknown) => e,
    )) as InputError;
    expect(err.problems.map((p) => p.input).sort()).toEqual(['build-args', 'engine', 'platforms']);
    expect(bin.calls()).toEqual([]);
  });

  test.each([
    ['a context reaching out with ..', { context: '..' }, 'context', /"\.\." resolves outside it/],
    ['an absolute context outside', { context: '/etc' }, 'context', /a path inside the workspace/],
    ['a Dockerfile outside', { file: '/etc/passwd' }, 'file', /"\/etc\/passwd" resolves outside it/],
    ['a password with CRLF', { username: 'bot', password: 'pw\r\nX: 1' }, 'password', /on one line/],
    ['a username with a tab', { username: 'b\tot', password: 'pw' }, 'username', /control characters/],
    [
      'a registries password with LF',
      { registries: '- registry: ghcr.io\n  username: bot\n  password: "pw-lf-123\\nX"' },
      'registries',
      /password has a line break or other control character/,
    ],
    [
      'a secret value with NUL',
      { secrets: 'token=s3cr-nul-456\u0000x' },
      'secrets',
      /got "\*\*\*".*without NUL characters/,
    ],
    [
      'a registry URL with credentials',
      { registry: 'https://bot:pw-in-url-123@ghcr.io', username: 'bot', password: 'pw' },
      'username',
      /must not carry credentials/,
    ],
  ])('confinement and credentials: %s', async (_name, over, inputName, message) => {
    const err = (await attempt({ ...ok, ...over }).catch((e: unknown) => e)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.problems.map((p) => p.input)).toEqual([inputName]);
    expect(err.message).toMatch(message);
    for (const leak of ['root:x', 'pw-lf-123', 'pw-in-url-123', 'X: 1', 's3cr-nul-456'])
      expect(err.message).not.toContain(leak);
    expect(bin.calls()).toEqual([]);
  });

  test('a secret value may hold tabs, CR and other control characters (an environment variable carries them)', () => {
    const request = resolveInputs((n) => ({ ...ok, secrets: 'token=a\tb\rc\u001bd' })[n] ?? '', {
      git: eventContext('push', 'push-main.json'),
      now,
      cwd: fixtures,
      env,
    });
    expect(request.secrets).toEqual([{ id: 'token', value: 'a\tb\rc\u001bd' }]);
  });

  test('a Dockerfile that is a symlink out of the workspace is refused; the opt-out allows it', () => {
    const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-image-ws-'));
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-image-outside-'));
    fs.writeFileSync(path.join(outside, 'Dockerfile'), 'FROM scratch\n');
    fs.symlinkSync(path.join(outside, 'Dockerfile'), path.join(ws, 'Dockerfile'));
    const read = (extra: Record<string, string>) =>
      resolveInputs((n) => ({ ...ok, context: '.', file: 'Dockerfile', ...extra })[n] ?? '', {
        git: eventContext('push', 'push-main.json'),
        now,
        cwd: ws,
        env,
      });
    try {
      expect(() => read({})).toThrow(/input "file": .*through a symlink to .*Dockerfile/);
      expect(read({ 'allow-paths-outside-workspace': 'true' }).file).toBe(path.join(ws, 'Dockerfile'));
      expect(read({ 'allow-paths-outside-workspace': 'true', context: outside }).context).toBe(outside);
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  test.each([
    ['an invalid images value', { images: 'Not A Repo!' }, 'images'],
    ['an invalid tag-rules value', { 'tag-rules': 'type=nonsense' }, 'tag-rules'],
  ])('one mistake, one error: %s does not also report tags', async (_name, over, inputName) => {
    const err = (await attempt({ ...ok, ...over }).catch((e: unknown) => e)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.problems.map((p) => p.input)).toEqual([inputName]);
    expect(err.message).not.toMatch(/tags": got an empty value/);
  });

  test('a password never appears in the error', async () => {
    const err = (await attempt({
      ...ok,
      registries: '- registry: ghcr.io\n  password: pw-should-not-show-123',
    }).catch((e: unknown) => e)) as Error;
    expect(err.message).not.toContain('pw-should-not-show-123');
  });

  test.each([
    ['gha cache with buildah', { 'cache-from': 'type=gha' }, 'cache-from', /needs engine docker/],
    ['local cache with buildah', { 'cache-to': 'type=local,dest=/tmp/c' }, 'cache-to', /needs engine docker/],
    ['a buildx builder with buildah', { builder: 'ci' }, 'builder', /buildx builder/],
  ])('engine-specific: %s (only read-only probes ran)', async (_n, over, inputName, message) => {
    const err = (await attempt({ ...ok, ...over }).catch((e: unknown) => e)) as InputError;
    expect(err).toBeInstanceOf(InputError);
    expect(err.problems[0]?.input).toBe(inputName);
    expect(err.message).toMatch(message);
    expect(bin.calls().map((c) => `${c.name} ${c.argv.join(' ')}`)).toEqual(['buildah version']);
    expect(fs.readdirSync(tempRoot)).toEqual([]);
  });
});

describe('repositories are lowercased, tags are not', () => {
  test('uppercase in the repository is lowercased with a note, not rejected', () => {
    const req = resolveInputs(
      (n) =>
        ({
          ...ok,
          images: '127.0.0.1:5000/Acme-Corp/Shop-API',
          tags: 'ghcr.io/Acme-Corp/Shop-API:Feature-X',
        })[n] ?? '',
      {
        git: eventContext('push', 'push-branch-uppercase.json'),
        now,
        cwd: fixtures,
        env,
      },
    );
    expect(req.refs).toEqual([
      'ghcr.io/acme-corp/shop-api:Feature-X',
      '127.0.0.1:5000/acme-corp/shop-api:Feature-JIRA-42_Add-Payments',
      '127.0.0.1:5000/acme-corp/shop-api:sha-ab12cd3',
      '127.0.0.1:5000/acme-corp/shop-api:sha-ab12cd34ef56ab12cd34ef56ab12cd34ef56ab12',
    ]);
    expect(req.repositories).toEqual(['ghcr.io/acme-corp/shop-api', '127.0.0.1:5000/acme-corp/shop-api']);
    expect(req.notes.join('\n')).toMatch(/lowercased/);
  });

  test('the single login defaults to the registry of the first image', () => {
    const req = resolveInputs((n) => ({ ...ok, username: 'bot', password: 'pw' })[n] ?? '', {
      git: eventContext('push', 'push-main.json'),
      now,
      cwd: fixtures,
      env,
    });
    expect(req.logins).toEqual([{ registry: '127.0.0.1:5000', username: 'bot', password: 'pw' }]);
  });

  test('an ECR host needs no credentials', () => {
    const req = resolveInputs(
      (n) =>
        ({
          ...ok,
          registries:
            '- registry: 123456789012.dkr.ecr.eu-west-1.amazonaws.com\n- registry: ghcr.io\n  username: bot\n  password: pw',
        })[n] ?? '',
      {
        git: eventContext('push', 'push-main.json'),
        now,
        cwd: fixtures,
        env,
      },
    );
    expect(req.logins).toEqual([
      {
        registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
        ecr: { accountId: '123456789012', region: 'eu-west-1' },
      },
      { registry: 'ghcr.io', username: 'bot', password: 'pw' },
    ]);
  });
});
