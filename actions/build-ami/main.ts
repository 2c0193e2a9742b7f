import { runAction, notImplemented } from '@hac/toolkit';

void runAction(() => notImplemented('build-ami'));
