import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { planDispatch, runBundle, type Manifest } from '@hac/dispatch';
import { runAction, runnerState } from '@hac/toolkit';
import manifest from './manifest.generated.json';

const distRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

void runAction(async () => {
  const plan = planDispatch(manifest as Manifest, process.env);
  runnerState.save('hac-action', plan.action);
  const code = await runBundle(path.join(distRoot, plan.action, 'index.js'), plan.env);
  if (code !== 0) process.exitCode = code;
});
