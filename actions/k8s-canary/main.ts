import { runAction } from '@hac/toolkit';
import { runCanaryAction } from '@hac/k8s';
import { envInputs } from '@hac/toolkit';

void runAction(async () => void (await runCanaryAction({ source: envInputs() })));
