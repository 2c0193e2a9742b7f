// The toolkit's input-safety helpers: workspace confinement (real files and symlinks), bounded
// YAML, credentials without control characters, URL credentials masked and redacted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import {
  input,
  InputError,
  parseYamlBounded,
  readInputs,
  readWorkspaceFile,
  redact,
  stripUrlCredentials,
  workspacePath,
} from '@hac/toolkit';
import { envInputs } from '../../../packages/toolkit/inputs.js';
import { nestingDepth } from '../../../packages/toolkit/yaml.js';
import { urlCredentials } from '../../../packages/toolkit/secrets.js';

const top = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-input-safety-'));
const ws = path.join(top, 'ws');
fs.mkdirSync(path.join(ws, 'sub'), { recursive: true });
fs.writeFileSync(path.join(ws, 'sub', 'a.txt'), 'inside');
fs.writeFileSync(path.join(top, 'secret.txt'), 'outside-content');
fs.symlinkSync(path.join(top, 'secret.txt'), path.join(ws, 'link.txt'));
fs.symlinkSync(path.join(ws, 'sub', 'a.txt'), path.join(ws, 'inner-link.txt'));
afterAll(() => fs.rmSync(top, { recursive: true, force: true }));

describe('workspacePath', () => {
  test.each([
    ['sub/a.txt', path.join(ws, 'sub/a.txt')],
    ['./sub/../sub/a.txt', path.join(ws, 'sub/a.txt')],
    ['inner-link.txt', path.join(ws, 'inner-link.txt')],
    ['missing.txt', path.join(ws, 'missing.txt')],
    [path.join(ws, 'sub'), path.join(ws, 'sub')],
  ])('%s stays inside', (value, resolved) => expect(workspacePath(value, { root: ws })).toBe(resolved));

  test.each([['..'], ['../secret.txt'], ['/etc/passwd'], ['link.txt'], ['sub/../../secret.txt']])(
    '%s is refused, unless allowed',
    (value) => {
      expect(() => workspacePath(value, { root: ws })).toThrow(/resolves outside it/);
      expect(() => workspacePath(value, { root: ws, allowOutside: true })).not.toThrow();
    },
  );

  test('the runner’s RUNNER_TEMP is allowed too, but not a symlink out of it', () => {
    const temp = path.join(top, 'runner-temp');
    fs.mkdirSync(temp, { recursive: true });
    fs.writeFileSync(path.join(temp, 'user-data.sh'), '#!/bin/sh\n');
    fs.symlinkSync(path.join(top, 'secret.txt'), path.join(temp, 'out.txt'));
    const env = { RUNNER_TEMP: temp };
    const file = path.join(temp, 'user-data.sh');
    expect(workspacePath(file, { root: ws, env })).toBe(file);
    expect(() => workspacePath(file, { root: ws, env: {} })).toThrow(/resolves outside it/);
    expect(() => workspacePath(path.join(temp, 'out.txt'), { root: ws, env })).toThrow(
      /or RUNNER_TEMP .*through a symlink/,
    );
  });

  test('the root falls back to GITHUB_WORKSPACE, then the working directory', () => {
    expect(() => workspacePath('sub/a.txt', { env: { GITHUB_WORKSPACE: ws } })).not.toThrow();
    expect(() => workspacePath(path.join(ws, 'sub'), { env: {} })).toThrow(/outside/);
  });
});

describe('readWorkspaceFile', () => {
  test.each<[string, object, RegExp]>([
    ['link.txt', {}, /through a symlink to .*secret\.txt/],
    ['sub', {}, /a regular file/],
    ['/dev/zero', { allowOutside: true }, /a regular file/],
    ['missing.txt', {}, /an existing file .*ENOENT/],
    ['sub/a.txt', { maxBytes: 3 }, /a file of at most 3 bytes; .* has 6 bytes/],
  ])('%s: a clear error, never the content', (value, opts, message) => {
    expect(() => readWorkspaceFile(value, { root: ws, ...opts })).toThrow(message);
    expect(() => readWorkspaceFile(value, { root: ws, ...opts })).not.toThrow(/outside-content|inside$/);
  });
  test('a file inside is read', () =>
    expect(readWorkspaceFile('sub/a.txt', { root: ws }).text).toBe('inside'));
});

describe('bounded YAML', () => {
  test.each([
    ['[[[]]]', 3, 0],
    ['a:\n  b:\n    - c', 0, 6],
    ['- - - x', 0, 6],
    ['x: "[[["', 3, 0],
  ])('nestingDepth(%j)', (text, flow, block) => expect(nestingDepth(text)).toEqual({ flow, block }));

  test.each<[string, RegExp]>([
    ['['.repeat(1000), /nested more than 200 levels deep/],
    [' '.repeat(500) + 'a: 1', /indented more than 400 columns/],
    ['x'.repeat(300 * 1024), /300 KiB, more than the limit of 256 KiB/],
    ['a: &a [1]\nb: [' + Array(200).fill('*a').join(',') + ']', /more than 100 aliases/],
    ['a: [1', /^not valid YAML or JSON \(/],
  ])('refuses %#', (text, message) => {
    expect(() => parseYamlBounded(text)).toThrow(message);
    expect(() => parseYamlBounded(text)).not.toThrow(/call stack|Excessive/);
  });
});

describe('credentials', () => {
  const spec = { token: input.credential({ expected: 'a token' }) };
  test.each(['a\r\nb', 'a\nb', 'a\u0000b', 'a\tb', 'a\u001bb', 'a\u0085b'])(
    '%j is an input error, redacted',
    (raw) => {
      const err = (() => {
        try {
          readInputs(spec, () => raw);
        } catch (e) {
          return e as InputError;
        }
      })();
      expect(err).toBeInstanceOf(InputError);
      expect(err?.message).toContain('input "token": got "***"; expected a token on one line');
    },
  );
  test('surrounding whitespace is trimmed', () =>
    expect(readInputs(spec, () => ' tok \n').token).toBe('tok'));

  test.each([
    ['http://admin:pass@host/', 'http://***@host/'],
    ['see https://u:p%40ss@h:8/x and ftp://a@b', 'see https://***@h:8/x and ftp://***@b'],
    ['/w/http:/admin:pass@host', '/w/http:/***@host'],
    ['user@example.com', 'user@example.com'],
  ])('stripUrlCredentials(%j)', (text, out) => {
    expect(stripUrlCredentials(text)).toBe(out);
    expect(redact(text, [])).toBe(out);
  });

  test('URL credentials are masked as inputs are read, and never echoed in an input error', () => {
    expect(urlCredentials('https://u:p%40ss@h/')).toEqual(['u:p%40ss', 'u:p@ss', 'p%40ss', 'p@ss']);
    const masked: string[] = [];
    const source = envInputs({ INPUT_URL: 'http://admin:hunter22@h/' }, (t) =>
      masked.push(...urlCredentials(t)),
    );
    expect(source('url')).toBe('http://admin:hunter22@h/');
    expect(masked).toContain('hunter22');
    const read = () => readInputs({ url: input.string({ pattern: /^x$/ }) }, source);
    expect(read).toThrow(/got "http:\/\/\*\*\*@h\/"/);
    expect(read).not.toThrow(/hunter22/);
  });
});
