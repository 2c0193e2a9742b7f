import { describe, expect, test } from '@jest/globals';
import { input, readInputs, InputError, parseDuration } from '@hac/toolkit';

const src = (vals: Record<string, string>) => (name: string) => vals[name] ?? '';

describe('parseDuration', () => {
  test.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['1.5s', 1500],
    ['10', 10_000],
    ['2d', 172_800_000],
  ])('%s -> %d ms', (raw, ms) => expect(parseDuration(raw)).toBe(ms));

  test.each(['', '5x', 'm5', '1h 30m', '-5s', 'abc'])('rejects %j', (raw) =>
    expect(() => parseDuration(raw)).toThrow(),
  );
});

describe('readInputs', () => {
  const spec = {
    count: input.integer({ min: 1, max: 10, default: 3 }),
    wait: input.duration({ default: '30s', max: '1h' }),
    mode: input.oneOf(['a', 'b'] as const, 'a'),
    flag: input.boolean(false),
    items: input.list(),
    doc: input.structured(),
    token: input.string({ secret: true, pattern: /^[a-z]+$/, expected: 'lowercase letters' }),
  };

  test('parses typed values and applies defaults', () => {
    const v = readInputs(spec, src({ items: 'a, b\nc', doc: '{"x": 1}', flag: 'true', token: 'abc' }));
    expect(v).toEqual({
      count: 3,
      wait: 30_000,
      mode: 'a',
      flag: true,
      items: ['a', 'b', 'c'],
      doc: { x: 1 },
      token: 'abc',
    });
  });

  test('reports every bad input in one error, naming input, value and expected form', () => {
    let err: unknown;
    try {
      readInputs(
        spec,
        src({ count: '11', wait: '5x', mode: 'c', flag: 'yes', doc: '{a: [', token: 'S3CRET' }),
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    expect(e.problems.map((p) => p.input)).toEqual(['count', 'wait', 'mode', 'flag', 'doc', 'token']);
    expect(e.message).toContain('input "count": got "11"; expected an integer from 1 to 10');
    expect(e.message).toContain('input "wait": got "5x"; expected a duration such as 30s, 5m or 1h30m');
    expect(e.message).toContain('expected one of "a", "b"');
    expect(e.message).not.toContain('S3CRET');
    expect(e.message).toMatch(/^6 inputs are invalid:/);
  });

  test('cross-input rules are reported with per-input problems', () => {
    expect(() =>
      readInputs(
        { a: input.string(), b: input.integer({ min: 0 }) },
        src({ a: 'x', b: '-1' }),
        (v, p, ctx) => {
          if (!ctx.failed.has('a') && v.a === 'x') p.add('a', 'x', 'not x when b is set');
        },
      ),
    ).toThrow(/2 inputs are invalid/);
  });
});
