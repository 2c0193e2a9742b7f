// Types of scripts/test.mjs, for its unit test.
export interface Command {
  name: string;
  argv: string[];
}
export interface TestPlan {
  checks: Command[];
  main: Command;
}
export const CHECKS: string[];
export function testPlan(opts?: { checks?: string[]; main?: string; args?: string[] }): TestPlan;
export function runTests(
  plan: TestPlan,
  opts?: { env?: NodeJS.ProcessEnv; write?: (s: string) => void; now?: () => number },
): Promise<number>;
