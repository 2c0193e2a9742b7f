// The GitHub context of the run, from @actions/github (payload read from GITHUB_EVENT_PATH).
import { context } from '@actions/github';
import type { GitContext } from './metadata.js';

export function githubContext(): GitContext {
  let repo = { owner: '', repo: '' };
  try {
    repo = context.repo;
  } catch {
    /* GITHUB_REPOSITORY unset outside a runner: no repository labels */
  }
  return {
    eventName: context.eventName ?? '',
    sha: context.sha ?? '',
    ref: context.ref ?? '',
    payload: context.payload ?? {},
    repo,
    serverUrl: context.serverUrl,
  };
}
