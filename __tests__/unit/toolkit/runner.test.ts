import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inputEnvName } from '@hac/toolkit';
import { envInputs } from '../../../packages/toolkit/inputs.js';
import {
  formatCommand,
  heredocDelimiter,
  keyValueMessage,
  runner,
} from '../../../packages/toolkit/runner.js';

// The runner protocol, as documented for workflow commands and environment files.
describe('formatCommand', () => {
  test.each([
    ['error', {}, 'plain', '::error::plain'],
    ['error', { title: 'a:b,c' }, 'x', '::error title=a%3Ab%2Cc::x'],
    [
      'warning',
      { file: 'f.ts', line: 3, col: undefined },
      'multi\nline 100%',
      '::warning file=f.ts,line=3::multi%0Aline 100%25',
    ],
    ['add-mask', {}, 's3cret', '::add-mask::s3cret'],
    ['group', {}, 'Deploy', '::group::Deploy'],
  ])('%s %j %j', (name, props, msg, want) => expect(formatCommand(name, props, msg)).toBe(want));
});

describe('inputEnvName', () => {
  test.each([
    ['load-requests', 'INPUT_LOAD-REQUESTS'],
    ['my input', 'INPUT_MY_INPUT'],
    ['hac-action', 'INPUT_HAC-ACTION'],
    ['a  b', 'INPUT_A__B'],
  ])('%j -> %s', (name, want) => expect(inputEnvName(name)).toBe(want));

  test('envInputs reads the same variables, untrimmed', () => {
    const read = envInputs({ 'INPUT_LOAD-REQUESTS': ' 100 ', INPUT_MY_INPUT: 'v' }, () => {});
    expect([read('load-requests'), read('my input'), read('absent')]).toEqual([' 100 ', 'v', '']);
  });
});

describe('environment files', () => {
  let dir: string;
  const saved = { ...process.env };
  let write: ReturnType<typeof jest.spyOn>;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-runner-'));
    for (const f of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY']) {
      process.env[f] = path.join(dir, f);
      fs.writeFileSync(process.env[f] as string, '');
    }
    write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    write.mockRestore();
    process.env = { ...saved };
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('outputs and state use the heredoc file format with a unique delimiter', () => {
    runner.setOutput('report', '{"a":1}\nsecond line');
    runner.saveState('phase', 'switched');
    const out = fs.readFileSync(process.env.GITHUB_OUTPUT as string, 'utf8');
    expect(out).toMatch(/^report<<(ghadelimiter_[0-9a-f-]+)\n\{"a":1\}\nsecond line\n\1\n$/);
    expect(fs.readFileSync(process.env.GITHUB_STATE as string, 'utf8')).toContain('phase<<ghadelimiter_');
  });

  test('state is read from the STATE_ variables', () => {
    process.env.STATE_phase = 'p';
    expect([runner.getState('phase'), runner.getState('absent')]).toEqual(['p', '']);
  });

  test('a summary is appended to GITHUB_STEP_SUMMARY with a line end; without it nothing is written', () => {
    const file = process.env.GITHUB_STEP_SUMMARY as string;
    expect(runner.appendSummary('## one')).toBe(true);
    expect(runner.appendSummary('| a |\n| --- |')).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe('## one\n| a |\n| --- |\n');
    delete process.env.GITHUB_STEP_SUMMARY;
    expect(runner.appendSummary('lost')).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).not.toContain('lost');
  });

  test('setFailed sets the exit code and writes an error command', () => {
    const before = process.exitCode;
    runner.setFailed('boom\nmore');
    expect(process.exitCode).toBe(1);
    expect(write).toHaveBeenCalledWith(`::error::boom%0Amore${os.EOL}`);
    process.exitCode = before;
  });

  test('a value containing the delimiter is refused', () => {
    expect(() => keyValueMessage('a', 'x d y', 'd')).toThrow();
  });

  test.each([
    ['lowest', () => 0, 'ghadelimiter_00000000-0000-4000-8000-000000000000'],
    ['highest', () => 0.999999, 'ghadelimiter_ffffffff-ffff-4fff-bfff-ffffffffffff'],
  ])('the delimiter has the form of a v4 UUID (%s random values)', (_n, random, expected) => {
    expect(heredocDelimiter(random)).toBe(expected);
  });

  test('each delimiter is fresh', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => heredocDelimiter()));
    expect(seen.size).toBe(1000);
    for (const d of seen)
      expect(d).toMatch(/^ghadelimiter_[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
