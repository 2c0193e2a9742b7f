// Registry login without leaking the password: a second registry with htpasswd (bcrypt) auth runs
// on a free port. buildah is wrapped by a recorder that logs its argv, /proc/<pid>/cmdline and stdin
// before running the real buildah, so the test sees exactly what the CLI received.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ActionError } from '@hac/toolkit';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import { buildAndPush } from '../../../packages/image/build.js';
import { exec } from '../../../packages/image/exec.js';
import { logoutFromState } from '../../../packages/image/post.js';
import { outputsOf, summaryOf } from '../../../packages/image/report.js';
import { resolveInputs } from '../../../packages/image/inputs.js';
import { requireSandbox, sandboxProcessEnv, uniqueName, type SandboxEnv } from '../../support/sandbox.js';
import { installFakeCli, type FakeBin } from '../../scripts/fakes.js';
import { eventContext } from '../../unit/image/events.js';
import { manifest } from './registry-api.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/docker');
const USER = 'ci-bot';
const PASSWORD = `Pw-${randomBytes(9).toString('hex')}`;
let sb: SandboxEnv;
let dir: string;
let host: string;
let registry: ChildProcess;
let bin: FakeBin;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A bcrypt htpasswd line (what distribution requires), from libcrypt through perl's crypt(). */
function htpasswdLine(user: string, password: string): string {
  const alphabet = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const salt = Array.from(randomBytes(22), (b) => alphabet[b % 64]).join('');
  const res = spawnSync('perl', ['-e', 'print crypt($ENV{PW}, $ENV{SALT})'], {
    env: { PW: password, SALT: `$2b$05$${salt}` },
    encoding: 'utf8',
  });
  if (!res.stdout.startsWith('$2b$')) throw new Error(`bcrypt via perl crypt() failed: ${res.stderr}`);
  return `${user}:${res.stdout}\n`;
}

async function waitFor401(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).status === 401) return;
    } catch {
      /* not yet listening */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up with auth`);
}

beforeAll(async () => {
  sb = requireSandbox(['registry', 'buildah']);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hac-auth-registry-'));
  const port = await freePort();
  host = `127.0.0.1:${port}`;
  fs.writeFileSync(path.join(dir, 'htpasswd'), htpasswdLine(USER, PASSWORD));
  fs.writeFileSync(
    path.join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: ${host}\nauth:\n  htpasswd:\n    realm: hac-test\n    path: ${dir}/htpasswd\n`,
  );
  registry = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  await waitFor401(`http://${host}/v2/`);
  bin = installFakeCli(['buildah']);
}, 30_000);

afterAll(async () => {
  registry?.kill('SIGTERM');
  bin?.cleanup();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function attempt(password: string, logs: string[], state = memoryState()) {
  const inputs: Record<string, string> = {
    context: 'multistage',
    images: `${host}/hac-test/${uniqueName('login')}`,
    tags: 'v1',
    'auto-tags': 'false',
    'build-args': `BASE=${sb.baseImage}`,
    secrets: 'token=x',
    target: 'runtime',
    push: 'true',
    engine: 'buildah',
    registries: `- registry: ${host}\n  username: ${USER}\n  password: ${JSON.stringify(password)}`,
    'insecure-registries': host,
  };
  const env = sandboxProcessEnv(sb, {
    PATH: bin.path,
    FAKE_CLI_LOG: bin.log,
    FAKE_CLI_REAL_BUILDAH: '/usr/bin/buildah',
    REGISTRY_AUTH_FILE: path.join(dir, 'auth.json'),
  });
  const masked: string[] = [];
  const request = resolveInputs((n) => inputs[n] ?? '', {
    git: eventContext('push', 'push-main.json'),
    now: new Date(),
    cwd: fixtures,
    env,
    mask: (s) => s && masked.push(s),
  });
  const log = { info: (m: string) => logs.push(m), warning: (m: string) => logs.push(m) };
  return {
    masked,
    env,
    state,
    log,
    run: () =>
      buildAndPush(request, {
        exec,
        env,
        log,
        state,
        ecrToken: async () => ({ username: '', password: '' }),
        mask: (s) => masked.push(s),
      }),
  };
}

describe('login to a registry with htpasswd auth', () => {
  test('logs in through stdin, pushes, and the password is in no argv, cmdline or log', async () => {
    const logs: string[] = [];
    const a = attempt(PASSWORD, logs);
    const result = await a.run();
    const calls = bin.calls();
    const login = calls.find((c) => c.argv[0] === 'login');
    expect(login?.argv).toEqual([
      'login',
      '--tls-verify=false',
      '--username',
      USER,
      '--password-stdin',
      host,
    ]);
    expect(login?.stdin).toBe(PASSWORD);
    expect(login?.cmdline.slice(-6)).toEqual(login?.argv);
    for (const c of calls) {
      expect(c.argv.join(' ')).not.toContain(PASSWORD);
      expect(c.cmdline.join(' ')).not.toContain(PASSWORD);
    }
    // (from/config/commit run when buildah reused a cached image with other labels)
    const relabel = ['from', 'config', 'commit', 'tag'];
    expect(calls.map((c) => c.argv[0]).filter((a) => !relabel.includes(a as string))).toEqual([
      'version',
      'login',
      'build',
      'inspect',
      'push',
    ]);
    expect(a.masked).toContain(PASSWORD);
    const everything = [
      logs.join('\n'),
      JSON.stringify(outputsOf(result)),
      summaryOf(result).toString(),
    ].join('\n');
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));

    // The push really needed the login: check the tag with credentials, and that anonymous access is refused.
    const repo = result.refs[0]!.slice(0, result.refs[0]!.lastIndexOf(':'));
    const basic = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };
    expect((await manifest(repo, 'v1', basic)).digest).toBe(result.digest);
    await expect(manifest(repo, 'v1')).rejects.toThrow(/HTTP 401/);

    // The post step logs out: the auth file no longer holds the registry.
    expect(fs.readFileSync(path.join(dir, 'auth.json'), 'utf8')).toContain(host);
    const out = await logoutFromState(a.state, { exec, env: a.env, log: a.log });
    expect(out).toEqual([host]);
    expect(fs.readFileSync(path.join(dir, 'auth.json'), 'utf8')).not.toContain(host);
    expect(bin.calls().at(-1)?.argv).toEqual(['logout', host]);
  }, 180_000);

  test('a wrong password fails before building, with a hint, and is not shown', async () => {
    fs.rmSync(bin.log, { force: true });
    const logs: string[] = [];
    const wrong = `Wrong-${randomBytes(6).toString('hex')}`;
    const err = (await attempt(wrong, logs)
      .run()
      .catch((e: unknown) => e)) as ActionError;
    expect(err).toBeInstanceOf(ActionError);
    expect(err.message).toMatch(new RegExp(`Login to ${host} as ${USER} failed`));
    expect(err.hint).toMatch(/Check the username and password/);
    expect(`${err.message}\n${err.hint}\n${logs.join('\n')}`).not.toContain(wrong);
    expect(bin.calls().map((c) => c.argv[0])).toEqual(['version', 'login']);
  }, 60_000);
});
