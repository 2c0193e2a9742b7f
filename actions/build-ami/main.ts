import { cancellationSignal, envInputs, group, info, runAction, runnerState, setOutputs } from '@hac/toolkit';
import { buildAmiMain } from '@hac/aws';
import { getInputs } from './inputs.js';

void runAction(async () => {
  const inputs = getInputs(envInputs());
  await buildAmiMain(inputs, {
    state: runnerState,
    setOutputs: (o) => setOutputs(o),
    writeSummary: (s) => s.write(),
    log: info,
    group,
    abortSignal: cancellationSignal(),
  });
});
