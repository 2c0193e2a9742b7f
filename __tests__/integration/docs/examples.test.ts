import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { planDispatch, type Manifest } from '@hac/dispatch';
import { inputEnvName } from '../../../packages/toolkit/runner.js';
import { SELECTOR } from '../../../packages/dispatch/dispatch.js';
import { READERS } from '../../support/action-readers.js';
import {
  asWorkflow,
  documentationFiles,
  HAC_ACTION_USES,
  HAC_ROOT_USES,
  isHacUses,
  parse,
  shapeOf,
  stepsOf,
  withStrings,
  yamlBlocks,
  type Block,
  type Step,
} from '../../support/examples.js';
import { requireSandbox, REPO_ROOT } from '../../support/sandbox.js';

// Every YAML example of the documentation (root README, each action's README, docs/) is real:
// it parses, its hac steps use the published form, every `with:` key is an input of that action,
// no required input is missing, the values pass the action's own input reader (offline), and the
// workflow-shaped ones pass actionlint.
const manifest = JSON.parse(
  fs.readFileSync(path.join(REPO_ROOT, 'root/manifest.generated.json'), 'utf8'),
) as Manifest;
// The repository an example assumes: the files its inputs name (provision scripts, templates, ...).
const workspace = path.join(REPO_ROOT, '__tests__/fixtures/example-workspace');
const KUBECONFIG = fs.readFileSync(path.join(workspace, 'kubeconfig.yaml'), 'utf8');
// What the runner would put in place of each expression the examples use.
const SAMPLES: Record<string, string> = {
  'github.sha': '0123456789abcdef0123456789abcdef01234567',
  'github.repository': 'org/app',
  'github.actor': 'octocat',
  'secrets.GITHUB_TOKEN': 'ghs_sample',
  'github.token': 'ghs_sample',
  'secrets.LICENSE_KEY': 'sample-licence',
  'secrets.SMOKE_TOKEN': 'sample-token',
  'secrets.KUBECONFIG': KUBECONFIG,
  'steps.image.outputs.image': `ghcr.io/org/app@sha256:${'a'.repeat(64)}`,
  'steps.ami.outputs.ami-id': 'ami-0123456789abcdef0',
  'vars.FLEET': JSON.stringify([
    { clusters: ['prod-eu'] },
    { clusters: ['prod-us', 'prod-ap'], 'max-parallel': 2 },
  ]),
};

const blocks: Block[] = documentationFiles(REPO_ROOT).flatMap((f) =>
  yamlBlocks(fs.readFileSync(path.join(REPO_ROOT, f), 'utf8'), f),
);

interface HacStep {
  where: string;
  step: Step;
}
const hacSteps: HacStep[] = [];
for (const b of blocks) {
  let doc: unknown;
  try {
    doc = parse(b.text);
  } catch {
    continue; // reported by the parse test
  }
  const shape = shapeOf(doc);
  if (!shape) continue;
  for (const step of stepsOf(doc, shape))
    if (typeof step?.uses === 'string' && isHacUses(step.uses)) hacSteps.push({ where: b.where, step });
}

/** Checks one hac step as the root action and then the action itself would: returns the problem, or ''. */
function checkStep(step: Step): string {
  const uses = String(step.uses);
  const m = HAC_ACTION_USES.exec(uses);
  if (!m && uses !== HAC_ROOT_USES)
    return `uses "${uses}": expected org/hac/actions/<name>@v1 or ${HAC_ROOT_USES}`;
  try {
    const given = withStrings(step.with, SAMPLES);
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(given)) env[inputEnvName(k)] = v;
    if (m) {
      if (!(m[1]! in manifest)) return `uses "${uses}": there is no hac action "${m[1]}"`;
      if (SELECTOR in given) return `"${SELECTOR}" is an input of ${HAC_ROOT_USES} only`;
      env[inputEnvName(SELECTOR)] = m[1];
    }
    // The root's dispatch check: the action exists, every key is one of its inputs, none required is missing.
    const plan = planDispatch(manifest, env);
    if (plan.warnings.length) return plan.warnings.join('\n');
    READERS[plan.action]!((name) => plan.env[inputEnvName(name)] ?? '', workspace);
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('documentation examples', () => {
  test('there are examples in the root README, every action README and the hac steps of each action', () => {
    const files = new Set(blocks.map((b) => b.where.replace(/:\d+$/, '')));
    expect(files).toContain('README.md');
    for (const a of Object.keys(manifest)) expect(files).toContain(`actions/${a}/README.md`);
    const used = new Set(hacSteps.map((s) => HAC_ACTION_USES.exec(String(s.step.uses))?.[1]));
    for (const a of Object.keys(manifest)) expect(used).toContain(a);
  });

  test.each(blocks.map((b): [string, Block] => [b.where, b]))(
    '%s parses and is a workflow, job, steps or object',
    (_w, b) => {
      const doc = parse(b.text);
      expect(shapeOf(doc)).toBeDefined();
    },
  );

  test.each(hacSteps.map((s): [string, HacStep] => [`${s.where} ${String(s.step.uses)}`, s]))(
    '%s: real uses, inputs and values',
    (_w, s) => {
      expect(checkStep(s.step)).toBe('');
    },
  );

  test.each([
    [
      { uses: 'hac/actions/smoke-test@v1', with: { url: 'https://x/' } },
      'expected org/hac/actions/<name>@v1',
    ],
    [{ uses: 'your-org/hac/actions/smoke-test@v1', with: { url: 'https://x/' } }, 'expected org/hac'],
    [{ uses: 'org/hac/actions/smoke-test@v1', with: { url: 'https://x/', app: 'web' } }, 'no input "app"'],
    [{ uses: 'org/hac/actions/smoke-test@v1', with: { url: 'not a url' } }, 'input "url"'],
    [{ uses: 'org/hac/actions/k8s-canary@v1', with: { image: 'nginx:1' } }, 'input "app"'],
    [{ uses: 'org/hac@v1', with: { action: 'promote', app: 'web' } }, 'input "hac-action"'],
    [
      { uses: 'org/hac@v1', with: { action: 'smoke-test', url: 'https://x/' } },
      'use "hac-action: smoke-test"',
    ],
    [
      { uses: 'org/hac/actions/k8s-canary@v1', with: { image: '${{ steps.x.outputs.y }}' } },
      'no sample value',
    ],
  ])('the check is not a rubber stamp: %j fails', (step, message) => {
    expect(checkStep(step)).toContain(message);
  });

  test('the root form runs k8s actions with their own action input', () => {
    const step = { uses: HAC_ROOT_USES, with: { [SELECTOR]: 'k8s-canary', action: 'promote', app: 'web' } };
    expect(checkStep(step)).toBe('');
  });
});

describe('actionlint', () => {
  test('every example with steps passes actionlint (wrapped in the least workflow when it is a fragment)', () => {
    const { actionlint } = requireSandbox(['actionlint']);
    const dir = fs.mkdtempSync(path.join(REPO_ROOT, '.tmp-examples-'));
    try {
      const files: string[] = [];
      for (const b of blocks) {
        const doc = parse(b.text);
        const wf = asWorkflow(doc, shapeOf(doc)!);
        if (!wf) continue;
        const file = path.join(dir, `${b.where.replace(/[/:.]/g, '_')}.yml`);
        fs.writeFileSync(file, stringify(wf, { lineWidth: 0 }));
        files.push(file);
      }
      expect(files.length).toBeGreaterThan(10);
      const res = spawnSync(actionlint, ['-no-color', ...files], { cwd: REPO_ROOT, encoding: 'utf8' });
      expect(res.stdout + res.stderr).toBe('');
      expect(res.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
