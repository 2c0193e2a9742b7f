// The post step: log out of every registry main logged in to.
import type { StateStore } from '@hac/toolkit';
import type { Exec } from './exec.js';
import type { Engine } from './request.js';
import { State, type Logger } from './build-context.js';
import { logoutAll } from './login.js';

export async function logoutFromState(
  state: StateStore,
  deps: { exec: Exec; env: NodeJS.ProcessEnv; log: Logger },
): Promise<string[]> {
  const engine = state.get<Engine>(State.engine);
  const registries = state.get<string[]>(State.logins) ?? [];
  if (!engine || registries.length === 0 || state.get<boolean>(State.logout) === false) return [];
  const results = await logoutAll(engine, registries, deps.exec, deps.env);
  for (const r of results) {
    if (r.ok) deps.log.info(`Logged out of ${r.registry}`);
    else deps.log.warning(`Logout of ${r.registry} failed: ${r.message}`);
  }
  return results.filter((r) => r.ok).map((r) => r.registry);
}
