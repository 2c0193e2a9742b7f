// Post steps with nothing to do do nothing: decided from main's saved state alone, with no
// network (a silent endpoint counts connections) and without loading the AWS SDK (its modules are
// replaced by factories that record being loaded). The last test shows the check can fail.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, jest, test } from '@jest/globals';
import { type ActionDeps, type StateStore } from '@hac/toolkit';
import { memoryState } from '../../../packages/toolkit/outputs.js';

const loaded: string[] = [];
jest.unstable_mockModule('@aws-sdk/client-ec2', () => {
  loaded.push('@aws-sdk/client-ec2');
  return {};
});
jest.unstable_mockModule('@aws-sdk/client-ssm', () => {
  loaded.push('@aws-sdk/client-ssm');
  return {};
});

const { buildAmiPost } = await import('../../../packages/aws/ami/entry.js');
const { swapEipPost } = await import('../../../packages/aws/eip/entry.js');
const { eipDeps, runSteps } = await import('../../support/eip-deps.js');

/** build-ami's post engine, read then run, with the deps a runner would give it. */
async function buildAmiPostStep(state: StateStore, logs: string[] = []) {
  const log = (l: string) => void logs.push(l);
  const deps: ActionDeps = {
    env,
    inputs: () => '',
    clock: Date.now,
    sleep: async () => undefined,
    log: { info: log, debug: log, warning: log, notice: log, error: log, group: (_n, fn) => fn() },
    signal: new AbortController().signal,
    state,
    setOutputs: () => undefined,
    writeSummary: async () => undefined,
  };
  return buildAmiPost.run(await buildAmiPost.read(deps), deps);
}

let connections = 0;
const server = net.createServer((s) => {
  connections += 1;
  s.destroy();
});
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  env = {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'y',
  };
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('post steps with nothing to do', () => {
  test.each([
    ['main did not start', {}],
    [
      'main stopped before its first write',
      { 'run-id': 'r1', regions: ['us-east-1'], aws: { endpoint: '' } },
    ],
  ])('build-ami, %s: no network, no SDK', async (_, saved) => {
    const state = memoryState();
    for (const [k, v] of Object.entries(saved)) state.save(k, v);
    const logs: string[] = [];
    const reports = await buildAmiPostStep(state, logs);
    expect(reports).toEqual([]);
    expect(logs).toEqual([expect.stringMatching(/nothing to sweep/)]);
    expect(loaded).toEqual([]);
    expect(connections).toBe(0);
  });

  test.each([
    ['no state', undefined],
    ['main finished', { phase: 'finished' }],
    ['main stopped before the lock write', { phase: 'started', region: 'us-east-1' }],
  ])('swap-eip, %s: no network, no SDK', async (_, saved) => {
    const state = memoryState();
    if (saved) state.save('swap-eip', saved);
    const logs: string[] = [];
    const report = await runSteps(swapEipPost, eipDeps({ state, env, log: (l) => logs.push(l) }));
    expect(report).toEqual({ done: [], failed: [], needed: false });
    expect(logs).toEqual([expect.stringMatching(/nothing to undo/)]);
    expect(loaded).toEqual([]);
    expect(connections).toBe(0);
  });

  test('control: when main wrote something, post loads the SDK (so the checks above can fail)', async () => {
    const state = memoryState();
    state.save('run-id', 'r2');
    state.save('regions', ['us-east-1']);
    state.save('wrote', true);
    await expect(buildAmiPostStep(state)).rejects.toThrow();
    expect(loaded).toContain('@aws-sdk/client-ec2');
  });
});
