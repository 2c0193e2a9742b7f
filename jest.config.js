// Run with NODE_OPTIONS=--experimental-vm-modules (see package.json "jest").
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: {
    '^@hac/([a-z0-9-]+)$': '<rootDir>/packages/$1/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: false }],
  },
  testTimeout: 30000,
  reporters: ['default', '<rootDir>/scripts/jest-plain-summary.cjs'],
};
