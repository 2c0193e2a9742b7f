import { spawn } from 'node:child_process';
import { ActionError } from '@hac/toolkit';
import { packerBuildArgs, packerEnv, packerInitArgs, shouldInit, type PackerSpec } from './args.js';
import { humanLine, parseMachineLine, parseMachineLog, type PackerResult } from './machine.js';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command, streaming stdout lines to `onLine`; no shell, argv as given. */
export type Exec = (
  cmd: string,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd?: string; onLine?: (line: string) => void; signal?: AbortSignal },
) => Promise<ExecResult>;

export const spawnExec: Exec = (cmd, args, opts) =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(opts.signal ? { signal: opts.signal, killSignal: 'SIGINT' } : {}),
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stdout += text;
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) opts.onLine?.(l);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (err) => reject(err));
    child.on('close', (code) => {
      if (partial) opts.onLine?.(partial);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });

export interface PackerRunDeps {
  exec?: Exec;
  packer?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  group?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  signal?: AbortSignal;
}

export async function packerVersion(
  packer: string,
  exec: Exec,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  try {
    const out = await exec(packer, ['version'], { env });
    return /(\d+\.\d+\.\d+)/.exec(out.stdout)?.[1];
  } catch (err) {
    throw new ActionError(
      `Packer could not be run (${(err as Error).message}).`,
      'Install Packer before this step (hashicorp/setup-packer), or set "packer-path".',
    );
  }
}

/** `packer init` (when it applies) and `packer build -machine-readable`, streamed in log groups and parsed. */
export async function runPacker(
  spec: PackerSpec,
  deps: PackerRunDeps = {},
): Promise<PackerResult & { version?: string }> {
  const exec = deps.exec ?? spawnExec;
  const packer = deps.packer ?? 'packer';
  const log = deps.log ?? (() => {});
  const group = deps.group ?? (async (_n, fn) => fn());
  const env = packerEnv(spec, deps.env);
  const version = await packerVersion(packer, exec, env);
  if (shouldInit(spec, version)) {
    await group('packer init', async () => {
      const out = await exec(packer, packerInitArgs(spec), {
        env,
        ...(deps.cwd ? { cwd: deps.cwd } : {}),
        onLine: log,
        ...(deps.signal ? { signal: deps.signal } : {}),
      });
      if (out.code !== 0)
        throw new ActionError(
          `packer init failed (exit ${out.code}): ${out.stderr.trim() || out.stdout.trim()}`,
          'Check required_plugins in the template and network access to the plugin source.',
        );
    });
  } else {
    log(
      `packer ${version ?? '(unknown version)'}: skipping packer init (${spec.init === 'never' ? 'disabled' : 'JSON template or Packer older than 1.7'})`,
    );
  }
  const out = await group('packer build', () =>
    exec(packer, packerBuildArgs(spec), {
      env,
      ...(deps.cwd ? { cwd: deps.cwd } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
      onLine: (raw) => {
        const line = parseMachineLine(raw);
        const text = line ? humanLine(line) : raw;
        if (text !== undefined) log(text);
      },
    }),
  );
  const parsed = parseMachineLog(out.stdout);
  if (out.code !== 0) {
    const why =
      parsed.errors.at(-1) ?? out.stderr.trim().split('\n').slice(-5).join('\n') ?? `exit ${out.code}`;
    throw new ActionError(
      `packer build failed (exit ${out.code}): ${why}`,
      'Read the "packer build" log group above. Packer ran with -on-error=cleanup, so its temporary resources were removed; check for any tagged with this run if a step timed out.',
    );
  }
  return { ...parsed, ...(version ? { version } : {}) };
}
