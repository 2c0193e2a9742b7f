// @hac/toolkit: what the engines and actions share — the action contract (runEngine, ActionDeps),
// typed inputs and their rules, errors, cancellation and deadlines, retries, secrets and
// redaction, outputs and post-step state, job summaries, the Timeline, workspace paths and
// bounded YAML. Only what other packages use is exported; tests reach the rest by path.
export { type ActionDeps, type Engine, runEngine } from './action.js';
export {
  CancelledError,
  type Clock,
  type Sleep,
  TimeoutError,
  abortReason,
  cancellationSignal,
  sleep,
  systemClock,
  throwIfAborted,
  withTimeout,
} from './cancel.js';
export { formatDuration, parseDuration } from './duration.js';
export { ActionError, InputError, type InputProblem, errorMessage } from './errors.js';
export {
  type Field,
  type InputSource,
  type Problems,
  type Rule,
  type RuleContext,
  type Values,
  readInputs,
} from './inputs.js';
export { annotateError, info, warning } from './log.js';
export { type StateStore, runnerState, setOutputs } from './outputs.js';
export { type RetryOptions, backoffDelay, retry } from './retry.js';
export { runAction } from './run.js';
export { inputEnvName } from './runner.js';
export { maskSecret, redact, secretForms, stripUrlCredentials } from './secrets.js';
export { Summary } from './summary.js';
export { RESULT_MARKS, Timeline, type TimelineEntry, markLine } from './timeline.js';
export {
  ALLOW_OUTSIDE_WORKSPACE,
  FILE_READ_LIMIT,
  type WorkspaceOptions,
  assertInWorkspace,
  readWorkspaceFile,
  workspaceInputs,
  workspacePath,
  workspaceRoot,
} from './workspace.js';
export {
  INLINE_PARSE_LIMIT,
  YAML_MAX_ALIASES,
  YamlLimitError,
  parseYamlBounded,
  parseYamlDocumentsBounded,
  yamlErrorMessage,
  yamlPackage,
} from './yaml.js';
export { onFirstUse } from './lazy.js';
export * as input from './inputs.js';
