import { info, runAction, runnerState, warning } from '@hac/toolkit';
import { exec, logoutFromState } from '@hac/image';

void runAction(async () => {
  await logoutFromState(runnerState, { exec, env: process.env, log: { info, warning } });
});
