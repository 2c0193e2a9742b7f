import {
  cancellationSignal,
  envInputs,
  info,
  maskSecret,
  runAction,
  runnerState,
  setOutputs,
  warning,
} from '@hac/toolkit';
import { buildAndPush, ecrToken, exec, githubContext, outputsOf, resolveInputs, summaryOf } from '@hac/image';

void runAction(async () => {
  const request = resolveInputs(envInputs(), {
    git: githubContext(),
    now: new Date(),
    mask: (s) => maskSecret(s),
  });
  const deps = {
    exec,
    env: process.env,
    log: { info, warning },
    state: runnerState,
    ecrToken,
    mask: (s: string) => maskSecret(s),
    signal: cancellationSignal(),
  };
  const result = await buildAndPush(request, deps);
  setOutputs(outputsOf(result));
  await summaryOf(result).write();
});
