// action.yml and the engine agree on every input, default and output.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { SWAP_INPUTS } from '../../../packages/aws/eip/input-spec.js';
import { Outputs as SwapOutputs } from '../../../packages/aws/eip/names.js';
import { readSwapConfig } from '../../../packages/aws/eip/config.js';

const yml = parse(fs.readFileSync(path.join(process.cwd(), 'actions/swap-eip/action.yml'), 'utf8')) as {
  inputs: Record<string, { default?: string; required?: boolean; description: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string; post?: string };
};

describe('swap-eip action.yml', () => {
  test('declares exactly the inputs the engine reads', () => {
    expect(Object.keys(yml.inputs).sort()).toEqual(Object.keys(SWAP_INPUTS).sort());
  });

  test('its defaults parse to the engine defaults', () => {
    const defaults = Object.fromEntries(Object.entries(yml.inputs).map(([k, v]) => [k, v.default ?? '']));
    const withTarget: Record<string, string> = {
      ...defaults,
      'instance-id': 'i-0123456789abcdef0',
      'allocation-id': 'eipalloc-0123456789abcdef0',
    };
    const fromYml = readSwapConfig((n) => withTarget[n] ?? '');
    const target: Record<string, string> = {
      'instance-id': 'i-0123456789abcdef0',
      'allocation-id': 'eipalloc-0123456789abcdef0',
    };
    const fromEmpty = readSwapConfig((n) => target[n] ?? '');
    expect(fromYml).toEqual(fromEmpty);
  });

  test('declares every output and runs main and post on node24', () => {
    expect(Object.keys(yml.outputs).sort()).toEqual(Object.values(SwapOutputs).sort());
    expect(yml.runs).toEqual({
      using: 'node24',
      main: '../../dist/swap-eip/index.js',
      post: '../../dist/swap-eip/post.js',
    });
    for (const [name, i] of Object.entries(yml.inputs))
      expect([name, i.description.length > 10]).toEqual([name, true]);
  });
});
