// How `npm run jest` splits a run into passes: the parallel project beside the e2e one, then the
// serial suites alone; a test file decides its pass exactly, any other pattern may select several.
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { E2E_WORKERS, SERIAL } from '../../../jest.config.js';
import { patternsOf, plan } from '../../../scripts/jest-run.mjs';

const root = path.resolve(import.meta.dirname, '../../..');
const SERIAL_0 = SERIAL[0] as string;
const e2eFiles = [path.join(root, '__tests__/e2e/clone-demo.test.ts')];
const files = new Set([
  ...e2eFiles,
  ...SERIAL.map((p) => path.join(root, p)),
  path.join(root, '__tests__/unit/repo/sizes.test.ts'),
]);
const planOf = (args: string[]) => plan(args, { cwd: root, exists: (p: string) => files.has(p), e2eFiles });

const parallel = (...a: string[]) => ['--selectProjects', 'parallel', '--passWithNoTests', ...a];
const e2e = (...a: string[]) => [
  '--selectProjects',
  'e2e',
  '--passWithNoTests',
  ...a,
  `--maxWorkers=${E2E_WORKERS}`,
];
const serial = (...a: string[]) => ['--selectProjects', 'serial', '--passWithNoTests', ...a, '--runInBand'];

describe('plan', () => {
  test.each<[string, string[], string[][][]]>([
    ['everything', [], [[parallel(), e2e()], [serial()]]],
    [
      'one unit file',
      ['__tests__/unit/repo/sizes.test.ts'],
      [[parallel('__tests__/unit/repo/sizes.test.ts')]],
    ],
    ['one e2e file', ['__tests__/e2e/clone-demo.test.ts'], [[e2e('__tests__/e2e/clone-demo.test.ts')]]],
    [
      'one serial file, narrowed, workers dropped',
      ['--maxWorkers', '2', SERIAL_0, '-t', 'x'],
      [[serial(SERIAL_0, '-t', 'x')]],
    ],
    [
      'a folder holding serial suites',
      ['__tests__/integration/k8s'],
      [[parallel('__tests__/integration/k8s')], [serial('__tests__/integration/k8s')]],
    ],
    ['a folder of the e2e suites', ['e2e/'], [[parallel('e2e/'), e2e('e2e/')]]],
    [
      'workers for the parallel pass',
      ['--maxWorkers=2', '__tests__/unit'],
      [[parallel('--maxWorkers=2', '__tests__/unit')]],
    ],
  ])('%s', (_, args, stages) => expect(planOf(args)).toEqual({ asGiven: false, stages }));

  test.each([['--listTests'], ['--selectProjects', 'serial'], ['--showConfig']])(
    '%s goes to one plain jest run, as given',
    (...args) => expect(planOf(args)).toEqual({ asGiven: true, stages: [[args]] }),
  );

  test('option values are not test paths', () =>
    expect(patternsOf(['-t', 'name', '--maxWorkers', '3', 'a.test.ts', '--ci'])).toEqual(['a.test.ts']));
});
