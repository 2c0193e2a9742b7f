import { runAction } from '@hac/toolkit';
import { run } from './run.js';
void runAction(async () => void (await run()));
