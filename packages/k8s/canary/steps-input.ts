import { parseDuration } from '@hac/toolkit';

/** The most steps a canary may have (each one is a gate round; more is a configuration mistake). */
export const MAX_STEPS = 20;

export const STEPS_EXPECTED =
  'a comma-separated list of ascending integer percentages from 1 to 100, such as 10,25,50,100';
export const PAUSE_EXPECTED =
  'a duration such as 30s or 5m, or one duration per gap between steps (steps - 1 values), such as 1m,5m,5m';

/**
 * Parses `steps` such as `10,25,50,100` into traffic percentages. Throws an Error saying what is
 * wrong (the input layer turns it into one InputError naming the input and the expected form).
 * A last step below 100 is allowed: the run then holds the canary there, and a later job promotes
 * or aborts it.
 */
export function parseSteps(raw: string): number[] {
  const parts = raw
    .split(/[\n,]/)
    .map((s) => s.trim().replace(/%$/, ''))
    .filter((s) => s !== '');
  if (parts.length === 0) throw new Error('no steps given');
  if (parts.length > MAX_STEPS)
    throw new Error(`at most ${MAX_STEPS} steps are allowed, got ${parts.length}`);
  const steps = parts.map((p) => {
    if (!/^\d+$/.test(p)) throw new Error(`"${p}" is not an integer percentage`);
    const n = Number(p);
    if (n < 1 || n > 100) throw new Error(`${n} is outside 1..100`);
    return n;
  });
  for (let i = 1; i < steps.length; i++) {
    if ((steps[i] as number) <= (steps[i - 1] as number)) {
      throw new Error(`steps must be strictly ascending: ${steps[i - 1]} is followed by ${steps[i]}`);
    }
  }
  return steps;
}

/**
 * Parses `pause`: one duration used between every two steps, or one duration per gap (length
 * steps - 1). Returns the pause after each step except the last, in milliseconds.
 */
export function parsePauses(raw: string, stepCount: number, maxMs = 24 * 3_600_000): number[] {
  const gaps = Math.max(0, stepCount - 1);
  const parts = raw
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const values = parts.length === 0 ? [0] : parts.map(parseOne);
  for (const v of values) if (v > maxMs) throw new Error(`a pause may not exceed ${maxMs}ms`);
  if (values.length === 1) return Array.from({ length: gaps }, () => values[0] as number);
  if (values.length !== gaps) {
    throw new Error(`${values.length} pauses given for ${gaps} gaps between ${stepCount} steps`);
  }
  return values;
}

function parseOne(text: string): number {
  // Reject negative and empty forms before parseDuration, which only knows positive values.
  if (!/^[0-9]/.test(text)) throw new Error(`"${text}" is not a duration`);
  return parseDuration(text);
}
