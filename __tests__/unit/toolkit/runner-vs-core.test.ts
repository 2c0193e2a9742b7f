// runner.ts against @actions/core: the same calls through both must write the same bytes to
// GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY and stdout, and set the same exit code.
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import { Summary } from '@hac/toolkit';
import { runner, type AnnotationProperties } from '../../../packages/toolkit/runner.js';

/** The part of the protocol both implementations offer, plus one summary append. */
interface Protocol {
  setOutput(name: string, value: string): void;
  saveState(name: string, value: string): void;
  setFailed(message: string): void;
  error(message: string, props?: AnnotationProperties): void;
  warning(message: string, props?: AnnotationProperties): void;
  notice(message: string, props?: AnnotationProperties): void;
  setSecret(secret: string): void;
  info(message: string): void;
  debug(message: string): void;
  startGroup(name: string): void;
  endGroup(): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  summary(markdown: Summary): Promise<void>;
}

const viaCore: Protocol = {
  ...core,
  summary: async (md) => void (await core.summary.addRaw(md.toString(), true).write()),
};
const viaRunner: Protocol = { ...runner, summary: (md) => md.write() };

const table = (): Summary =>
  new Summary()
    .heading('k8s-canary: ✅ promoted')
    .table(
      ['step', 'weight'],
      [
        ['25%', 'a|b'],
        ['100%', 'two\nlines'],
      ],
    )
    .details('Plan', 'nothing to do');

const calls: Array<(p: Protocol) => void | Promise<unknown>> = [
  (p) => p.setOutput('report', '{"a":1}\nline 2\r\nwindows line\n'),
  (p) => p.setOutput('empty', ''),
  (p) => p.setOutput('percent', '100% done: a,b'),
  (p) => p.saveState('phase', 'switched\nback'),
  (p) => p.setFailed('boom\n  next line 100%'),
  (p) =>
    p.error('bad input', {
      title: 'hac: invalid, inputs',
      file: 'action.yml',
      startLine: 3,
      endLine: 4,
      startColumn: 0,
      endColumn: 9,
    }),
  (p) => p.error('plain error'),
  (p) => p.warning('careful\r\nnow'),
  (p) => p.warning('titled', { title: 'only a title' }),
  (p) => p.notice('note', { file: 'a b.ts', startLine: 1 }),
  (p) => p.setSecret('s3cr3t:with,comma%'),
  (p) => p.info('plain\nmulti-line info'),
  (p) => p.debug('debug: 50% %0A literal'),
  (p) => p.startGroup('Deploy'),
  (p) => p.info('inside'),
  (p) => p.endGroup(),
  (p) => p.group('Async group', async () => p.info('in group')),
  (p) => p.summary(table()),
  (p) => p.summary(new Summary().text('second append')),
];

/** Replaces each random heredoc delimiter by its order of appearance (D1, D2, ...). */
function normalise(text: string): string {
  const seen = new Map<string, string>();
  return text.replace(/ghadelimiter_[0-9a-f-]{36}/g, (d) => {
    if (!seen.has(d)) seen.set(d, `D${seen.size + 1}`);
    return seen.get(d) as string;
  });
}

let dir: string;
const FILES = ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY'] as const;
beforeAll(() => void (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-runner-core-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs every call through one implementation; returns what it wrote. */
async function record(
  who: 'core' | 'runner',
  impl: Protocol,
  withFiles: boolean,
): Promise<Record<string, unknown>> {
  const saved = { ...process.env };
  const exitCode = process.exitCode;
  const stdout: string[] = [];
  // @actions/core keeps the first summary path it sees: one summary file per implementation,
  // emptied for each scenario.
  const summaryFile = path.join(dir, `${who}-summary`);
  fs.writeFileSync(summaryFile, '');
  process.env.GITHUB_STEP_SUMMARY = summaryFile;
  for (const name of FILES.slice(0, 2)) {
    const file = path.join(dir, `${who}-${withFiles}-${name}`);
    fs.writeFileSync(file, '');
    if (withFiles) process.env[name] = file;
    else delete process.env[name];
  }
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout.push(String(chunk));
    return true;
  });
  try {
    for (const call of calls) await call(impl);
  } finally {
    write.mockRestore();
  }
  const result: Record<string, unknown> = { stdout: normalise(stdout.join('')), exitCode: process.exitCode };
  for (const name of FILES) {
    const file = name === 'GITHUB_STEP_SUMMARY' ? summaryFile : path.join(dir, `${who}-${withFiles}-${name}`);
    result[name] = normalise(fs.readFileSync(file, 'utf8'));
  }
  process.env = saved;
  process.exitCode = exitCode;
  return result;
}

describe.each([
  ['with environment files', true],
  ['without GITHUB_OUTPUT and GITHUB_STATE (workflow commands)', false],
])('%s', (_name, withFiles) => {
  test('runner.ts writes the same bytes as @actions/core', async () => {
    const fromCore = await record('core', viaCore, withFiles);
    const fromRunner = await record('runner', viaRunner, withFiles);
    expect(fromRunner).toEqual(fromCore);
    // The comparison is not vacuous: every channel received something.
    expect(fromCore.exitCode).toBe(1);
    expect(fromCore.GITHUB_STEP_SUMMARY).toContain('| 25% | a\\|b |');
    expect(fromCore.stdout).toContain('::add-mask::s3cr3t:with,comma%25');
    if (withFiles)
      expect(fromCore.GITHUB_OUTPUT).toContain('report<<D1\n{"a":1}\nline 2\r\nwindows line\n\nD1\n');
    else expect(fromCore.stdout).toContain('::set-output name=report::');
    expect(withFiles ? fromCore.GITHUB_STATE : fromCore.stdout).toContain('switched');
  });
});
