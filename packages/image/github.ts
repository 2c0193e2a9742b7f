// The GitHub context of the run, read from the GITHUB_* variables and the event payload at
// GITHUB_EVENT_PATH: the same values @actions/github's `context` holds (a test compares them),
// without loading octokit and its HTTP client on the startup path.
import fs from 'node:fs';
import { info } from '@hac/toolkit';
import type { GitContext } from './metadata.js';

type Payload = GitContext['payload'];

/** The event payload; {} when GITHUB_EVENT_PATH is unset or names no file (as @actions/github does). */
function readPayload(file: string | undefined, log: (line: string) => void): Payload {
  if (!file) return {};
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    log(`GITHUB_EVENT_PATH ${file} does not exist`);
    return {};
  }
  try {
    const payload: unknown = JSON.parse(text);
    if (payload && typeof payload === 'object' && !Array.isArray(payload)) return payload as Payload;
  } catch {
    /* reported below */
  }
  throw new Error(
    `GITHUB_EVENT_PATH: ${file} is not a JSON object; expected the event payload the runner writes`,
  );
}

/** owner/repo from GITHUB_REPOSITORY, else from the payload; empty outside a runner. */
function repoOf(env: NodeJS.ProcessEnv, payload: Payload): GitContext['repo'] {
  if (env.GITHUB_REPOSITORY) {
    const [owner = '', repo = ''] = env.GITHUB_REPOSITORY.split('/');
    return { owner, repo };
  }
  const repository = payload.repository as { owner?: { login?: string }; name?: string } | undefined;
  if (repository?.owner?.login && repository.name)
    return { owner: repository.owner.login, repo: repository.name };
  return { owner: '', repo: '' };
}

export function githubContext(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = info,
): GitContext {
  const payload = readPayload(env.GITHUB_EVENT_PATH, log);
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
    payload,
    repo: repoOf(env, payload),
    serverUrl: env.GITHUB_SERVER_URL ?? 'https://github.com',
  };
}
