import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
// @ts-expect-error: a plain .mjs script with no type declarations
import { measure, measureFile } from '../../../scripts/sizes.mjs';

interface Fn {
  name: string;
  line: number;
  lines: number;
}

function tmpFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-sizes-'));
  const file = path.join(dir, 'x.ts');
  fs.writeFileSync(file, text);
  return file;
}

const body = (n: number) => Array.from({ length: n }, (_, i) => `  const v${i} = ${i};`).join('\n');

describe('sizes: functions and files counted with the compiler API', () => {
  test.each([
    ['a declaration', `export function f() {\n${body(3)}\n}\n`, [{ name: 'f', line: 1, lines: 5 }]],
    ['an arrow in a const', `const g = () => {\n${body(1)}\n};\n`, [{ name: 'g', line: 1, lines: 3 }]],
    [
      'a method and its constructor',
      `class C {\n  constructor() {}\n  m(): number {\n    return 1;\n  }\n}\n`,
      [
        { name: 'constructor', line: 2, lines: 1 },
        { name: 'm', line: 3, lines: 3 },
      ],
    ],
    [
      'a nested closure, counted on its own too',
      `function outer() {\n  const inner = function () {\n    return 1;\n  };\n  return inner;\n}\n`,
      [
        { name: 'outer', line: 1, lines: 6 },
        { name: 'inner', line: 2, lines: 3 },
      ],
    ],
    ['a declaration with no body is not a function to measure', `declare function h(): void;\n`, []],
  ])('%s', (_label, text, expected) => {
    const m = measureFile(tmpFile(text)) as { lines: number; functions: Fn[] };
    expect(m.functions).toEqual(expected);
    expect(m.lines).toBe(text.split('\n').length - 1);
  });

  test('the report names every offender over the limits', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-sizes-root-'));
    fs.mkdirSync(path.join(root, 'packages', 'p'), { recursive: true });
    fs.mkdirSync(path.join(root, 'actions', 'a'), { recursive: true });
    fs.writeFileSync(path.join(root, 'packages', 'p', 'big.ts'), `export function big() {\n${body(10)}\n}\n`);
    fs.writeFileSync(path.join(root, 'packages', 'p', 'big.test.ts'), `function t() {\n${body(50)}\n}\n`);
    fs.writeFileSync(path.join(root, 'actions', 'a', 'main.ts'), `const m = () => 1;\n`);
    const r = measure(root, { function: 5, file: 10 });
    expect(r.files).toBe(2);
    expect(r.bigFunctions).toEqual([{ file: 'packages/p/big.ts', name: 'big', line: 1, lines: 12 }]);
    expect(r.bigFiles).toEqual([{ file: 'packages/p/big.ts', lines: 12 }]);
  });
});
