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
export { buildNative, preflight, type Preflight } from './ami/native.js';
export { stoppedSignal, consoleTail, type CompletionSignal, type SignalContext } from './ami/signal.js';
// SSM provisioning is imported on demand (packages/aws/ami/ssm.ts), so user-data builds never load its client.
export type { SsmSignalDeps } from './ami/ssm.js';
export {
  RUN_SHELL_SCRIPT,
  RUN_SHELL_SCRIPT_PARAMETERS,
  SSM_DOCUMENT,
  SSM_DOCUMENT_EXPECTED,
  scriptCommands,
  type SsmCommandSpec,
} from './ami/ssm-spec.js';
export { sweepRun, sweptAnything, type SweepReport } from './ami/sweep.js';
export {
  planRetention,
  applyRetention,
  imagesInUse,
  familyImages,
  type RetentionPlan,
} from './ami/retention.js';
export { resolveBaseAmi, newestImage, runInstancesInput, snapshotIdsOf } from './ami/resources.js';
export {
  NAME_VARIABLES,
  NAME_TEMPLATE_EXPECTED,
  checkNameTemplate,
  nameVariables,
  renderName,
} from './ami/name.js';
export {
  wrapUserData,
  isShellScript,
  USER_DATA_LIMIT,
  SUCCESS_MARKER,
  FAILURE_MARKER,
} from './ami/userdata.js';
export {
  PURPOSE,
  TAG_FAMILY,
  type NativeBuildSpec,
  type BuildDeps,
  type BuildResult,
  type RegionImage,
  type BaseAmi,
} from './ami/types.js';
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
export { buildAmiMain, buildAmiPost } from './ami/entry.js';
export {
  runBuildAmi,
  postBuildAmi,
  summarize,
  Outputs as BuildAmiOutputs,
  State as BuildAmiState,
  type BuildAmiInputs,
  type BuildAmiDeps,
  type BuildAmiResult,
} from './ami/action.js';
export { runWaiter, WaiterCallError, waiterState, type WaiterParams } from './waiters.js';
