// Manifests stay inside the workspace (paths, globs, directories and symlinks), and parsing is
// bounded (size, nesting, aliases), with errors that name the file and never quote other files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { loadManifests, ManifestError, parseManifests } from '../../../packages/k8s/manifests.js';
import { resolveWorkload } from '../../../packages/k8s/workload.js';

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "r/web:1"}]}
`;

let top: string;
let ws: string;
let outside: string;

beforeAll(() => {
  top = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-manifests-ws-'));
  ws = path.join(top, 'workspace');
  outside = path.join(top, 'outside');
  fs.mkdirSync(path.join(ws, 'k8s'), { recursive: true });
  fs.mkdirSync(path.join(ws, 'linked'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(ws, 'k8s', 'web.yaml'), DEPLOYMENT);
  fs.writeFileSync(path.join(outside, 'secret.yaml'), 'apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n');
  fs.symlinkSync(path.join(outside, 'secret.yaml'), path.join(ws, 'link.yaml'));
  fs.symlinkSync(path.join(outside, 'secret.yaml'), path.join(ws, 'linked', 'secret.yaml'));
  fs.symlinkSync(outside, path.join(ws, 'out-dir'));
});
afterAll(() => fs.rmSync(top, { recursive: true, force: true }));

const load = (patterns: string[], allowOutside = false) =>
  loadManifests(patterns, { cwd: ws, allowOutside, env: {} });

describe('manifests inside the workspace', () => {
  test('a relative file, a glob and a directory inside it load', () => {
    expect(load(['k8s/web.yaml']).map((o) => o.kind)).toEqual(['Deployment']);
    expect(load(['k8s/*.yaml']).map((o) => o.kind)).toEqual(['Deployment']);
    expect(load(['k8s']).map((o) => o.kind)).toEqual(['Deployment']);
  });

  test.each<[string, string[], RegExp]>([
    ['a .. path', ['../outside/secret.yaml'], /resolves outside it/],
    ['an absolute path', ['/etc/hostname'], /"\/etc\/hostname" resolves outside it/],
    ['a symlink out', ['link.yaml'], /through a symlink to .*outside\/secret\.yaml/],
    ['an absolute glob', ['/etc/pass*'], /"\/etc\/pass\*" matches \/etc\/passwd, outside the workspace/],
    ['a glob reaching up', ['../*/*.yaml'], /"\.\.\/\*\/\*\.yaml" matches .*secret\.yaml, outside/],
    ['a directory holding a symlink out', ['linked'], /"linked" matches .*secret\.yaml, outside/],
    ['a symlinked directory', ['out-dir'], /resolves outside it \(through a symlink/],
  ])('%s is refused, naming the pattern', (_what, patterns, message) => {
    let err: unknown;
    try {
      load(patterns);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ManifestError);
    expect((err as Error).message).toMatch(/^manifests: /);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).toMatch(/allow-paths-outside-workspace: true/);
    // The path is named; the refused file's content is not.
    expect((err as Error).message).not.toMatch(/kind: Secret|root:x:/);
  });

  test('allow-paths-outside-workspace: true reads them', () => {
    expect(load(['../outside/secret.yaml'], true).map((o) => o.kind)).toEqual(['Secret']);
    expect(load(['link.yaml'], true).map((o) => o.kind)).toEqual(['Secret']);
  });

  test('the workload resolver passes the opt-out through, and refuses without it', () => {
    const w = { namespace: 'default', images: [], app: '', port: 8080, cwd: ws };
    expect(() => resolveWorkload({ ...w, manifests: ['../outside/*.yaml'] })).toThrow(
      /outside the workspace/,
    );
    expect(() => resolveWorkload({ ...w, manifests: ['k8s/web.yaml'] })).not.toThrow();
  });
});

describe('bounded manifest parsing', () => {
  const bomb = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata: {name: bomb}',
    'data:',
    '  a: &a ["x","x","x","x","x","x","x","x","x"]',
    ...Array.from(
      { length: 8 },
      (_, i) => `  ${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`,
    ),
  ].join('\n');

  test.each<[string, string, RegExp]>([
    ['an alias bomb', bomb, /more than 100 aliases are expanded/],
    ['deep flow nesting', `a: ${'['.repeat(100_000)}`, /nested more than 200 levels deep/],
    ['deep block nesting', '- '.repeat(50_000), /indented more than 400 columns deep/],
  ])('%s: a clear error naming the file, no parser internals', (_what, text, message) => {
    expect(() => parseManifests(text, 'k8s/bad.yaml')).toThrow(message);
    expect(() => parseManifests(text, 'k8s/bad.yaml')).toThrow(/^k8s\/bad\.yaml/);
    expect(() => parseManifests(text, 'k8s/bad.yaml')).not.toThrow(/call stack|Excessive alias/);
  });

  test('a manifest file above 4 MiB is refused before it is parsed', () => {
    fs.writeFileSync(path.join(ws, 'big.yaml'), `# ${'x'.repeat(4 * 1024 * 1024)}\n`);
    expect(() => load(['big.yaml'])).toThrow(
      /manifests: expected a file of at most 4 MiB; .*big\.yaml has 4 MiB/,
    );
  });
});
