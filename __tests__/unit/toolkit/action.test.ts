import { describe, expect, test } from '@jest/globals';
import { readInputs, runEngine, type ActionDeps, type Engine, type Rule } from '@hac/toolkit';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import * as input from '../../../packages/toolkit/inputs.js';

function fakeDeps(
  raw: Record<string, string>,
): ActionDeps & { outputs: Record<string, unknown>; lines: string[] } {
  const outputs: Record<string, unknown> = {};
  const lines: string[] = [];
  const log = {
    info: (m: string) => lines.push(m),
    debug: () => undefined,
    warning: (m: string) => lines.push(`warning: ${m}`),
    notice: () => undefined,
    error: (m: string) => lines.push(`error: ${m}`),
    group: <T>(_n: string, fn: () => Promise<T>) => fn(),
  };
  return {
    env: {},
    inputs: (name) => raw[name] ?? '',
    clock: () => 0,
    sleep: async () => undefined,
    log,
    signal: new AbortController().signal,
    state: memoryState(),
    setOutputs: (o) => Object.assign(outputs, o),
    writeSummary: async () => undefined,
    outputs,
    lines,
  };
}

const spec = { count: input.integer({ min: 1, default: 1 }), name: input.string() };

describe('runEngine', () => {
  test('reads, runs and reports in order, with the deps it was given', async () => {
    const calls: string[] = [];
    const engine: Engine<{ count: number }, number> = {
      name: 'double',
      read: (deps) => {
        calls.push('read');
        return readInputs(spec, deps.inputs);
      },
      run: async (inputs) => {
        calls.push('run');
        return inputs.count * 2;
      },
      report: (result, deps) => {
        calls.push('report');
        deps.setOutputs({ result });
      },
    };
    const deps = fakeDeps({ count: '21' });
    await runEngine(engine, deps);
    expect(calls).toEqual(['read', 'run', 'report']);
    expect(deps.outputs).toEqual({ result: 42 });
  });

  test('an input error stops before run, and fails the step', async () => {
    let ran = false;
    const engine: Engine<unknown, void> = {
      name: 'x',
      read: (deps) => readInputs(spec, deps.inputs),
      run: async () => void (ran = true),
      report: () => undefined,
    };
    const before = process.exitCode;
    await runEngine(engine, fakeDeps({ count: 'zero' }));
    expect(ran).toBe(false);
    expect(process.exitCode).toBe(1);
    process.exitCode = before;
  });
});

describe('readInputs rules', () => {
  const nameNeedsCount: Rule<{ count: number; name: string }> = (v, problems) => {
    if (v.name && v.count < 2) problems.add('count', String(v.count), 'at least 2 when name is set');
  };
  const noAdmin: Rule<{ count: number; name: string }> = (v, problems) => {
    if (v.name === 'admin') problems.add('name', v.name, 'a name other than admin');
  };
  test.each([
    [{ count: '3', name: 'a' }, null],
    [{ count: '1', name: 'a' }, ['count']],
    [{ count: '1', name: 'admin' }, ['count', 'name']],
    [{ count: 'x', name: 'admin' }, ['count', 'name']],
  ])('%j → problems on %j', (raw, inputs) => {
    const read = () =>
      readInputs(spec, (n) => (raw as Record<string, string>)[n] ?? '', [nameNeedsCount, noAdmin]);
    if (!inputs) return expect(read()).toMatchObject({ count: Number(raw.count) });
    try {
      read();
      throw new Error('no error');
    } catch (err) {
      expect((err as { problems: { input: string }[] }).problems.map((p) => p.input)).toEqual(inputs);
    }
  });
});
