// Each action's own input reader (the pure read/validate layer its main step calls before any
// network or cloud call), keyed by action name: what the documentation examples are checked with.
import type { InputSource } from '@hac/toolkit';
import { readBlueGreenInputs } from '../../packages/k8s/bluegreen/inputs.js';
import { readCanaryInputs } from '../../packages/k8s/canary/inputs.js';
import { readSwapConfig } from '../../packages/aws/eip/config.js';
import { resolveInputs } from '../../packages/image/inputs.js';
import { readBuildAmiInputs } from '../../packages/aws/ami/inputs.js';
import { readSmokeInputs } from '../../packages/probe/resolve.js';
import { readFleetInputs } from '../../packages/fleet/entry.js';

export type Reader = (source: InputSource, workspace: string) => unknown;

const SHA = '0123456789abcdef0123456789abcdef01234567';
const ENV: NodeJS.ProcessEnv = {
  GITHUB_REPOSITORY: 'org/app',
  GITHUB_SHA: SHA,
  GITHUB_REF: 'refs/heads/main',
  GITHUB_RUN_ID: '1',
  GITHUB_RUN_NUMBER: '1',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_JOB: 'example',
};

export const READERS: Record<string, Reader> = {
  'build-ami': (source, cwd) => readBuildAmiInputs(source, { cwd, env: ENV, now: new Date(0) }),
  'docker-build-push': (source, cwd) =>
    resolveInputs(source, {
      git: {
        eventName: 'push',
        sha: SHA,
        ref: 'refs/heads/main',
        payload: { repository: { default_branch: 'main' } },
        repo: { owner: 'org', repo: 'app' },
        serverUrl: 'https://github.com',
      },
      now: new Date(0),
      cwd,
      env: ENV,
    }),
  'k8s-bluegreen': (source) => readBlueGreenInputs(source, ENV),
  'k8s-canary': (source) => readCanaryInputs(source),
  'smoke-test': (source, cwd) => readSmokeInputs(source, { cwd }),
  'swap-eip': (source) => readSwapConfig(source),
  fleet: (source) => readFleetInputs({ inputs: source, env: ENV }),
};
