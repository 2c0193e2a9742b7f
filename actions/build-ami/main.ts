import { cancellationSignal, envInputs, group, info, runAction, runnerState, setOutputs } from '@hac/toolkit';
import { runBuildAmi } from '@hac/aws';
import { getInputs } from './inputs.js';

void runAction(async () => {
  const inputs = getInputs(envInputs());
  await runBuildAmi(inputs, {
    state: runnerState,
    setOutputs: (o) => setOutputs(o),
    writeSummary: (s) => s.write(),
    log: info,
    group,
    abortSignal: cancellationSignal(),
  });
});
