import { runEngine } from '@hac/toolkit';
import { smokeTestMain } from '@hac/probe';

void runEngine(smokeTestMain);
