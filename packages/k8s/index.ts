// @hac/k8s: the Kubernetes engine shared by k8s-bluegreen and k8s-canary. Cluster access,
// manifests, server-side apply, preflight (permissions + dry run), rollout waits (watch), the
// Lease lock, recorded state, readiness evidence, gates and the run timeline.
export type {
  KubeObject,
  ObjectMeta,
  Labels,
  Deployment,
  Service,
  ServicePort,
  Pod,
  Container,
  PodTemplate,
} from './objects.js';
export { describeObject, isDeployment, isService, clone } from './objects.js';
export {
  ApiError,
  isNotFound,
  isConflict,
  isForbidden,
  isGone,
  isTransient,
  permissionError,
  describeAccess,
  type Access,
  type StatusBody,
} from './errors.js';
export {
  buildUrl,
  kubeTransport,
  countingTransport,
  type Transport,
  type HttpRequest,
  type HttpResponse,
  type Method,
  type Query,
} from './transport.js';
export { knownResource, resourcePath, groupOf, apiBase, type ResourceInfo } from './resources.js';
export {
  KubeClient,
  FIELD_MANAGER,
  UnknownKindError,
  accessFromForbidden,
  type ObjectRef,
  type ClientOptions,
  type WriteOptions,
  type ListResult,
  type WatchEventType,
  type WatchEnd,
  type WatchOptions,
} from './client.js';
export {
  loadKubeConfig,
  openAccess,
  type ClusterAccess,
  writeKubeconfigFile,
  removeKubeconfigFile,
  connect,
  type AccessOptions,
} from './kubeconfig.js';
export { openSession, type Session, type SessionOptions } from './session.js';
export {
  parseImageRef,
  isImageRef,
  formatImageRef,
  substituteImages,
  containersOf,
  podTemplateOf,
  type ImageRef,
  type Substitution,
} from './images.js';
export { loadManifests, parseManifests, expandManifestPaths, ManifestError } from './manifests.js';
export { simpleManifests, type SimpleSpec } from './simple.js';
export { resolveWorkload, workloadFromObjects, type Workload, type WorkloadInputs } from './workload.js';
export {
  selectorString,
  matchesSelector,
  diffSelector,
  renderSelectorDiff,
  selectorPatch,
  type SelectorChange,
} from './selector.js';
export {
  rolloutStatus,
  waitForRollout,
  RolloutError,
  type RolloutStatus,
  type WaitOptions,
} from './rollout.js';
export {
  LeaseLock,
  LeaseBusyError,
  decideLease,
  leaseName,
  microTime,
  releaseLease,
  type Lease,
  type LeaseDecision,
  type LeaseOptions,
} from './lease.js';
export {
  ANNOTATIONS,
  MANAGED_BY,
  encodeState,
  decodeState,
  readState,
  writeState,
  stateConfigMap,
  stateConfigMapName,
  runAnnotations,
  StateError,
  type StateRecord,
  type LoadedState,
  type Strategy,
} from './state.js';
export {
  isPodReady,
  readyPods,
  readyEndpointCount,
  requireReadyPods,
  NoReadyPodsError,
  type EndpointSlice,
} from './endpoints.js';
export {
  checkPermissions,
  missingPermissions,
  renderRules,
  type Permission,
  type ResourceRule,
} from './permissions.js';
export { dryRunAll, preflightError, describeWrite, type PlannedWrite } from './preflight.js';
export {
  buildGate,
  validateChecksText,
  gateMarkdown,
  defaultGateRunner,
  type GateRunner,
  type GateTiming,
} from './gates.js';
export {
  commonInputs,
  validateCommon,
  defaultRunId,
  imageField,
  checksField,
  urlsField,
  APP_NAME,
  APP_FORM,
  NAMESPACE_NAME,
  type CommonValues,
} from './inputs.js';
export * from './canary/index.js';
export { bluegreenMain, bluegreenPost, makeBluegreenMain } from './bluegreen/entry.js';
export {
  outputsOf as bluegreenOutputs,
  type MainExtras as BlueGreenMainExtras,
  type MainOutcome as BlueGreenOutcome,
} from './bluegreen/action.js';
export {
  runBlueGreenPost,
  postHasWork,
  type PostOptions as BlueGreenPostOptions,
  type PostResult as BlueGreenPostResult,
} from './bluegreen/post.js';
export { GateFailedError } from './bluegreen/context.js';
export {
  readBlueGreenInputs,
  Inputs as BlueGreenInputNames,
  Outputs as BlueGreenOutputNames,
} from './bluegreen/inputs.js';
export {
  planBlueGreen,
  switchPatch,
  activeColor,
  retargetRules,
  plannedWrites,
  COLORS,
  COLOR_LABEL,
  type BlueGreenPlan,
  type Color,
  type RouteKind,
  type LiveState,
  type HTTPRoute,
  type SwitchPlan,
} from './bluegreen/plan.js';
export { renderSwitch } from './bluegreen/report.js';
export { bluegreenPermissions } from './bluegreen/permissions.js';
export { undo as undoBlueGreen, switchTraffic } from './bluegreen/switch.js';
export type {
  BlueGreenInputs,
  BlueGreenResult,
  BlueGreenDeps,
  Progress as BlueGreenProgress,
  Verdict,
} from './bluegreen/types.js';
export {
  directTransport,
  kubeconfigFile,
  readDirectAccess,
  type DirectAccess,
  type DirectResult,
} from './direct.js';
export {
  DEFAULT_DEADLINES,
  DeadlineError,
  deadlinesFor,
  type Deadlines,
  type DeadlineKind,
} from './deadlines.js';
export {
  ForeignAnswerError,
  foreignAnswer,
  networkFailure,
  cannotConnect,
  unreachableError,
  type Endpoint,
  type NetFailure,
} from './contact.js';
export { foundStrategy, handoverError, type StrategyMarks } from './handover.js';
export { progressLine, startProgress, realTicker, PROGRESS_EVERY_MS, type Ticker } from './progress.js';
export { missingKubeconfig } from './kubeconfig.js';
export { RETRY_BUDGET_MS } from './session.js';
export { failedOutputs as canaryFailedOutputs } from './canary/action.js';
