// Property-based tests over every action's input reader: random and hostile values (huge, unicode,
// control characters, YAML bombs, paths out of the workspace, URLs with credentials) for random
// inputs, on top of a minimal valid step. A reader either returns, or throws the toolkit's
// InputError naming only inputs of its action.yml; never anything else, never a leaked credential.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { parse } from 'yaml';
import { InputError, type InputSource } from '@hac/toolkit';
import { readBlueGreenInputs } from '../../../packages/k8s/bluegreen/inputs.js';
import { readCanaryInputs } from '../../../packages/k8s/canary/inputs.js';
import { readSwapConfig } from '../../../packages/aws/eip/config.js';
import { resolveInputs } from '../../../packages/image/inputs.js';
import { readSmokeInputs } from '../../../packages/probe/resolve.js';
import { readBuildAmiInputs } from '../../../packages/aws/ami/inputs.js';
import { eventContext } from '../image/events.js';

const root = path.resolve(import.meta.dirname, '../../..');
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-inputs-property-'));
fs.writeFileSync(path.join(ws, 'Dockerfile'), 'FROM scratch\n');
fs.writeFileSync(path.join(ws, 'provision.sh'), '#!/bin/sh\necho ok\n');
fs.writeFileSync(path.join(ws, 'checks.yml'), '- url: http://127.0.0.1:1/\n');
fs.symlinkSync('/etc/passwd', path.join(ws, 'passwd.yml'));
afterAll(() => fs.rmSync(ws, { recursive: true, force: true }));

const PASSWORD = 'pr0p-s3cret';

/** Nine levels of nine aliases: 9^9 nodes once expanded. */
const aliasBomb = [
  'a0: &a0 [x, x, x, x, x, x, x, x, x]',
  ...Array.from({ length: 8 }, (_, i) => `a${i + 1}: &a${i + 1} [${Array(9).fill(`*a${i}`).join(', ')}]`),
].join('\n');

const hostileConstants = [
  '',
  ' ',
  'true',
  'false',
  '0',
  '-1',
  '1e309',
  'NaN',
  '../../../../etc/passwd',
  '/etc/passwd',
  '/etc/pass*',
  '../*',
  'passwd.yml',
  '/dev/zero',
  '/dev/stdin',
  `http://admin:${PASSWORD}@127.0.0.1/`,
  `- url: https://u:${PASSWORD}@example.com/`,
  'tok3n\r\nX-Injected: 1',
  'a\u0000b',
  '\u001b[31mred',
  '\u202e\u0645\u0631\u062d\u0628\u0627 \u{1f600}',
  '{a: [',
  '- - - - [',
  '['.repeat(100_000),
  '- '.repeat(30_000),
  '{a: '.repeat(5_000),
  aliasBomb,
  `x: ${'y'.repeat(300 * 1024)}`,
  '${{ secrets.TOKEN }}',
  "'; rm -rf / #",
  '__proto__',
  'constructor: {prototype: {polluted: true}}',
];

const hostile: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...hostileConstants),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({
    unit: fc.constantFrom('\r', '\n', '\t', '\u0000', '\u007f', ':', '@', '[', '{', '-', ' ', 'a', '*', '&'),
    maxLength: 40,
  }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

function inputNames(action: string): string[] {
  const doc = parse(fs.readFileSync(path.join(root, 'actions', action, 'action.yml'), 'utf8'));
  return Object.keys(doc.inputs ?? {});
}

type Reader = (source: InputSource) => unknown;
const git = eventContext('push', 'push-main.json');
const now = new Date('2026-12-01T10:00:00Z');

// [action, a minimal valid step, the reader as the action calls it (no network)]
const readers: [string, Record<string, string>, Reader][] = [
  ['smoke-test', { url: 'http://127.0.0.1:1/healthz' }, (s) => readSmokeInputs(s, { cwd: ws, env: {} })],
  [
    'build-ami',
    {
      app: 'web',
      'base-ami': 'ami-0123456789abcdef0',
      'user-data-file': 'provision.sh',
      region: 'us-east-1',
    },
    (s) => readBuildAmiInputs(s, { env: {}, cwd: ws, now }),
  ],
  [
    'docker-build-push',
    { context: '.', images: '127.0.0.1:5000/acme/app', push: 'true' },
    (s) => resolveInputs(s, { git, now, cwd: ws, env: {} }),
  ],
  ['k8s-canary', { app: 'web', image: 'r/web:2', replicas: '4' }, (s) => readCanaryInputs(s)],
  ['k8s-bluegreen', { app: 'web', image: 'r/web:2' }, (s) => readBlueGreenInputs(s, {})],
  [
    'swap-eip',
    {
      'instance-id': 'i-0123456789abcdef0',
      'allocation-id': 'eipalloc-0123456789abcdef0',
      region: 'us-east-1',
    },
    (s) => readSwapConfig(s),
  ],
];

describe.each(readers)('%s input reader', (action, minimal, read) => {
  const names = inputNames(action);

  test('the minimal step reads without error (the property starts from a valid step)', () => {
    expect(() => read((n) => minimal[n] ?? '')).not.toThrow();
  });

  test('hostile values: nothing but an InputError naming the action’s inputs, no leaked credential', () => {
    const overrides = fc.dictionary(fc.constantFrom(...names), hostile, { maxKeys: 6 });
    fc.assert(
      fc.property(overrides, fc.boolean(), (over, fromEmpty) => {
        const values: Record<string, string> = { ...(fromEmpty ? {} : minimal), ...over };
        let err: unknown;
        try {
          read((n) => values[n] ?? '');
        } catch (e) {
          err = e;
        }
        if (err === undefined) return;
        expect(err).toBeInstanceOf(InputError);
        const problems = (err as InputError).problems;
        expect(problems.length).toBeGreaterThan(0);
        for (const p of problems) expect(names).toContain(p.input);
        const text = (err as Error).message;
        for (const p of problems) expect(text).toContain(`input "${p.input}"`);
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toMatch(/call stack|Excessive alias|YAMLParseError|at line \d+, column \d+:\n/);
        expect(text).not.toContain('root:x:0:0');
      }),
      { numRuns: 150, seed: Number(process.env.HAC_PROPERTY_SEED ?? 17) },
    );
  });
});
