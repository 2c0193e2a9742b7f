import { runAction, notImplemented } from '@hac/toolkit';
void runAction(() => notImplemented('x'));
