import { runAction, notImplemented } from '@hac/toolkit';

void runAction(() => notImplemented('swap-eip'));
