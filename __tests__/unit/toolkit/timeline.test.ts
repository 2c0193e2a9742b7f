import { describe, expect, test } from '@jest/globals';
import { Timeline, markLine, type TimelineEntry } from '@hac/toolkit';
import { clockLine } from '../../../packages/toolkit/timeline.js';

/** A clock that moves only when told to. */
function fakeClock(start = 1_000_000) {
  let now = start;
  return { clock: () => now, advance: (ms: number) => void (now += ms) };
}

describe('log lines', () => {
  test.each<[string, TimelineEntry, string, string]>([
    [
      'ok with detail',
      { at: 1500, step: 'lock', result: 'ok', detail: 'hac:lock=r' },
      '[1.5s] lock: ok (hac:lock=r)',
      '✓ lock: hac:lock=r',
    ],
    [
      'failed',
      { at: 65_000, step: 'gate', result: 'failed', detail: 'got 502' },
      '[1m5s] gate: failed (got 502)',
      '✗ gate: got 502',
    ],
    [
      'skipped without detail',
      { at: 0, step: 'preview gate', result: 'skipped' },
      '[0ms] preview gate: skipped',
      '– preview gate: ',
    ],
    [
      'info',
      { at: 10, step: 'dry run', result: 'info', detail: 'would switch' },
      '[10ms] dry run: info (would switch)',
      '• dry run: would switch',
    ],
  ])('%s', (_name, entry, clock, mark) => {
    expect(clockLine(entry)).toBe(clock);
    expect(markLine(entry)).toBe(mark);
  });
});

describe('Timeline', () => {
  test('entries are relative to the start; add logs each one with the chosen format', () => {
    const c = fakeClock();
    const lines: string[] = [];
    const t = new Timeline(c.clock, (l) => lines.push(l), markLine);
    c.advance(1500);
    t.add('lock', 'ok', 'held');
    c.advance(500);
    t.add('verify', 'info', '');
    expect(t.entries).toEqual([
      { at: 1500, step: 'lock', result: 'ok', detail: 'held' },
      { at: 2000, step: 'verify', result: 'info' },
    ]);
    expect(lines).toEqual(['✓ lock: held', '• verify: ']);
  });

  test('step records ok with its duration and detail, or failed with the first line of the error', async () => {
    const c = fakeClock();
    const lines: string[] = [];
    const t = new Timeline(c.clock, (l) => lines.push(l));
    const v = await t.step(
      'deploy green',
      async () => {
        c.advance(2000);
        return 3;
      },
      (n) => `${n} replicas`,
    );
    expect(v).toBe(3);
    await expect(
      t.step('switch', async () => {
        c.advance(250);
        throw new Error('409 conflict\nbody');
      }),
    ).rejects.toThrow('409 conflict');
    expect(t.entries).toEqual([
      { at: 2000, step: 'deploy green', result: 'ok', detail: '3 replicas', durationMs: 2000 },
      { at: 2250, step: 'switch', result: 'failed', detail: '409 conflict', durationMs: 250 },
    ]);
    expect(lines).toEqual(['[2s] deploy green: ok (3 replicas)', '[2.25s] switch: failed (409 conflict)']);
    expect(t.rows()).toEqual([
      ['+2s', 'deploy green', 'ok', '2s', '3 replicas'],
      ['+2.25s', 'switch', 'failed', '250ms', '409 conflict'],
    ]);
  });
});
