#!/usr/bin/env node
// `npm test`: the quick static checks first (type check and lint, at once), then every jest test
// (scripts/jest-run.mjs) with check-dist and `go test` of the example service beside it, under
// SCHED_IDLE: they get only the CPU that nothing else wants. The jest passes keep both cores busy
// most of the time, but not all of it (the serial suites mostly wait for a restarted apiserver),
// and check-dist's two minutes of CPU fit into those gaps; at an ordinary priority, or even at
// nice 10, they only made the passes slower by as much. Output of a check is printed when it ends;
// a failed check stops the jest run (or keeps it from starting) and decides the exit status.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Checks that run at once before the jest run: the fastest feedback. */
export const FIRST = ['typecheck', 'lint'];
/** Checks that run one after another beside the jest run, in the CPU time it leaves idle. */
export const BESIDE = ['check-dist', 'test:go'];
/** Runs a command under the idle scheduling policy (util-linux). */
export const IDLE = ['/usr/bin/chrt', '--idle', '0'];

/**
 * The commands of a run (pure): each check as `npm run -s <script>` (the BESIDE ones behind
 * `idle` when given), the main command with the arguments.
 */
export function testPlan({ first = FIRST, beside = BESIDE, main = 'jest', args = [], idle = IDLE } = {}) {
  const npmRun = (script, extra = []) => [
    'npm',
    'run',
    '-s',
    script,
    ...(extra.length ? ['--', ...extra] : []),
  ];
  return {
    first: first.map((name) => ({ name, argv: npmRun(name) })),
    beside: beside.map((name) => ({ name, argv: [...idle, ...npmRun(name)] })),
    main: { name: main, argv: npmRun(main, args) },
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

/** Runs one check; reports it; resolves with { name, code } when it failed. */
async function check(c, { env, write, now, started }) {
  const { code, output } = await start(c.argv, { buffer: true, env }).done;
  if (code === 0) return void write(`npm test: ${c.name} passed in ${seconds(now() - started)}\n`);
  write(`\n${output}\nnpm test: ${c.name} failed (exit ${code})\n`);
  return { name: c.name, code };
}

/** Runs checks at once, or one after another with `inTurn`; resolves with the first failure. */
async function runChecks(checks, io, { inTurn = false } = {}) {
  const started = io.now();
  if (!inTurn) return (await Promise.all(checks.map((c) => check(c, { ...io, started })))).find(Boolean);
  for (const c of checks) {
    const failed = await check(c, { ...io, started });
    if (failed) return failed;
  }
  return undefined;
}

/**
 * Runs a plan: resolves with the exit status, the first failed check's or the main command's.
 * A failed first check keeps the main command from starting; a failed check beside it stops it.
 */
export async function runTests(
  plan,
  { env = process.env, write = (s) => process.stdout.write(s), now = Date.now } = {},
) {
  const io = { env, write, now };
  const early = await runChecks(plan.first, io);
  if (early) {
    write(`npm test: the ${plan.main.name} run did not start\n`);
    return early.code || 1;
  }
  const main = start(plan.main.argv, { buffer: false, env });
  let mainEnded = false;
  const mainDone = main.done.then((r) => {
    mainEnded = true;
    return r;
  });
  const late = await runChecks(plan.beside, io, { inTurn: true });
  if (late && !mainEnded) {
    write(`npm test: stopping the ${plan.main.name} run\n`);
    main.stop();
  }
  const { code } = await mainDone;
  return late ? late.code || 1 : code;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  passSignals();
  const idle = fs.existsSync(IDLE[0]) ? IDLE : [];
  process.exitCode = await runTests(testPlan({ args: process.argv.slice(2), idle }));
}
