// @hac/probe: HTTP health gates (checks with retries, a load phase and a traffic-distribution
// assertion), used by the smoke-test action and as the health gate of every deploy engine.
// Only what the actions and the other packages use; tests reach internals by relative path.
export type { Check, GateReport, GateSpec } from './types.js';
export { runGate, type GateDeps } from './gate.js';
export { parseChecks } from './checks.js';
export { send, createTransport, type Outcome, type Transport } from './http.js';
export { gateSummary } from './summary.js';
export { smokeTestMain } from './entry.js';
