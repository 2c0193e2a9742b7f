// @hac/image: build container images with docker buildx or buildah, tag them from the git context,
// log in to registries (passwords through stdin), push with retries and report the digest.
export { exec, type Exec, type ExecOptions, type ExecResult } from './exec.js';
// Inputs: names, spec, the named rules, reading and resolving (inputs.ts lists what is public).
export * from './inputs.js';
export { dockerBuildPushMain, dockerBuildPushPost } from './entry.js';
export {
  gitTags,
  ociLabels,
  sanitizeTag,
  OCI,
  type GitContext,
  type GitTags,
  type LatestMode,
  type TagOptions,
} from './metadata.js';
export { githubContext } from './github.js';
export {
  parseRepository,
  parseImageRef,
  tagProblem,
  splitTag,
  pinned,
  ecrRegistry,
  TAG_PATTERN,
  type Repository,
  type ImageRef,
} from './reference.js';
export { parseCache, validPlatform, keyValue, CACHE_TYPES, type CacheSpec, type CacheType } from './forms.js';
export { parseRegistries, checkLogin, normaliseHost, type RegistryLogin } from './registries.js';
export {
  buildxArgs,
  dockerLoginArgs,
  dockerLogoutArgs,
  readDockerResult,
  secretEnv,
  secretEnvName,
  dockerProbes,
} from './docker.js';
export {
  buildahBuildArgs,
  buildahPushArgs,
  buildahRelabelArgs,
  buildahInspectArgs,
  staleLabels,
  buildahLoginArgs,
  buildahLogoutArgs,
  manifestName,
  usedCache,
} from './buildah.js';
export { classify, isTransient, pushHint, type FailureKind } from './failures.js';
export {
  loginAll,
  logoutAll,
  ecrToken,
  decodeEcrToken,
  loginArgs,
  logoutArgs,
  type Credentials,
  type EcrTokenProvider,
} from './login.js';
export { resolveEngine, dockerAvailable, buildahAvailable } from './engine.js';
export { engineWarnings } from './build-preflight.js';
export {
  buildAndPush,
  State,
  type BuildDeps,
  type BuildResult,
  type Logger,
  type PushRecord,
} from './build.js';
export { logoutFromState } from './post.js';
export {
  preflightRegistries,
  preflightTargets,
  checkRegistry,
  getV2,
  isRegistryAnswer,
  REGISTRY_CONNECT_TIMEOUT_MS,
  REGISTRY_RESPONSE_TIMEOUT_MS,
  type RegistryTarget,
} from './registry-preflight.js';
export {
  parseInsecureRegistries,
  insecureRegistriesFromConf,
  registriesConfFiles,
} from './registries-conf.js';
export { Outputs, outputsOf, metadataOf, builderKeys, summaryOf } from './report.js';
export {
  CompatInputs,
  compatSpec,
  resolveCompat,
  tagsAreRules,
  METADATA_DEFAULT_RULES,
  type CompatRequest,
  type Flavor,
} from './compat.js';
export { compatBuildxArgs, compatBuildahArgs, compatBuildahProblems } from './compat-args.js';
export { readBuildFailure, describeBuildFailure, type BuildFailure } from './build-errors.js';
export { dockerProblem } from './engine.js';
export {
  applyTagRules,
  parseTagRules,
  splitFields,
  formatDate,
  RULE_TYPES,
  DEFAULT_PRIORITY,
  TAG_RULES_EXPECTED,
  type TagRule,
  type RuleType,
  type RuleProblem,
} from './tag-rules.js';
