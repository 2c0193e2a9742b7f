// build-push-action / metadata-action named inputs: parsing, argv per engine, flavor, type=pep440,
// a pasted metadata-action tags block, and build failures read from real builder output.
import { describe, expect, test } from '@jest/globals';
import { InputError } from '@hac/toolkit';
import { applyTagRules, parseTagRules } from '../../../packages/image/tag-rules.js';
import {
  compatBuildahArgs,
  compatBuildahProblems,
  compatBuildxArgs,
} from '../../../packages/image/compat-args.js';
import { describeBuildFailure, readBuildFailure } from '../../../packages/image/build-errors.js';
import { resolveInputs } from '../../../packages/image/inputs.js';
import { eventContext } from './events.js';

const fixtures = new URL('../../fixtures/docker/', import.meta.url).pathname;
const now = new Date('2026-11-27T10:00:00Z');
const resolve = (
  inputs: Record<string, string>,
  event: [string, string] = ['push', 'push-tag-v1.2.3.json'],
) =>
  resolveInputs((n) => ({ context: 'multistage', ...inputs })[n] ?? '', {
    git: eventContext(...event),
    now,
    cwd: fixtures,
    env: {},
  });
const problems = (inputs: Record<string, string>) => {
  try {
    resolve(inputs);
  } catch (err) {
    if (err instanceof InputError) return err.message;
    throw err;
  }
  return '';
};
const tags = (refs: string[]) => refs.map((r) => r.slice(r.lastIndexOf(':') + 1));

describe('argv for the build-push-action named inputs', () => {
  const req = resolve({
    network: 'none',
    'build-contexts': 'extra=compat/extra\nbase=docker-image://127.0.0.1:5000/base:1',
    'secret-files': 'file_token=compat/Dockerfile',
    ssh: 'default',
    outputs: 'type=local,dest=/tmp/out',
    annotations: 'manifest:org.opencontainers.image.vendor=Acme\nindex:com.example.build=1',
  });
  test('docker buildx flags', () => {
    expect(compatBuildxArgs(req)).toEqual([
      '--network', 'none',
      '--build-context', `extra=${fixtures}compat/extra`,
      '--build-context', 'base=docker-image://127.0.0.1:5000/base:1',
      '--secret', `id=file_token,src=${fixtures}compat/Dockerfile`,
      '--ssh', 'default',
      '--output', 'type=local,dest=/tmp/out',
      '--annotation', 'manifest:org.opencontainers.image.vendor=Acme',
      '--annotation', 'index:com.example.build=1',
    ]); // prettier-ignore
  });
  test('buildah flags, and what buildah cannot do', () => {
    expect(compatBuildahArgs(req)).toContain('org.opencontainers.image.vendor=Acme');
    expect(compatBuildahProblems(req).map((p) => p.input)).toEqual(['annotations']);
  });
});

describe('bad values name the input, the value and the form', () => {
  test.each([
    [{ network: 'bridge' }, /network.*bridge.*"default", "none"/s],
    [{ 'build-contexts': 'extra=no-such-dir' }, /build-contexts.*extra=no-such-dir.*is not a directory/s],
    [{ 'build-contexts': 'just-a-path' }, /build-contexts.*just-a-path/s],
    [{ 'secret-files': 'tok=missing.txt' }, /secret-files.*tok=missing\.txt.*is not a file/s],
    [{ ssh: 'default=/no/such/socket' }, /ssh.*does not exist/s],
    [{ outputs: 'type=weird' }, /outputs.*type=weird/s],
    [{ outputs: 'type=local' }, /outputs.*needs dest=/s],
    [{ annotations: 'no equals sign' }, /annotations.*no equals sign/s],
    [{ flavor: 'latest=sometimes' }, /flavor.*latest=sometimes/s],
    [
      { images: 'r.example/app', tags: 'type=semver,pattern={{version}}', 'tag-rules': 'type=sha' },
      /tags.*belong in "tag-rules"/s,
    ],
    [{ tags: 'type=ref,event=branch' }, /images.*tag rules in "tags"/s],
  ])('%j', (inputs, re) => {
    expect(problems(inputs)).toMatch(re);
  });
});

