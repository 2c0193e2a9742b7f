#!/usr/bin/env node
// A stand-in for docker/buildah: records its argv and stdin as one JSON line in $FAKE_CLI_LOG.
// With FAKE_CLI_REAL_<NAME>=/path it then runs the real command with the same argv and stdin
// (to prove what a real CLI received); otherwise it exits with $FAKE_CLI_EXIT (default 0),
// except that `docker` fails when FAKE_CLI_NO_DOCKER=1 (no daemon).
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

const name = path.basename(process.argv[1]).replace(/\.m?js$/, '');
const argv = process.argv.slice(2);
let stdin = '';
try {
  stdin = fs.readFileSync(0, 'utf8');
} catch {
  /* no stdin */
}
let cmdline = [];
try {
  // What any other process on the machine could read: the kernel's copy of this process's argv.
  cmdline = fs.readFileSync('/proc/self/cmdline', 'utf8').split('\0').filter(Boolean);
} catch {
  /* not Linux */
}
if (process.env.FAKE_CLI_LOG) {
  fs.appendFileSync(
    process.env.FAKE_CLI_LOG,
    JSON.stringify({ name, argv, stdin, cmdline, pid: process.pid }) + '\n',
  );
}
const real = process.env[`FAKE_CLI_REAL_${name.toUpperCase()}`];
if (real) {
  const res = spawnSync(real, argv, { input: stdin, stdio: ['pipe', 'inherit', 'inherit'] });
  process.exit(res.status ?? 1);
}
if (name === 'docker' && process.env.FAKE_CLI_NO_DOCKER === '1') {
  process.stderr.write(
    'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
  );
  process.exit(1);
}
process.exit(Number(process.env.FAKE_CLI_EXIT ?? 0));
