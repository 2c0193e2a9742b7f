// Run through `npm run jest` (scripts/jest-run.mjs): the "parallel" project on several workers
// while the "e2e" project runs on workers of its own beside it, then the "serial" project
// alone. Plain `jest` (NODE_OPTIONS=--experimental-vm-modules) runs all three in one pool.

/**
 * Suites that need the machine to themselves: they restart an apiserver (of cluster 1, or of a
 * fleet cluster the e2e suites release to) or run `up`, or assert that nobody
 * made a request (the audit log, by user agent) while they ran.
 */
export const SERIAL = [
  '__tests__/integration/k8s/apiserver-restart.test.ts',
  '__tests__/integration/k8s/canary-restart.test.ts',
  '__tests__/integration/k8s/post-noop.test.ts',
  '__tests__/sandbox/fleet-clusters.test.ts',
];

/**
 * The end-to-end suites run the workflow templates through act: long, mostly waiting, each with
 * its own app and image names. They get workers of their own beside the parallel pass, so that
 * the many short suites do not queue behind them.
 */
export const E2E = '__tests__/e2e/';
export const E2E_WORKERS = 2;

/** Most of the time goes to waiting on the sandbox, not to the CPU: more workers than cores (the e2e pass adds E2E_WORKERS). */
export const PARALLEL_WORKERS = 4;

const TIMEOUT = 30000;

/** What both projects share. */
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/__tests__'],
  moduleNameMapper: {
    '^@hac/([a-z0-9-]+)$': '<rootDir>/packages/$1/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  testTimeout: TIMEOUT,
};

const serialPaths = SERIAL.map((p) => `<rootDir>/${p}`);

/** @type {import('jest').Config} */
export default {
  projects: [
    {
      ...common,
      displayName: 'parallel',
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        `<rootDir>/${E2E}`,
        ...SERIAL.map((p) => p.replace(/\./g, '\\.')),
      ],
    },
    { ...common, displayName: 'e2e', testMatch: [`<rootDir>/${E2E}**/*.test.ts`] },
    { ...common, displayName: 'serial', testMatch: serialPaths },
  ],
  testTimeout: TIMEOUT,
  testSequencer: '<rootDir>/scripts/jest-sequencer.cjs',
  maxWorkers: PARALLEL_WORKERS,
  reporters: ['default', '<rootDir>/scripts/jest-plain-summary.cjs'],
};
