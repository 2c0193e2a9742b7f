import { describe, test, expect } from '@jest/globals';
import { parseSteps, parsePauses, MAX_STEPS } from '../../../packages/k8s/canary/steps-input.js';

describe('parseSteps', () => {
  test.each([
    ['10,25,50,100', [10, 25, 50, 100]],
    ['10, 25 ,50', [10, 25, 50]],
    ['100', [100]],
    ['1\n50\n100', [1, 50, 100]],
    ['10%,50%,100%', [10, 50, 100]],
    ['5,', [5]],
  ])('%j -> %j', (raw, want) => {
    expect(parseSteps(raw)).toEqual(want);
  });

  test.each([
    ['', /no steps/],
    [' , ', /no steps/],
    ['10,200', /200 is outside 1\.\.100/],
    ['0,50', /0 is outside/],
    ['50,25', /strictly ascending: 50 is followed by 25/],
    ['10,10,100', /strictly ascending/],
    ['10,abc', /"abc" is not an integer/],
    ['12.5,100', /not an integer/],
    ['-5,100', /not an integer/],
    [Array.from({ length: MAX_STEPS + 1 }, (_, i) => i + 1).join(','), /at most 20 steps/],
  ])('%j is rejected', (raw, why) => {
    expect(() => parseSteps(raw)).toThrow(why);
  });
});

describe('parsePauses', () => {
  test.each([
    ['', 4, [0, 0, 0]],
    ['0', 4, [0, 0, 0]],
    ['30s', 4, [30_000, 30_000, 30_000]],
    ['1m,2m,0', 4, [60_000, 120_000, 0]],
    ['5m', 1, []],
    ['250ms', 2, [250]],
  ])('%j with %i steps -> %j', (raw, n, want) => {
    expect(parsePauses(raw, n)).toEqual(want);
  });

  test.each([
    ['abc', 3, /not a duration/],
    ['-5s', 3, /not a duration/],
    ['1m,2m', 4, /2 pauses given for 3 gaps/],
    ['5x', 3, /not a duration/],
    ['25h', 3, /may not exceed/],
  ])('%j with %i steps is rejected', (raw, n, why) => {
    expect(() => parsePauses(raw, n)).toThrow(why);
  });
});
