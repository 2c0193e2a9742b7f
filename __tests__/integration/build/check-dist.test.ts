import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Proves that check-dist catches a stale, a missing and an extra file. Limited to two bundles
// (HAC_BUILD_ONLY) so that it stays quick; the real check in `npm test` covers every bundle.
const root = path.resolve(import.meta.dirname, '../../..');
const env = { ...process.env, HAC_BUILD_ONLY: 'smoke-test,hac' };
const run = (script: string, dir: string) =>
  spawnSync(process.execPath, [path.join(root, 'scripts', script), dir], {
    cwd: root,
    env,
    encoding: 'utf8',
  });

describe('check-dist', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-check-dist-'));
    const built = run('build.mjs', dir);
    expect(built.status).toBe(0);
  }, 240_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('passes on a fresh build and fails on a stale, missing or extra file', () => {
    expect(run('check-dist.mjs', dir).status).toBe(0);

    const bundle = path.join(dir, 'hac', 'index.js');
    fs.appendFileSync(bundle, '\n// stale');
    fs.rmSync(path.join(dir, 'hac', 'post.js'));
    fs.writeFileSync(path.join(dir, 'hac', 'leftover.js'), '');
    const res = run('check-dist.mjs', dir);
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('stale:   dist/hac/index.js');
    expect(res.stderr).toContain('missing: dist/hac/post.js');
    expect(res.stderr).toContain('extra:   dist/hac/leftover.js');
  }, 240_000);

  test('the build is deterministic', () => {
    const again = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-check-dist-'));
    try {
      expect(run('build.mjs', again).status).toBe(0);
      const a = fs.readFileSync(path.join(again, 'smoke-test', 'index.js'));
      const b = fs.readFileSync(path.join(dir, 'smoke-test', 'index.js'));
      expect(a.equals(b)).toBe(true);
    } finally {
      fs.rmSync(again, { recursive: true, force: true });
    }
  }, 240_000);
});
