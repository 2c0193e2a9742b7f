import { info, runAction } from '@hac/toolkit';
import { runCanaryPost } from '@hac/k8s';

void runAction(async () => info(`k8s-canary post: ${await runCanaryPost()}`));
