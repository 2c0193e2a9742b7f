// @hac/probe: HTTP health gates (checks with retries, a load phase and a traffic-distribution
// assertion), used by the smoke-test action and as the health gate of every deploy engine.
export type {
  Auth,
  Check,
  CheckResult,
  DistributionResult,
  DistributionSpec,
  GateReport,
  GateSpec,
  JsonExpectation,
  LoadResult,
  LoadSpec,
  TlsSpec,
} from './types.js';
export { runGate, nextDelay, checkName, type GateDeps } from './gate.js';
export { validateGate } from './validate.js';
export { evaluate, snippet } from './evaluate.js';
export { runLoad, loadResult } from './load.js';
export { distributionVerdict } from './distribution.js';
export { send, createTransport, describeError, type Outcome, type Transport } from './http.js';
export { parseChecks, validateCheck, CHECK_KEYS } from './checks.js';
export { parseStatusSpec, type StatusMatcher } from './status.js';
export { parseJsonExpectation, parseJsonPath, evalJsonPath } from './jsonpath.js';
export { parseHeaders, isSensitiveHeader } from './headers.js';
export { secretValues } from './http.js';
export { gateSummary, gateAnnotations } from './summary.js';
export { percentile } from './stats.js';
