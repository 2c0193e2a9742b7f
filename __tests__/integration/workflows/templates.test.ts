import { beforeAll, describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { requireSandbox, REPO_ROOT } from '../../support/sandbox.js';

// Every template and repository workflow passes actionlint (which also checks the inputs of every
// local action it uses) and GitHub's own workflow parser; templates follow the project's rules.
const templatesDir = path.join(REPO_ROOT, 'workflows-templates');
const templates = fs.readdirSync(templatesDir).filter((f) => f.endsWith('.yml'));
const repoWorkflows = fs
  .readdirSync(path.join(REPO_ROOT, '.github/workflows'))
  .filter((f) => f.endsWith('.yml'));
const PINNED = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/;

describe('workflow templates', () => {
  test('there are the five templates, each with its properties file', () => {
    expect(templates.sort()).toEqual([
      'ec2-immutable.yml',
      'fleet.yml',
      'full-pipeline.yml',
      'k8s-bluegreen.yml',
      'k8s-canary.yml',
    ]);
    for (const t of templates) {
      const props = JSON.parse(
        fs.readFileSync(path.join(templatesDir, t.replace(/\.yml$/, '.properties.json')), 'utf8'),
      );
      expect(typeof props.name).toBe('string');
      expect(typeof props.description).toBe('string');
      expect(Array.isArray(props.categories)).toBe(true);
    }
  });

  test.each(templates)('%s: minimal permissions, pinned actions, no expression injection in run:', (t) => {
    const text = fs.readFileSync(path.join(templatesDir, t), 'utf8');
    const doc = parse(text);
    expect(doc.permissions).toEqual({ contents: 'read' });
    const jobs = Object.values(doc.jobs) as any[];
    for (const job of jobs) {
      for (const step of job.steps ?? []) {
        if (step.uses && !step.uses.startsWith('org/hac/')) expect(step.uses).toMatch(PINNED);
        if (step.uses?.startsWith('org/hac/'))
          expect(step.uses).toMatch(/^org\/hac\/actions\/[a-z0-9-]+@v1$/);
        // Values reach scripts through env:, never as ${{ }} inside run:.
        if (step.run) expect(step.run).not.toMatch(/\$\{\{/);
      }
    }
    // concurrency per environment: at the workflow level or on every job that has an environment
    const envJobs = jobs.filter((j) => j.environment);
    expect(envJobs.length).toBeGreaterThan(0);
    if (!doc.concurrency) for (const j of envJobs) expect(j.concurrency).toBeDefined();
  });

  test.each(['k8s-canary.yml', 'full-pipeline.yml'])(
    '%s: an abort job removes a paused canary when the promotion is rejected, times out or fails',
    (t) => {
      const doc = parse(fs.readFileSync(path.join(templatesDir, t), 'utf8'));
      const canaryJob = t === 'k8s-canary.yml' ? 'canary' : 'production';
      const abort = doc.jobs.abort;
      expect(abort.needs).toEqual([canaryJob, 'promote']);
      // always(): it must run when promote failed, was cancelled or its approval was rejected.
      expect(abort.if).toBe(
        `always() && needs.${canaryJob}.result == 'success' && needs.${canaryJob}.outputs.verdict == 'paused' && needs.promote.result != 'success'`,
      );
      const [step] = abort.steps;
      const promote = doc.jobs.promote.steps[0];
      expect(step.uses).toBe('org/hac/actions/k8s-canary@v1');
      expect(step.with).toEqual({ ...promote.with, action: 'abort' });
      expect(promote.with.action).toBe('promote');
    },
  );

  test.each(['k8s-canary.yml', 'k8s-bluegreen.yml', 'full-pipeline.yml'])(
    '%s: the image job pushes to ghcr.io with GITHUB_TOKEN by default; other registries optional',
    (t) => {
      const doc = parse(fs.readFileSync(path.join(templatesDir, t), 'utf8'));
      const jobs = Object.values(doc.jobs) as any[];
      const imageJobs = jobs.filter((j) =>
        (j.steps ?? []).some((s: any) => s.uses === 'org/hac/actions/docker-build-push@v1'),
      );
      expect(imageJobs.length).toBe(1);
      const job = imageJobs[0];
      expect(job.permissions).toEqual({ contents: 'read', packages: 'write' });
      const w = job.steps.find((s: any) => s.uses === 'org/hac/actions/docker-build-push@v1').with;
      const ghcr = "(!vars.REGISTRY || vars.REGISTRY == 'ghcr.io')";
      expect(w.images).toBe("${{ vars.REGISTRY || 'ghcr.io' }}/${{ vars.IMAGE_NAME || github.repository }}");
      expect(w.registry).toBe(`\${{ ${ghcr} && 'ghcr.io' || '' }}`);
      expect(w.username).toBe(`\${{ ${ghcr} && github.actor || '' }}`);
      expect(w.password).toBe(`\${{ ${ghcr} && secrets.GITHUB_TOKEN || '' }}`);
      expect(w.registries).toBe('${{ secrets.REGISTRY_LOGINS }}');
      expect(w.push).toBe(true);
    },
  );

  test('the EC2 template uses OIDC through configure-aws-credentials', () => {
    const text = fs.readFileSync(path.join(templatesDir, 'ec2-immutable.yml'), 'utf8');
    expect(text).toContain('aws-actions/configure-aws-credentials@');
    expect(text).toContain('id-token: write');
    expect(text).toContain('role-to-assume:');
  });
});

describe('linters', () => {
  let actionlint: string;
  beforeAll(() => {
    actionlint = requireSandbox(['actionlint']).actionlint;
  });

  test('actionlint passes on every template and repository workflow', () => {
    const files = [
      ...templates.map((t) => path.join('workflows-templates', t)),
      ...repoWorkflows.map((w) => path.join('.github/workflows', w)),
    ];
    const res = spawnSync(actionlint, ['-no-color', ...files], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(res.stdout + res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  test('actionlint is not a rubber stamp: it flags an unknown input of a hac action', () => {
    const dir = fs.mkdtempSync(path.join(REPO_ROOT, '.tmp-lint-'));
    try {
      const wf = path.join(dir, 'bad.yml');
      fs.writeFileSync(
        wf,
        'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: ./actions/smoke-test\n        with:\n          no-such-input: x\n',
      );
      const res = spawnSync(actionlint, ['-no-color', wf], { cwd: REPO_ROOT, encoding: 'utf8' });
      expect(res.status).not.toBe(0);
      expect(res.stdout).toContain('no-such-input');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("GitHub's workflow parser accepts every template", async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-wfp-'));
    try {
      const { default: ncc } = await import('@vercel/ncc');
      const { code } = await ncc(path.join(REPO_ROOT, '__tests__/support/workflow-parser-cli.mjs'), {
        quiet: true,
        cache: false,
        target: 'es2022',
      });
      fs.writeFileSync(path.join(out, 'package.json'), '{"type":"module"}');
      fs.writeFileSync(path.join(out, 'cli.js'), code);
      const files = templates.map((t) => path.join(templatesDir, t));
      const res = spawnSync(process.execPath, [path.join(out, 'cli.js'), ...files], { encoding: 'utf8' });
      expect(res.stderr).toBe('');
      const results = JSON.parse(res.stdout) as Record<string, { errors: string[]; jobs: string[] }>;
      for (const f of files) {
        expect(results[f]?.errors).toEqual([]);
        expect(results[f]?.jobs.length).toBeGreaterThan(1);
      }
      // and it does reject a broken one
      const broken = path.join(out, 'broken.yml');
      fs.writeFileSync(
        broken,
        'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: x/y@v1\n        run: echo both\n',
      );
      const bad = JSON.parse(
        spawnSync(process.execPath, [path.join(out, 'cli.js'), broken], { encoding: 'utf8' }).stdout,
      );
      expect(bad[broken].errors.length).toBeGreaterThan(0);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);
});
