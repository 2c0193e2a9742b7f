import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runBundle } from '@hac/dispatch';
import { runAction, runnerState } from '@hac/toolkit';

const distRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

void runAction(async () => {
  const action = runnerState.get<string>('hac-action');
  if (!action || !/^[a-z0-9-]+$/.test(action)) return;
  const post = path.join(distRoot, action, 'post.js');
  if (!fs.existsSync(post)) return;
  const code = await runBundle(post, process.env);
  if (code !== 0) process.exitCode = code;
});
