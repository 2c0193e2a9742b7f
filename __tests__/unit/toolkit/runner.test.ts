import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatCommand, keyValueMessage, runner } from '@hac/toolkit';

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

describe('environment files', () => {
  let dir: string;
  const saved = { ...process.env };
  let write: ReturnType<typeof jest.spyOn>;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-runner-'));
    for (const f of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_ENV']) {
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

  test('outputs, state and variables use the heredoc file format with a unique delimiter', () => {
    runner.setOutput('report', '{"a":1}\nsecond line');
    runner.saveState('phase', 'switched');
    runner.exportVariable('HAC_X', 'y');
    const out = fs.readFileSync(process.env.GITHUB_OUTPUT as string, 'utf8');
    expect(out).toMatch(/^report<<(ghadelimiter_[0-9a-f-]+)\n\{"a":1\}\nsecond line\n\1\n$/);
    expect(fs.readFileSync(process.env.GITHUB_STATE as string, 'utf8')).toContain('phase<<ghadelimiter_');
    expect(process.env.HAC_X).toBe('y');
  });

  test('inputs and state are read from the INPUT_ and STATE_ variables', () => {
    process.env['INPUT_LOAD-REQUESTS'] = ' 100 ';
    process.env.INPUT_MY_INPUT = 'v';
    process.env.STATE_phase = 'p';
    expect(runner.getInput('load-requests')).toBe('100');
    expect(runner.getInput('my input')).toBe('v');
    expect(runner.getState('phase')).toBe('p');
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
});
