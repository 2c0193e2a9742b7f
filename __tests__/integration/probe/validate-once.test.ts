// A gate is validated once: the smoke-test reader validates each check as it will be sent, and
// neither validateGate nor runGate validates it again. validateGate never changes the spec given.
// validateCheck is wrapped to count its calls; everything else (servers, requests) is real.
import { afterAll, beforeAll, expect, jest, test } from '@jest/globals';
import type { Check, GateSpec } from '../../../packages/probe/types.js';
import { startTestServer, type TestServer } from '../../support/http-servers.js';
import { smokeDeps } from '../../support/smoke-deps.js';

const checksModule = '../../../packages/probe/checks.js';
const real = await import(checksModule);
const validateCheck = jest.fn(real.validateCheck as (check: Check, where?: string) => Check);
jest.unstable_mockModule(checksModule, () => ({ ...real, validateCheck }));
const { smokeTestMain } = await import('../../../packages/probe/entry.js');
const { runGate } = await import('../../../packages/probe/gate.js');
const { validateGate, isValidGate } = await import('../../../packages/probe/validate.js');

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const deps = (values: Record<string, string>, outputs: Record<string, unknown>) =>
  smokeDeps(values, { setOutputs: (o) => Object.assign(outputs, o) });

test('smoke-test validates each check once, from reading the url input to sending it', async () => {
  validateCheck.mockClear();
  server.reset();
  const outputs: Record<string, unknown> = {};
  const d = deps({ url: `${server.url('/ok')}\n${server.url('/json')}`, 'load-requests': '4' }, outputs);
  const inputs = await smokeTestMain.read(d);
  expect(validateCheck).toHaveBeenCalledTimes(2);
  expect(isValidGate(inputs.gate)).toBe(true);
  await smokeTestMain.report(await smokeTestMain.run(inputs, d), d);
  expect(outputs.passed).toBe('true');
  expect(server.countOf('/ok')).toBe(1 + 4);
  expect(validateCheck).toHaveBeenCalledTimes(2);
});

test('a checks list is validated once too, with the inline inputs merged in', async () => {
  validateCheck.mockClear();
  const outputs: Record<string, unknown> = {};
  const d = deps({ checks: `- url: ${server.url('/ok')}\n  name: home`, 'expect-status': '200' }, outputs);
  await smokeTestMain.report(await smokeTestMain.run(await smokeTestMain.read(d), d), d);
  expect(outputs.passed).toBe('true');
  expect(validateCheck).toHaveBeenCalledTimes(1);
  expect(validateCheck.mock.calls[0]?.[0]).toMatchObject({ name: 'home', expectStatus: '200' });
});

test('runGate validates a plain spec once, and a validated one not at all', async () => {
  const spec: GateSpec = { checks: [{ url: server.url('/ok') }] };
  validateCheck.mockClear();
  expect((await runGate(spec)).passed).toBe(true);
  expect(validateCheck).toHaveBeenCalledTimes(1);
  const valid = validateGate(spec);
  validateCheck.mockClear();
  expect(validateGate(valid)).toBe(valid);
  expect((await runGate(valid)).passed).toBe(true);
  expect(validateCheck).not.toHaveBeenCalled();
});

test('validateGate never changes the spec it was given', () => {
  const spec: GateSpec = {
    checks: [{ url: `  ${server.url('/ok')}  `, method: 'get', headers: { 'X-A': '1' } }],
    load: { requests: 2, concurrency: 1, check: { url: ` ${server.url('/ok')}`, method: 'post' } },
    distribution: { match: 'ok', min: 0, max: 1, samples: 2, check: { url: ` ${server.url('/ok')}` } },
    tls: { insecure: true },
    auth: { bearer: 'tok-123' },
  };
  const before = structuredClone(spec);
  const { checks, load, distribution } = spec;
  const valid = validateGate(spec);
  expect(spec).toEqual(before);
  expect(spec.checks).toBe(checks);
  expect(spec.load).toBe(load);
  expect(spec.distribution).toBe(distribution);
  expect(valid.checks[0]).toMatchObject({ url: server.url('/ok'), method: 'GET' });
  expect(valid.load?.check).toMatchObject({ url: server.url('/ok'), method: 'POST' });
  expect(Object.isFrozen(valid) && Object.isFrozen(valid.checks) && Object.isFrozen(valid.load)).toBe(true);
});
