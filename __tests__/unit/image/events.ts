// Loads the recorded GitHub event payloads into the context shape @actions/github builds.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GitContext } from '../../../packages/image/metadata.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/github-events');

export function eventContext(eventName: string, file: string): GitContext {
  const payload = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Record<string, any>;
  const pr = eventName.startsWith('pull_request');
  return {
    eventName,
    // What the runner sets: GITHUB_SHA/GITHUB_REF for push are the pushed commit and ref;
    // for pull_request, the merge commit and refs/pull/<n>/merge.
    sha: pr ? payload.pull_request.merge_commit_sha : payload.after,
    ref: pr ? `refs/pull/${payload.number}/merge` : payload.ref,
    payload,
    repo: { owner: payload.repository.owner.login, repo: payload.repository.name },
    serverUrl: 'https://github.com',
  };
}
