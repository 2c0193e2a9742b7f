export * from './duration.js';
export * from './errors.js';
export * as input from './inputs.js';
export {
  readInputs,
  envInputs,
  splitList,
  type Field,
  type InputSource,
  type Spec,
  type Values,
  type Problems,
  type Rule,
  type RuleContext,
} from './inputs.js';
export * from './workspace.js';
export * from './yaml.js';
export * from './cancel.js';
export * from './retry.js';
export * from './secrets.js';
export * from './log.js';
export * from './summary.js';
export * from './timeline.js';
export * from './outputs.js';
export * from './run.js';
export { runner, formatCommand, inputEnvName, keyValueMessage, type AnnotationProperties } from './runner.js';
export * from './action.js';
