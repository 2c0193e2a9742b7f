import { runAction, notImplemented } from '@hac/toolkit';

void runAction(() => notImplemented('k8s-canary'));
