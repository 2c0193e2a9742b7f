import { runner as core } from './runner.js';
import { redact } from './secrets.js';

/** Sets every output in one call; objects are written as JSON. Values are redacted. */
export function setOutputs(
  outputs: Record<string, unknown>,
  set: (name: string, value: string) => void = core.setOutput,
): void {
  for (const [name, value] of Object.entries(outputs)) {
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    set(name, redact(text));
  }
}

/** Post-step state: what main saved for post to act on. */
export interface StateStore {
  save(name: string, value: unknown): void;
  get<T>(name: string): T | undefined;
}

export const runnerState: StateStore = {
  save(name, value) {
    core.saveState(name, JSON.stringify(value));
  },
  get<T>(name: string): T | undefined {
    const raw = core.getState(name);
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as T;
    } catch {
      return undefined;
    }
  },
};

/** An in-memory store for tests. */
export function memoryState(): StateStore & { dump(): Record<string, unknown> } {
  const data: Record<string, string> = {};
  return {
    save: (n, v) => void (data[n] = JSON.stringify(v)),
    get: <T>(n: string) => (data[n] === undefined ? undefined : (JSON.parse(data[n] as string) as T)),
    dump: () => Object.fromEntries(Object.entries(data).map(([k, v]) => [k, JSON.parse(v)])),
  };
}
