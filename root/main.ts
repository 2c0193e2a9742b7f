import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { planDispatch, runBundle, type Manifest } from '@hac/dispatch';
import { runAction, runnerState, warning } from '@hac/toolkit';
import manifest from './manifest.generated.json';

const distRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

void runAction(async () => {
  const plan = planDispatch(manifest as Manifest, process.env);
  for (const w of plan.warnings) warning(w);
  runnerState.save('hac-action', plan.action);
  const code = await runBundle(path.join(distRoot, plan.action, 'index.js'), plan.env);
  if (code !== 0) process.exitCode = code;
});
