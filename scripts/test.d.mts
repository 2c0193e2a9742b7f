// Types of scripts/test.mjs, for its unit test.
export interface Command {
  name: string;
  argv: string[];
}
export interface TestPlan {
  first: Command[];
  beside: Command[];
  main: Command;
}
export const FIRST: string[];
export const BESIDE: string[];
export const IDLE: string[];
export function testPlan(opts?: {
  first?: string[];
  beside?: string[];
  main?: string;
  args?: string[];
  idle?: string[];
}): TestPlan;
export function runTests(
  plan: TestPlan,
  opts?: { env?: NodeJS.ProcessEnv; write?: (s: string) => void; now?: () => number },
): Promise<number>;
