import fs from 'node:fs';

/**
 * Runs one action bundle as a child process with the given environment, forwarding SIGINT and
 * SIGTERM so that cancellation reaches it, and resolves with its exit code. The child writes its
 * outputs, state and summary to the same runner files, so they belong to this step.
 */
export function runBundle(
  bundle: string,
  env: NodeJS.ProcessEnv,
  proc: NodeJS.Process = process,
): Promise<number> {
  if (!fs.existsSync(bundle)) return Promise.reject(new Error(`hac bundle not found: ${bundle}`));
  return new Promise((resolve, reject) => {
    // node:child_process is loaded here: a dispatch that fails at its inputs never needs it.
    const { spawn } = process.getBuiltinModule('node:child_process');
    const child = spawn(proc.execPath, [bundle], { env, stdio: 'inherit' });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    proc.on('SIGINT', forward);
    proc.on('SIGTERM', forward);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      proc.off('SIGINT', forward);
      proc.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}
