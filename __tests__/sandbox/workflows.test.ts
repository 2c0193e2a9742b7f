// act runs workflows on the host; actionlint catches broken workflows.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireSandbox, uniqueName, type SandboxEnv } from '../support/sandbox.js';

let sb: SandboxEnv;
const dirs: string[] = [];

function workspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-sbx-wf-'));
  dirs.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

function git(dir: string, args: string[]) {
  const res = spawnSync('git', ['-c', 'user.email=ci@hac.invalid', '-c', 'user.name=hac', ...args], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`git ${args.join(' ')}: ${res.stderr}`);
}

describe('sandbox workflow tools', () => {
  beforeAll(() => {
    sb = requireSandbox(['act', 'actionlint']);
  });

  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  test('act runs a workflow job on the host', () => {
    const marker = uniqueName('act-marker');
    const dir = workspace({
      '.github/workflows/ci.yml': `name: sandbox
on: push
jobs:
  hello:
    runs-on: ubuntu-latest
    steps:
      - id: compute
        run: echo "answer=$((6*7))" >> "$GITHUB_OUTPUT"
      - run: echo "${marker} answer=\${{ steps.compute.outputs.answer }} event=\${{ github.event_name }}"
`,
    });
    git(dir, ['init', '-q']);
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-qm', 'init']);
    const res = spawnSync(sb.act, ['push', '-P', 'ubuntu-latest=-self-hosted', '--rm'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120000,
      env: { ...process.env, HOME: process.env.HOME ?? os.homedir() },
    });
    const out = `${res.stdout}\n${res.stderr}`;
    expect(out).toContain(`${marker} answer=42 event=push`);
    expect(out).toContain('Job succeeded');
    expect(res.status).toBe(0);
  }, 150000);

  test('act reports a failing step', () => {
    const dir = workspace({
      '.github/workflows/ci.yml': `on: push
jobs:
  broken:
    runs-on: ubuntu-latest
    steps:
      - run: exit 3
`,
    });
    git(dir, ['init', '-q']);
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-qm', 'init']);
    const res = spawnSync(sb.act, ['push', '-P', 'ubuntu-latest=-self-hosted'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120000,
    });
    expect(res.status).not.toBe(0);
    expect(`${res.stdout}\n${res.stderr}`).toContain('Job failed');
  }, 150000);

  test('actionlint flags a broken workflow and accepts a good one', () => {
    const good = workspace({
      'good.yml': `on: push
jobs:
  ok:
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ github.sha }}"
`,
    });
    const okRun = spawnSync(sb.actionlint, ['-no-color', path.join(good, 'good.yml')], { encoding: 'utf8' });
    expect(okRun.stdout).toBe('');
    expect(okRun.status).toBe(0);

    const bad = workspace({
      'bad.yml': `on: push
jobs:
  broken:
    runs-on: ubuntu-latest
    steps:
      - run: echo "\${{ github.no_such_property }}"
      - uses: actions/checkout@v4
        with:
          unknown-input-xyz: true
    needs: [does-not-exist]
`,
    });
    const badRun = spawnSync(sb.actionlint, ['-no-color', path.join(bad, 'bad.yml')], { encoding: 'utf8' });
    expect(badRun.status).toBe(1);
    expect(badRun.stdout).toMatch(/no_such_property/);
    expect(badRun.stdout).toMatch(/does-not-exist/);
  });
});
