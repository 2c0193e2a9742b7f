// action.yml and the code agree on every input and output name, and on the defaults.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { CompatInputs } from '../../../packages/image/compat.js';
import { Inputs, spec } from '../../../packages/image/spec.js';
import { Outputs } from '../../../packages/image/report.js';

const file = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../actions/docker-build-push/action.yml',
);
const action = parse(fs.readFileSync(file, 'utf8')) as {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, unknown>;
  runs: Record<string, string>;
};

test('inputs and outputs match the code', () => {
  expect(Object.keys(action.inputs).sort()).toEqual(Object.values({ ...Inputs, ...CompatInputs }).sort());
  expect(Object.keys(action.outputs).sort()).toEqual(Object.values(Outputs).sort());
});

test('build-push-action input names are kept', () => {
  for (const name of [
    'context',
    'file',
    'tags',
    'push',
    'load',
    'build-args',
    'target',
    'platforms',
    'cache-from',
    'cache-to',
    'labels',
    'secrets',
    'secret-envs',
    'provenance',
    'sbom',
    'network',
    'build-contexts',
    'secret-files',
    'ssh',
    'outputs',
    'annotations',
    'no-cache',
    'pull',
    'builder',
  ]) {
    expect(Object.keys(action.inputs)).toContain(name);
  }
});

test('the defaults in action.yml are what the code uses for an empty input', () => {
  for (const [name, def] of Object.entries(action.inputs)) {
    if (def.default === undefined) continue;
    const field = spec[name as keyof typeof spec];
    expect({ name, value: field.parse(def.default) }).toEqual({ name, value: field.parse('') });
  }
});

test('runs on node24 with main and post bundles', () => {
  expect(action.runs).toEqual({
    using: 'node24',
    main: '../../dist/docker-build-push/index.js',
    post: '../../dist/docker-build-push/post.js',
  });
});
