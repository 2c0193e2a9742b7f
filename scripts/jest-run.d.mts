// Types of scripts/jest-run.mjs, for its unit test.
export interface Plan {
  asGiven: boolean;
  stages: string[][][];
}
export function patternsOf(args: string[]): string[];
export function plan(
  args: string[],
  opts?: { cwd?: string; exists?: (abs: string) => boolean; e2eFiles?: string[] },
): Plan;
