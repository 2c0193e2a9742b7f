// scripts/jest-sequencer.cjs starts the longest suites first, from the last run's durations or
// the committed ones; the committed file names suites that exist.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, test } from '@jest/globals';

const root = path.resolve(import.meta.dirname, '../../..');
const seq = createRequire(import.meta.url)(path.join(root, 'scripts/jest-sequencer.cjs')) as {
  order: (paths: string[], durations: Record<string, number>) => string[];
  loadDurations: (sources: string[]) => Record<string, number>;
  ROOT: string;
};
const abs = (...rel: string[]) => rel.map((r) => path.join(seq.ROOT, r));

describe('jest sequencer', () => {
  test.each([
    [
      'longest first',
      ['a.test.ts', 'b.test.ts', 'c.test.ts'],
      { 'a.test.ts': 1, 'b.test.ts': 300, 'c.test.ts': 20 },
      ['b.test.ts', 'c.test.ts', 'a.test.ts'],
    ],
    [
      'an unknown suite counts as 5 s',
      ['new.test.ts', 'fast.test.ts', 'slow.test.ts'],
      { 'fast.test.ts': 100, 'slow.test.ts': 60_000 },
      ['slow.test.ts', 'new.test.ts', 'fast.test.ts'],
    ],
    ['ties keep path order', ['z.test.ts', 'y.test.ts'], {}, ['y.test.ts', 'z.test.ts']],
  ])('%s', (_what, paths, durations, want) => {
    expect(seq.order(abs(...paths), durations)).toEqual(abs(...want));
  });

  test('the first source that reads wins; none gives no durations', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-seq-'));
    const good = path.join(dir, 'good.json');
    fs.writeFileSync(good, JSON.stringify({ 'x.test.ts': 7 }));
    expect(seq.loadDurations([path.join(dir, 'missing.json'), good])).toEqual({ 'x.test.ts': 7 });
    expect(seq.loadDurations([path.join(dir, 'missing.json')])).toEqual({});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the committed durations name existing suites, the slow ones among them', () => {
    const committed = JSON.parse(
      fs.readFileSync(path.join(root, 'scripts/jest-durations.json'), 'utf8'),
    ) as Record<string, number>;
    const names = Object.keys(committed);
    expect(names.length).toBeGreaterThan(50);
    expect(names.filter((n) => !fs.existsSync(path.join(root, n)))).toEqual([]);
    expect(Math.max(...Object.values(committed))).toBeGreaterThan(60_000);
  });
});
