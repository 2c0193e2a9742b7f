// k8s-canary's main and post engines with the deps a runner gives them: bad input fails in read,
// with `failed` outputs and nothing else done; a post step with nothing to do ends in the light
// entry (no engine, no cluster) and still removes the kubeconfig file main wrote.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { InputError, type ActionDeps, type StateStore } from '@hac/toolkit';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { canaryMain, canaryPost } from '@hac/k8s';
import { State as CanaryState } from '../../../packages/k8s/canary/state.js';

function stepDeps(inputs: Record<string, string>, state: StateStore = memoryState()) {
  const outputs: Record<string, unknown>[] = [];
  const logs: string[] = [];
  const log = (l: string) => void logs.push(l);
  const deps: ActionDeps = {
    env: {},
    inputs: (n) => inputs[n] ?? '',
    clock: () => Date.parse('2026-12-02T10:00:00Z'),
    sleep: async () => undefined,
    log: { info: log, debug: log, warning: log, notice: log, error: log, group: (_n, fn) => fn() },
    get signal(): AbortSignal {
      throw new Error('the signal was asked for');
    },
    state,
    setOutputs: (o) => void outputs.push(o),
    writeSummary: async () => undefined,
  };
  return { deps, outputs, logs };
}

describe('canaryMain.read', () => {
  test.each([
    [{ app: 'web', image: 'r/web:2', steps: '50,25' }, 'steps'],
    [{ app: 'web', image: 'r/web:2', route: 'gateway-api' }, 'http-route'],
    [{ app: 'web', image: 'r/web:2', pause: '1m,1m,1m,1m' }, 'pause'],
  ])('%j: one InputError naming %s, outputs say failed', async (inputs, name) => {
    const { deps, outputs } = stepDeps(inputs);
    const err = await Promise.resolve()
      .then(() => canaryMain.read(deps))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(name);
    expect(outputs).toEqual([expect.objectContaining({ verdict: 'failed', weight: '' })]);
  });

  test('good input: typed values, steps and pauses parsed', async () => {
    const { deps, outputs } = stepDeps({ app: 'web', image: 'r/web:2', steps: '10,50,100', pause: '30s' });
    const v = await canaryMain.read(deps);
    expect(v.steps).toEqual([10, 50, 100]);
    expect(v.pauses).toEqual([30_000, 30_000]);
    expect(outputs).toEqual([]);
  });
});

describe('canaryPost with nothing to do', () => {
  test.each([
    ['main finished', { [CanaryState.done]: true }, 'main finished; nothing to restore'],
    ['main wrote nothing', {}, 'main wrote nothing; nothing to restore'],
  ])('%s: a note, no signal, no cluster; the kubeconfig file is removed', async (_n, saved, note) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-canary-entry-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfig, 'apiVersion: v1\n', { mode: 0o600 });
    const state = memoryState();
    for (const [k, v] of Object.entries(saved)) state.save(k, v);
    state.save(CanaryState.kubeconfig, kubeconfig);
    const { deps, logs } = stepDeps({}, state);
    const p = await canaryPost.read(deps);
    const result = await canaryPost.run(p, deps);
    await canaryPost.report(result, deps);
    expect(result).toBe(note);
    expect(logs).toEqual([`k8s-canary post: ${note}`]);
    expect(fs.existsSync(kubeconfig)).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
