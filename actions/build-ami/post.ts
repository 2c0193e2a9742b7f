import { info, runAction, runnerState, warning } from '@hac/toolkit';
import { postBuildAmi } from '@hac/aws';

void runAction(async () => {
  await postBuildAmi({ state: runnerState, log: info, warn: (m) => warning(m) });
});
