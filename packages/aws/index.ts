export {
  createEc2Client,
  ec2ClientConfig,
  ec2ClientPool,
  resolveRegion,
  resolveEndpoint,
  DEFAULT_MAX_ATTEMPTS,
  type AwsSettings,
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
