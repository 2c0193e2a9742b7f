// The exec wrapper spawns real processes (no shell): stdin, exit codes, streaming, a missing
// command, and cancellation killing the child.
import { describe, expect, test } from '@jest/globals';
import { exec } from '../../../packages/image/exec.js';

describe('exec', () => {
  test('passes stdin, returns stdout, stderr and the exit code without throwing', async () => {
    const r = await exec(
      process.execPath,
      [
        '-e',
        'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{process.stdout.write(s.toUpperCase());process.stderr.write("err");process.exit(3)})',
      ],
      { input: 'secret via stdin' },
    );
    expect(r).toEqual({ code: 3, stdout: 'SECRET VIA STDIN', stderr: 'err' });
  });

  test('streams output line by line', async () => {
    const lines: string[] = [];
    await exec(
      process.execPath,
      ['-e', 'console.log("a\\nb"); console.error("c"); process.stdout.write("tail")'],
      { onLine: (l, s) => lines.push(`${s}:${l}`) },
    );
    expect(lines.sort()).toEqual(['stderr:c', 'stdout:a', 'stdout:b', 'stdout:tail']);
  });

  test('a missing command is exit 127, like a shell says', async () => {
    expect(await exec('hac-no-such-command-xyz', ['x'])).toEqual({
      code: 127,
      stdout: '',
      stderr: 'hac-no-such-command-xyz: command not found',
    });
  });

  test('arguments are not interpreted by a shell', async () => {
    const r = await exec(process.execPath, ['-e', 'console.log(process.argv[1])', '$(echo injected); `id`']);
    expect(r.stdout.trim()).toBe('$(echo injected); `id`');
  });

  // Without the kill, the child would run for 60 s and the test would hit jest's 30 s timeout.
  test('cancellation kills the child and rejects with the reason', async () => {
    const controller = new AbortController();
    const p = exec(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('cancelled by the runner')), 200);
    await expect(p).rejects.toThrow('cancelled by the runner');
  });
});