describe('metadata-action tags, flavor and type=pep440', () => {
  test('a pasted metadata-action tags block gives the same tags as tag-rules', () => {
    const block =
      'type=ref,event=branch\ntype=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}';
    const a = resolve({ images: 'r.example/app', tags: block });
    const b = resolve({ images: 'r.example/app', 'tag-rules': block });
    expect(tags(a.refs)).toEqual(['1.2.3', '1.2', 'latest']);
    expect(a.refs).toEqual(b.refs);
  });
  test.each([
    [
      'prefix and suffix, not on latest',
      'prefix=app-\nsuffix=-slim',
      ['app-1.2.3-slim', 'sha-c0ffee1-slim', 'latest'],
    ],
    ['onlatest', 'prefix=app-,onlatest=true\nlatest=true', ['app-1.2.3', 'sha-c0ffee1', 'app-latest']],
    ['latest=false', 'latest=false', ['1.2.3', 'sha-c0ffee1']],
  ])('flavor %s', (_n, flavor, want) => {
    const r = resolve({
      images: 'r.example/app',
      'tag-rules': 'type=semver,pattern={{version}}\ntype=sha',
      flavor,
    });
    expect(tags(r.refs)).toEqual(want);
  });
  test('flavor alone applies metadata-action default rules', () => {
    const r = resolve({ images: 'r.example/app', flavor: 'suffix=-x' });
    expect(tags(r.refs)).toEqual(['v1.2.3-x', 'latest']);
  });
  test.each([
    ['1.2.3', '{{version}}', ['1.2.3'], true],
    ['v1.2.3', '{{major}}.{{minor}}', ['1.2'], true],
    ['1.2.3rc1', '{{major}}.{{minor}}', ['1.2.3rc1'], false],
    ['1.2.3.post1', '{{version}}', ['1.2.3.post1'], false],
    ['1.2.3rc1', '{{raw}}', ['1.2.3rc1'], false],
    ['not-a-version', '{{version}}', [], false],
  ])('type=pep440 on tag %s with %s', (tag, pattern, want, latest) => {
    const ctx = { ...eventContext('push', 'push-tag-v1.2.3.json'), ref: `refs/tags/${tag}` };
    const { rules } = parseTagRules(`type=pep440,pattern=${pattern}`);
    const out = applyTagRules(rules, ctx, { latest: 'auto', now });
    expect(out.tags).toEqual(latest ? [...want, 'latest'] : want);
  });
});

// Outputs recorded from the sandbox's buildkitd (remote driver), dockerd 20.10's builder and buildah 1.28.
describe('build failures read from real output', () => {
  test.each([
    [
      'buildkitd syntax',
      'ERROR: failed to build: failed to solve: dockerfile parse error on line 2: unknown instruction: FORM (did you mean FROM?)',
      'syntax',
      undefined,
    ],
    [
      'dockerd syntax',
      'ERROR: failed to build: failed to solve: rpc error: code = Unknown desc = failed to solve with frontend dockerfile.v0: failed to create LLB definition: dockerfile parse error line 2: unknown instruction: FORM',
      'syntax',
      undefined,
    ],
    [
      'buildah syntax',
      'Error: building at STEP "FORM ": Build error: Unknown instruction: "FORM" &imagebuilder.Step{Env:[]string{}}',
      'syntax',
      undefined,
    ],
    [
      'buildkitd RUN',
      'ERROR: failed to build: failed to solve: process "/bin/sh -c echo \\"x\\" >&2; exit 3" did not complete successfully: exit code: 3',
      'run-step',
      'RUN echo "x" >&2; exit 3',
    ],
    [
      'dockerd RUN',
      'ERROR: failed to build: failed to solve: executor failed running [/bin/sh -c exit 3]: exit code: 3',
      'run-step',
      'RUN exit 3',
    ],
    [
      'buildah RUN',
      'subprocess exited with status 3\nError: building at STEP "RUN exit 3": exit status 3',
      'run-step',
      'RUN exit 3',
    ],
    [
      'dockerd no bridge',
      'ERROR: failed to build: failed to solve: executor failed running [/bin/sh -c echo ok]: network bridge not found',
      'network',
      undefined,
    ],
    [
      'unreachable FROM',
      'ERROR: failed to build: failed to solve: failed to resolve source metadata for docker.io/library/x:1: no such host',
      'base-image',
      undefined,
    ],
    [
      'push 502',
      'ERROR: failed to push r.example/app:1: unexpected status: 502 Bad Gateway',
      'other',
      undefined,
    ],
  ])('%s', (_n, output, kind, step) => {
    const f = readBuildFailure(output);
    expect(f.kind).toBe(kind);
    expect(f.step).toBe(step);
  });
  test('the message names the engine, the step and says nothing was pushed', () => {
    const d = describeBuildFailure('docker', 'executor failed running [/bin/sh -c exit 3]: exit code: 3', {
      file: '/w/Dockerfile',
      context: '/w',
      code: 1,
    });
    expect(d.message).toBe(
      'docker engine (docker buildx build, exit 1): the step "RUN exit 3" failed (exit code: 3). Nothing was pushed.',
    );
  });
});
