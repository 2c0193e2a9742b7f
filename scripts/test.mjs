#!/usr/bin/env node
// `npm test`: the static checks (type check, lint, check-dist, `go test` of the example service)
// all at once, then every jest test (scripts/jest-run.mjs). The checks take about three minutes
// of CPU between them, check-dist most: side by side on two cores they end in about two minutes
// instead of two and a half one after another. They do not run beside the jest run: its passes
// keep both cores busy, and checks beside them, even at nice 10 or under SCHED_IDLE, made the
// passes slower by more than the checks took. Each check's output is printed when it ends; when
// one fails, the jest run does not start and `npm test` fails with the first failed check's status.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The static checks, run at once before the jest run. */
export const CHECKS = ['typecheck', 'lint', 'check-dist', 'test:go'];

/** The commands of a run (pure): each check as `npm run -s <script>`, then the main command. */
export function testPlan({ checks = CHECKS, main = 'jest', args = [] } = {}) {
  const npmRun = (script, extra = []) => [
    'npm',
    'run',
    '-s',
    script,
    ...(extra.length ? ['--', ...extra] : []),
  ];
  return {
    checks: checks.map((name) => ({ name, argv: npmRun(name) })),
    main: { name: main, argv: npmRun(main, args) },
  };
}

/**
 * Runs argv; resolves with its exit code and, with `buffer`, its output. Children share the
 * terminal's process group, so Ctrl-C or a cancelled job reaches them as it reaches `npm test`.
 */
function run(argv, { buffer, env }) {
  const child = spawn(argv[0], argv.slice(1), {
    cwd: root,
    env,
    stdio: buffer ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
  const held = [];
  child.stdout?.on('data', (d) => held.push(d));
  child.stderr?.on('data', (d) => held.push(d));
  return new Promise((resolve) => {
    child.on('error', (err) => resolve({ code: 127, output: `${err.message}\n` }));
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : 1), output: Buffer.concat(held).toString('utf8') }),
    );
  });
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Runs one check and reports it; resolves with { name, code } when it failed. */
async function check(c, { env, write, now, started }) {
  const { code, output } = await run(c.argv, { buffer: true, env });
  if (code === 0) return void write(`npm test: ${c.name} passed in ${seconds(now() - started)}\n`);
  write(`\n${output}\nnpm test: ${c.name} failed (exit ${code})\n`);
  return { name: c.name, code };
}

/**
 * Runs a plan: the checks at once, then the main command unless one failed. Resolves with the
 * exit status: the first failed check's (in the plan's order), else the main command's.
 */
export async function runTests(
  plan,
  { env = process.env, write = (s) => process.stdout.write(s), now = Date.now } = {},
) {
  const started = now();
  const results = await Promise.all(plan.checks.map((c) => check(c, { env, write, now, started })));
  const failed = results.find(Boolean);
  if (failed) {
    write(`npm test: the ${plan.main.name} run did not start\n`);
    return failed.code || 1;
  }
  return (await run(plan.main.argv, { buffer: false, env })).code;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await runTests(testPlan({ args: process.argv.slice(2) }));
}
