import { describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../support/sandbox.js';

// Every third-party action the templates use is pinned by full commit SHA to a release that runs
// on node24, with that release's tag in a comment. The pinned commit's action.yml is checked in
// (__tests__/fixtures/pinned-actions/<owner>/<repo>/<sha>/, with its TAG), and the local pipeline
// maps exactly these pins to its stand-ins (scripts/pipeline/pins.mjs).
const templatesDir = path.join(REPO_ROOT, 'workflows-templates');
const fixtures = path.join(REPO_ROOT, '__tests__/fixtures/pinned-actions');
const { PINS } = (await import(path.join(REPO_ROOT, 'scripts/pipeline/pins.mjs'))) as {
  PINS: Record<string, { sha: string; version: string; standIn: string }>;
};

interface Pin {
  where: string;
  repo: string;
  sha: string;
  comment: string;
  inputs: string[];
}

/** Every `uses:` of a third-party action in a template, with the version comment on its line. */
function pinsOf(text: string, file: string): Pin[] {
  const lines = text.split('\n');
  const doc = parse(text) as { jobs: Record<string, { steps?: { uses?: string; with?: object }[] }> };
  const steps = Object.values(doc.jobs).flatMap((j) => j.steps ?? []);
  const out: Pin[] = [];
  for (const step of steps.filter((s) => s.uses && !s.uses.startsWith('org/hac'))) {
    const index = lines.findIndex((l) => l.includes(`uses: ${step.uses}`));
    const m = /^([\w.-]+\/[\w.-]+)(?:\/[\w./-]+)?@([^\s#]+)/.exec(step.uses as string);
    out.push({
      where: `${file}:${index + 1}`,
      repo: m?.[1] ?? String(step.uses),
      sha: m?.[2] ?? '',
      comment: /#\s*(\S+)\s*$/.exec(lines[index] ?? '')?.[1] ?? '',
      inputs: Object.keys(step.with ?? {}),
    });
  }
  return out;
}

/** What is wrong with one pin, checked against the fixtures in `dir`: '' when nothing. */
function pinProblem(pin: Pin, dir: string): string {
  if (!/^[0-9a-f]{40}$/.test(pin.sha)) return `${pin.repo}@${pin.sha}: not a full commit SHA`;
  const base = path.join(dir, pin.repo, pin.sha);
  if (!fs.existsSync(path.join(base, 'action.yml')))
    return `no fixture ${path.relative(dir, base)}/action.yml`;
  const action = parse(fs.readFileSync(path.join(base, 'action.yml'), 'utf8')) as {
    runs?: { using?: string };
    inputs?: Record<string, unknown>;
  };
  const tag = fs.readFileSync(path.join(base, 'TAG'), 'utf8').trim();
  const using = String(action.runs?.using ?? '');
  if (!['node24', 'composite', 'docker'].includes(using))
    return `${pin.repo}@${tag} runs on ${using}, not node24`;
  if (pin.comment !== tag) return `comment "# ${pin.comment}" but the pinned commit is ${tag}`;
  const unknown = pin.inputs.filter((i) => !(i in (action.inputs ?? {})));
  if (unknown.length) return `${pin.repo}@${tag} has no input ${unknown.join(', ')}`;
  return '';
}

const pins = fs
  .readdirSync(templatesDir)
  .filter((f) => f.endsWith('.yml'))
  .sort()
  .flatMap((f) => pinsOf(fs.readFileSync(path.join(templatesDir, f), 'utf8'), `workflows-templates/${f}`));

describe('third-party pins in the templates', () => {
  test('the templates use the five pinned actions', () => {
    expect([...new Set(pins.map((p) => p.repo))].sort()).toEqual([
      'actions/checkout',
      'actions/download-artifact',
      'actions/setup-go',
      'actions/upload-artifact',
      'aws-actions/configure-aws-credentials',
    ]);
  });

  test.each(pins.map((p): [string, Pin] => [`${p.where} ${p.repo}@${p.sha.slice(0, 7)} # ${p.comment}`, p]))(
    '%s: full SHA of a node24 release, comment = its tag, inputs declared',
    (_w, pin) => {
      expect(pinProblem(pin, fixtures)).toBe('');
    },
  );

  test('one pin per action across the templates, and the local pipeline maps exactly those', () => {
    const byRepo = new Map<string, Set<string>>();
    for (const p of pins) byRepo.set(p.repo, (byRepo.get(p.repo) ?? new Set()).add(`${p.sha} ${p.comment}`));
    for (const [repo, set] of byRepo) {
      expect([repo, [...set]]).toEqual([repo, [`${PINS[repo]?.sha} ${PINS[repo]?.version}`]]);
    }
    expect(Object.keys(PINS).sort()).toEqual([...byRepo.keys()].sort());
  });

  test.each(Object.entries(PINS))('%s: the stand-in accepts every input the templates pass', (repo, pin) => {
    const standIn = parse(
      fs.readFileSync(path.join(REPO_ROOT, 'scripts/pipeline/stand-ins', pin.standIn, 'action.yml'), 'utf8'),
    ) as { inputs?: Record<string, unknown> };
    for (const p of pins.filter((x) => x.repo === repo))
      for (const i of p.inputs) expect([p.where, i, i in (standIn.inputs ?? {})]).toEqual([p.where, i, true]);
  });

  test.each([
    ['node20', 'v4.2.2', 'v4.2.2', 'runs on node20, not node24'],
    ['node24', 'v7.0.1', 'v7.0.0', 'comment "# v7.0.0" but the pinned commit is v7.0.1'],
  ])('the check is not a rubber stamp: runs %s, tag %s, comment %s', (using, tag, comment, message) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-pins-'));
    try {
      const sha = 'a'.repeat(40);
      fs.mkdirSync(path.join(dir, 'o/r', sha), { recursive: true });
      fs.writeFileSync(path.join(dir, 'o/r', sha, 'action.yml'), `runs:\n  using: ${using}\n  main: x.js\n`);
      fs.writeFileSync(path.join(dir, 'o/r', sha, 'TAG'), `${tag}\n`);
      expect(pinProblem({ where: 't', repo: 'o/r', sha, comment, inputs: [] }, dir)).toContain(message);
      expect(pinProblem({ where: 't', repo: 'o/r', sha: 'v4', comment, inputs: [] }, dir)).toContain(
        'not a full commit SHA',
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
