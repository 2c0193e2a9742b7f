import { spawn } from 'node:child_process';

export interface ExecOptions {
  /** The whole environment of the child (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Written to the child's stdin, then stdin is closed. This is how passwords reach a CLI. */
  input?: string;
  cwd?: string;
  signal?: AbortSignal;
  /** Called with every line of output as it arrives (for streaming logs). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell and never throws for a non-zero exit: callers decide. */
export type Exec = (cmd: string, args: readonly string[], opts?: ExecOptions) => Promise<ExecResult>;

/** The real Exec: spawn without a shell; a missing command exits 127 like a shell would report it. */
export const exec: Exec = (cmd, args, opts = {}) =>
  new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(opts.signal.reason);
    const child = spawn(cmd, [...args], {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: opts.signal,
    });
    const out = { stdout: '', stderr: '' };
    for (const stream of ['stdout', 'stderr'] as const) {
      let partial = '';
      child[stream].setEncoding('utf8');
      child[stream].on('data', (chunk: string) => {
        out[stream] += chunk;
        if (!opts.onLine) return;
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) opts.onLine(line, stream);
      });
      child[stream].on('end', () => {
        if (partial && opts.onLine) opts.onLine(partial, stream);
      });
    }
    child.stdin.on('error', () => undefined); // the child may exit before reading stdin
    child.stdin.end(opts.input ?? '');
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') resolve({ code: 127, stdout: '', stderr: `${cmd}: command not found` });
      else reject(opts.signal?.aborted ? opts.signal.reason : err);
    });
    child.on('close', (code, sig) => {
      if (opts.signal?.aborted) return reject(opts.signal.reason);
      resolve({ code: code ?? (sig ? 128 : 1), ...out });
    });
  });
