// The smoke-test engine: actions/smoke-test/main.ts is `runEngine(smokeTestMain)`.
import type { Engine } from '@hac/toolkit';
import { readSmokeInputs, type SmokeInputs } from './resolve.js';
import { reportSmoke, runSmoke, type SmokeResult } from './smoke.js';

export const smokeTestMain: Engine<SmokeInputs, SmokeResult> = {
  name: 'smoke-test',
  read: (deps) => readSmokeInputs(deps.inputs, { env: deps.env }),
  run: runSmoke,
  report: reportSmoke,
};
