// Types of jest.config.js, for scripts/jest-run.mjs's unit test.
import type { Config } from 'jest';
export const SERIAL: string[];
export const E2E: string;
export const E2E_WORKERS: number;
export const PARALLEL_WORKERS: number;
declare const config: Config;
export default config;
