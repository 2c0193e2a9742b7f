// Installs fake-cli.mjs as `docker` and `buildah` in a temporary bin directory, and reads what they recorded.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const FAKE_CLI = path.join(here, 'fake-cli.mjs');

export interface FakeCall {
  name: string;
  argv: string[];
  stdin: string;
  /** /proc/<pid>/cmdline of the fake as the kernel saw it. */
  cmdline: string[];
  pid: number;
}

export interface FakeBin {
  dir: string;
  log: string;
  /** PATH with the fakes first. */
  path: string;
  calls(): FakeCall[];
  cleanup(): void;
}

export function installFakeCli(names: string[] = ['docker', 'buildah']): FakeBin {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-fake-cli-'));
  const log = path.join(dir, 'calls.jsonl');
  for (const name of names) {
    const target = path.join(dir, name);
    // fake-cli.mjs names itself from argv[1]; a symlink named like the tool keeps that right.
    fs.symlinkSync(FAKE_CLI, path.join(dir, `${name}.mjs`));
    fs.writeFileSync(
      target,
      `#!/bin/sh\nexec "${process.execPath}" "${path.join(dir, `${name}.mjs`)}" "$@"\n`,
      { mode: 0o755 },
    );
  }
  return {
    dir,
    log,
    path: `${dir}:${process.env.PATH ?? ''}`,
    calls: () =>
      fs.existsSync(log)
        ? fs
            .readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as FakeCall)
        : [],
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
