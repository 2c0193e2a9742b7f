import { info, runAction, runnerState, warning } from '@hac/toolkit';
import { buildAmiPost } from '@hac/aws';

void runAction(async () => {
  await buildAmiPost({ state: runnerState, log: info, warn: (m) => warning(m) });
});
