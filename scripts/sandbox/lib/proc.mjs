// Small process helpers: run a command, start a daemon tracked by a pid file,
// stop it by pid (process group), read logs, poll for health.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PID_DIR, LOG_DIR } from './config.mjs';

export function log(msg) {
  process.stderr.write(`[sandbox] ${msg}\n`);
}

/**
 * Runs a command and resolves with { code, stdout, stderr }. Rejects when the
 * command exits non-zero unless opts.allowFail is set.
 */
export function run(cmd, args = [], opts = {}) {
  const { allowFail = false, input, env, cwd, timeoutMs, inherit = false } = opts;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: env ?? process.env,
      stdio: [
        input === undefined ? 'ignore' : 'pipe',
        inherit ? 'inherit' : 'pipe',
        inherit ? 'inherit' : 'pipe',
      ],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => (stdout += d));
    child.stderr?.on('data', (d) => (stderr += d));
    let timer;
    if (timeoutMs) {
      timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    }
    if (input !== undefined) {
      child.stdin.end(input);
    }
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const res = { code: code ?? -1, signal, stdout, stderr };
      if (code !== 0 && !allowFail) {
        const err = new Error(
          `${path.basename(cmd)} ${args.join(' ')} exited ${code ?? signal}\n${(stderr || stdout).trim().split('\n').slice(-20).join('\n')}`,
        );
        err.result = res;
        reject(err);
      } else {
        resolve(res);
      }
    });
  });
}

export const pidFile = (name) => path.join(PID_DIR, `${name}.pid`);
export const logFile = (name) => path.join(LOG_DIR, `${name}.log`);

export function isAlive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a zombie is not alive
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    if (state === 'Z' || state === 'X') return false;
  } catch {
    /* not on Linux */
  }
  return true;
}

/** The pid recorded in a pid file, or undefined. Handles kwokctl's files too. */
export function readPidFile(file) {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** The live pid of a daemon that `up` started, or undefined. A pid that now
 * belongs to another program (after a reboot) does not count. */
export function daemonPid(name) {
  let lines;
  try {
    lines = fs.readFileSync(pidFile(name), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
  const expected = lines[1]?.trim();
  if (expected) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmdline.includes(expected)) return undefined;
    } catch {
      /* not on Linux: trust the pid */
    }
  }
  return pid;
}

/** Starts a detached daemon in its own process group, logging to the run dir. */
export function startDaemon(name, cmd, args, opts = {}) {
  fs.mkdirSync(PID_DIR, { recursive: true });
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const out = fs.openSync(logFile(name), 'a');
  fs.writeSync(out, `\n--- ${new Date().toISOString()} starting ${cmd} ${args.join(' ')}\n`);
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: { ...process.env, ...(opts.env ?? {}) },
    stdio: ['ignore', out, out],
    detached: true,
  });
  fs.closeSync(out);
  if (!child.pid) throw new Error(`${name}: could not start ${cmd}`);
  child.unref();
  fs.writeFileSync(pidFile(name), `${child.pid}\n${path.basename(cmd)}\n`);
  return child.pid;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Sends SIGTERM to the process group (then SIGKILL after graceMs). */
export async function killPid(pid, { group = true, graceMs = 10000 } = {}) {
  if (!isAlive(pid)) return false;
  const target = group ? -pid : pid;
  try {
    process.kill(target, 'SIGTERM');
  } catch {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return false;
    }
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  try {
    process.kill(target, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await sleep(200);
  return true;
}

export async function stopDaemon(name) {
  const pid = daemonPid(name);
  let stopped = false;
  if (pid) stopped = await killPid(pid);
  fs.rmSync(pidFile(name), { force: true });
  return stopped;
}

export function tail(file, lines = 20) {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

/** Polls fn until it returns a truthy value; throws with the last error. */
export async function waitFor(fn, { timeoutMs = 30000, intervalMs = 250, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      if (err.fatal) throw err;
      lastErr = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs / 1000}s waiting for ${what}${lastErr ? `: ${lastErr.message}` : ''}`,
      );
    }
    await sleep(intervalMs);
  }
}

export async function httpOk(url, { timeoutMs = 2000, method = 'GET', headers } = {}) {
  const res = await fetch(url, { method, headers, signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`${method} ${url} -> HTTP ${res.status}`);
  return true;
}

/** Resident set size in KiB of a pid (0 when gone). */
export function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** pid plus all its descendants (Linux /proc walk). */
export function descendants(pid) {
  const children = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      /* raced */
    }
  }
  const out = [];
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

export function ensureDir(dir) {
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function writeIfChanged(file, content, mode) {
  ensureDir(path.dirname(file));
  let old;
  try {
    old = fs.readFileSync(file, 'utf8');
  } catch {
    /* new */
  }
  if (old !== content) fs.writeFileSync(file, content, mode ? { mode } : undefined);
  return old !== content;
}

export function which(name) {
  for (const dir of (process.env.PATH || '').split(':')) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

export { sleep };
