export {
  createEc2Client,
  ec2ClientConfig,
  ec2ClientPool,
  resolveRegion,
  resolveEndpoint,
  DEFAULT_MAX_ATTEMPTS,
  type AwsSettings,
  type AwsService,
} from './client.js';
export { KNOWN_REGIONS, REGION_PATTERN, REGION_EXPECTED, isValidRegion } from './regions.js';
export { ID_PREFIXES, idPattern, isId, idExpected, type IdKind } from './ids.js';
export {
  TAG_RUN_ID,
  TAG_PURPOSE,
  defaultRunId,
  runTags,
  tagSpecifications,
  runIdFilter,
  tagValue,
  tagsToRecord,
} from './tags.js';
export { awsErrorCode, isAwsError, hintFor, describeAwsError, awsCall, dryRun } from './errors.js';
export * as awsInput from './inputs.js';
// build-ami: the engines, the input reader, and what its tests drive directly.
export { buildAmiMain, buildAmiPost, type BuildAmiRun } from './ami/entry.js';
export { readBuildAmiInputs } from './ami/inputs.js';
export { runBuildAmi, postBuildAmi, type BuildAmiResult } from './ami/action.js';
export { buildNative } from './ami/native.js';
export { stoppedSignal, type CompletionSignal } from './ami/signal.js';
export { RUN_SHELL_SCRIPT, scriptCommands } from './ami/ssm-spec.js';
export { planRetention, applyRetention } from './ami/retention.js';
export { checkNameTemplate, nameVariables, renderName } from './ami/name.js';
export { wrapUserData, isShellScript, SUCCESS_MARKER, FAILURE_MARKER } from './ami/userdata.js';
export type { NativeBuildSpec } from './ami/types.js';
export {
  parseMachineLog,
  parseMachineLine,
  unescapeField,
  amisOf,
  humanLine,
  type MachineLine,
  type PackerArtifact,
  type PackerResult,
} from './packer/machine.js';
export {
  packerBuildArgs,
  packerInitArgs,
  packerEnv,
  shouldInit,
  PACKER_VAR_NAME,
  type PackerSpec,
} from './packer/args.js';
export {
  runPacker,
  spawnExec,
  packerVersion,
  type Exec,
  type ExecResult,
  type PackerRunDeps,
} from './packer/run.js';
export * from './eip/index.js';
export { runWaiter, WaiterCallError, waiterState, type WaiterParams } from './waiters.js';
