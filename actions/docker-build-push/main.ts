import { runAction, notImplemented } from '@hac/toolkit';

void runAction(() => notImplemented('docker-build-push'));
