import { describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { readCanaryInputs } from '../../../packages/k8s/canary/inputs.js';
import { readBlueGreenInputs } from '../../../packages/k8s/bluegreen/inputs.js';
import { readSwapConfig } from '../../../packages/aws/eip/config.js';
import { resolveInputs } from '../../../packages/image/inputs.js';
import { readSmokeInputs } from '../../../packages/probe/resolve.js';
import { readBuildAmiInputs } from '../../../packages/aws/ami/inputs.js';
import { eventContext } from '../image/events.js';

// The runner passes every default of action.yml as an input, so "was this input given?" rules
// must hold with those defaults in place. Each action is read exactly as the runner would call
// it: action.yml defaults plus the few inputs a minimal workflow step sets.
const root = path.resolve(import.meta.dirname, '../../..');

function runnerSource(action: string, given: Record<string, string>) {
  const doc = parse(fs.readFileSync(path.join(root, 'actions', action, 'action.yml'), 'utf8'));
  const defaults: Record<string, string> = {};
  for (const [k, v] of Object.entries<any>(doc.inputs ?? {}))
    if (v?.default !== undefined) defaults[k] = String(v.default);
  const all = { ...defaults, ...given };
  return (name: string) => all[name] ?? '';
}

describe('a minimal step validates with the runner-applied defaults', () => {
  test('smoke-test', () => {
    expect(() =>
      readSmokeInputs(runnerSource('smoke-test', { url: 'http://127.0.0.1:8080/healthz' })),
    ).not.toThrow();
    expect(() =>
      readSmokeInputs(runnerSource('smoke-test', { url: 'http://127.0.0.1:8080/', 'load-requests': '5' })),
    ).not.toThrow();
  });

  test('k8s-canary', () => {
    expect(() =>
      readCanaryInputs(runnerSource('k8s-canary', { app: 'web', image: 'r/web:2', replicas: '4' })),
    ).not.toThrow();
    expect(() =>
      readCanaryInputs(runnerSource('k8s-canary', { action: 'promote', app: 'web' })),
    ).not.toThrow();
  });

  test('k8s-bluegreen', () => {
    expect(() =>
      readBlueGreenInputs(runnerSource('k8s-bluegreen', { app: 'web', image: 'r/web:2' }), {}),
    ).not.toThrow();
    expect(() =>
      readBlueGreenInputs(runnerSource('k8s-bluegreen', { action: 'rollback', app: 'web' }), {}),
    ).not.toThrow();
  });

  test('swap-eip', () => {
    const source = runnerSource('swap-eip', {
      'instance-id': 'i-0123456789abcdef0',
      'allocation-id': 'eipalloc-0123456789abcdef0',
      region: 'us-east-1',
    });
    expect(() => readSwapConfig(source)).not.toThrow();
  });

  test('build-ami', () => {
    const source = runnerSource('build-ami', {
      engine: 'native',
      family: 'web',
      'base-ami': 'ami-0123456789abcdef0',
      app: 'web',
      'user-data': '#!/bin/sh\necho provisioned\n',
      region: 'us-east-1',
    });
    expect(() => readBuildAmiInputs(source, { env: {} })).not.toThrow();
  });

  test('docker-build-push', () => {
    const source = runnerSource('docker-build-push', {
      context: 'examples/ipsvc',
      images: '127.0.0.1:5000/hac/ipsvc',
      push: 'false',
    });
    expect(() =>
      resolveInputs(source, {
        git: eventContext('push', 'push-main.json'),
        now: new Date('2026-11-27T10:00:00Z'),
        cwd: root,
        env: {},
      }),
    ).not.toThrow();
  });
});
