// swap-eip: move an Elastic IP to a new EC2 instance behind health gates, with a tag lock and rollback.
export {
  Inputs as SwapInputs,
  Outputs as SwapOutputs,
  State as SwapStateKeys,
  LOCK_TAG,
  PURPOSE_INSTANCE,
  OLD_INSTANCE_ACTIONS,
  type OldInstanceAction,
} from './names.js';
export {
  PLACEHOLDERS,
  PRE_SWAP_PLACEHOLDERS,
  POST_SWAP_PLACEHOLDERS,
  placeholdersIn,
  templateProblem,
  fillTemplate,
  type Placeholder,
  type TemplateVars,
} from './template.js';
export {
  SWAP_INPUTS,
  readSwapConfig,
  toSwapConfig,
  gateChecks,
  gateProblem,
  isIpv4,
  type SwapValues,
  type SwapConfig,
  type Target,
  type AddressRef,
  type GateConfig,
} from './config.js';
export {
  SWAP_RULES,
  instanceOrTemplate,
  launchOnlyInputs,
  allocationOrPublicIp,
  preGateInputs,
  postGateInputs,
  intervalWithinWait,
  type SwapRule,
} from './rules.js';
export {
  acquireLock,
  formatLock,
  parseLock,
  lockStatus,
  type LockStore,
  type LockOptions,
  type HeldLock,
  type LockValue,
  type LockStatus,
} from './lock.js';
export {
  chooseTarget,
  associateInput,
  restoreInput,
  previousOf,
  pointsAt,
  pointsAtPrevious,
  launchInput,
  describeTarget,
  type AssociationTarget,
  type PreviousAssociation,
} from './requests.js';
export {
  planSwap,
  dryRunLines,
  checkReassociation,
  type SwapPlan,
  type SwapStep,
  type Observed,
  type PlanLine,
  type DryRunProbe,
  type Retirement,
} from './plan.js';
export {
  addressLockStore,
  describeAddress,
  describeInstance,
  toInstanceInfo,
  type AddressInfo,
  type InstanceInfo,
  type NetworkInterfaceInfo,
} from './ec2.js';
export { swapEip } from './execute.js';
export { restoreAddress, removeLaunched, mayHaveLaunched, launchedId } from './restore.js';
export {
  SwapFailure,
  type SwapDeps,
  type SwapSeams,
  type SwapOutcome,
  type SwapReport,
  type SwapResult,
  type SwapState,
  type Phase,
  type GateRunner,
} from './types.js';
export { recoverSwap, type RecoveryReport } from './recover.js';
export { swapSummary } from './summary.js';
export { swapOutputs } from './report.js';
export { swapEipMain, swapEipPost, swapMainEngine, swapPostEngine } from './entry.js';
