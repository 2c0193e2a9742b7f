#!/usr/bin/env node
// `npm test`: every jest test (scripts/jest-run.mjs) and, beside it at a lower CPU priority, the
// static checks one after another: type check, lint, check-dist, `go test` of the example service.
// The jest passes spend most of their time waiting on the sandbox, so the checks' two minutes of
// CPU fit into their idle time instead of coming before them. A check's output is printed when it
// ends; when one fails, the jest run is stopped and `npm test` fails with that check's output.
// The exit status is the first failure's: a check's, else jest's.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The static checks, in order: the fastest feedback first. */
export const CHECKS = ['typecheck', 'lint', 'check-dist', 'test:go'];
/** The checks' niceness: they yield the CPU to the jest passes and the sandbox. */
export const CHECK_NICENESS = 10;

/**
 * The commands of a run (pure): the main command at once, the checks one after another beside
 * it, each as `npm run -s <script>`, behind `nice` when there is one.
 */
export function testPlan({ checks = CHECKS, main = 'jest', args = [], nice = '/usr/bin/nice' } = {}) {
  const npmRun = (script, extra = []) => [
    'npm',
    'run',
    '-s',
    script,
    ...(extra.length ? ['--', ...extra] : []),
  ];
  const niced = (cmd) => (nice ? [nice, '-n', String(CHECK_NICENESS), ...cmd] : cmd);
  return {
    main: { name: main, argv: npmRun(main, args) },
    checks: checks.map((name) => ({ name, argv: niced(npmRun(name)) })),
  };
}

/** What is running now. */
const running = new Set();

/** A signal to `npm test` (Ctrl-C, a cancelled job) stops everything it started. */
function passSignals() {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ]) {
    process.on(signal, () => {
      for (const r of running) r.stop();
      process.exit(code);
    });
  }
}

/**
 * Starts argv in a process group of its own, so that stopping it stops its children too (the
 * group does not get the terminal's signals: the handlers above pass them on).
 */
function start(argv, { buffer, env }) {
  const child = spawn(argv[0], argv.slice(1), {
    cwd: root,
    env,
    detached: true,
    stdio: buffer ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
  const held = [];
  child.stdout?.on('data', (d) => held.push(d));
  child.stderr?.on('data', (d) => held.push(d));
  const handle = {
    stop: () => {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    },
  };
  running.add(handle);
  handle.done = new Promise((resolve) => {
    const end = (r) => {
      running.delete(handle);
      resolve(r);
    };
    child.on('error', (err) => end({ code: 127, output: `${err.message}\n` }));
    child.on('close', (code, signal) =>
      end({ code: code ?? (signal ? 128 : 1), output: Buffer.concat(held).toString('utf8') }),
    );
  });
  return handle;
}

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Runs the checks one after another; resolves with the first failure ({ name, code }) or undefined. */
async function runChecks(checks, { env, write, now }) {
  for (const check of checks) {
    const started = now();
    const { code, output } = await start(check.argv, { buffer: true, env }).done;
    if (code !== 0) {
      write(`\n${output}\nnpm test: ${check.name} failed (exit ${code}); stopping the jest run\n`);
      return { name: check.name, code };
    }
    write(`npm test: ${check.name} passed in ${seconds(now() - started)} (beside the jest run)\n`);
  }
  return undefined;
}

/**
 * Runs a plan: resolves with the exit status. Stops the main command when a check fails, and
 * waits for the checks when the main command ends first.
 */
export async function runTests(
  plan,
  { env = process.env, write = (s) => process.stdout.write(s), now = Date.now } = {},
) {
  const main = start(plan.main.argv, { buffer: false, env });
  let mainEnded = false;
  const mainDone = main.done.then((r) => {
    mainEnded = true;
    return r;
  });
  const failure = await runChecks(plan.checks, { env, write, now });
  if (failure && !mainEnded) main.stop();
  const { code } = await mainDone;
  return failure ? failure.code || 1 : code;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  passSignals();
  const nice = fs.existsSync('/usr/bin/nice') ? '/usr/bin/nice' : '';
  process.exitCode = await runTests(testPlan({ args: process.argv.slice(2), nice }));
}
