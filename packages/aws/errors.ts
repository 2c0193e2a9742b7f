import { ActionError, errorMessage } from '@hac/toolkit';
import { EndpointError } from './endpoint.js';

/** What the SDK puts on a service error, plus Node's network error codes. */
interface AwsLikeError {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
  $fault?: 'client' | 'server';
}

/** The EC2 error code of `err` (`RequestLimitExceeded`, `InvalidAMIID.NotFound`, ...), or a Node error code. */
export function awsErrorCode(err: unknown): string | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as AwsLikeError;
  return e.Code ?? (e.name && e.name !== 'Error' ? e.name : undefined) ?? e.code;
}

export function isAwsError(err: unknown, ...codes: string[]): boolean {
  const code = awsErrorCode(err);
  return code !== undefined && codes.includes(code);
}

const HINTS: [RegExp, string][] = [
  [
    /^(UnauthorizedOperation|AccessDenied(Exception)?)$/,
    'Grant the IAM permission named in the message to the role this job assumes (see the action README for the minimal policy). `aws sts decode-authorization-message` explains an encoded message.',
  ],
  [
    /^(AuthFailure|InvalidClientTokenId|SignatureDoesNotMatch|UnrecognizedClientException)$/,
    'The AWS credentials were rejected. Check the aws-actions/configure-aws-credentials step (role ARN, OIDC trust policy) and the region.',
  ],
  [
    /^(ExpiredToken|RequestExpired|ExpiredTokenException)$/,
    'The AWS session expired. Raise role-duration-seconds in configure-aws-credentials or shorten the job.',
  ],
  [
    /^CredentialsProviderError$/,
    'Add aws-actions/configure-aws-credentials (OIDC, role-to-assume) before this step, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from secrets.',
  ],
  [
    /^(RequestLimitExceeded|Throttling|ThrottlingException)$/,
    'EC2 kept throttling after the SDK\'s adaptive retries. Re-run later, or raise the "max-attempts" input.',
  ],
  [
    /^(InternalError|InternalFailure|ServiceUnavailable|Unavailable)$/,
    'EC2 returned server errors after every retry. Check the AWS Health Dashboard and re-run.',
  ],
  [
    /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|TimeoutError|RequestTimeout)$/,
    'The EC2 endpoint could not be reached reliably. Check the network, the "endpoint" input and AWS_ENDPOINT_URL, then re-run.',
  ],
  [/^InvalidAMIID\./, 'Check the AMI id and that it exists in this region and is shared with this account.'],
  [
    /^InvalidInstanceType/,
    'Check "instance-type": the type must exist and be offered in this region (aws ec2 describe-instance-type-offerings).',
  ],
  [/^InvalidSubnetID\./, 'Check the subnet id and that it is in this region.'],
  [/^InvalidGroup\./, "Check the security group id and that it is in the subnet's VPC."],
  [/^InvalidInstanceID\./, 'Check the instance id and the region.'],
  [/^InvalidAllocationID\./, 'Check the Elastic IP allocation id and the region.'],
  [/^InvalidLaunchTemplate(Id|Name)\./, 'Check the launch template id or name and the region.'],
  [
    /^InvalidParameterValue$|^InvalidParameterCombination$|^MissingParameter$/,
    'An input value was not accepted by EC2; the message names it.',
  ],
  [
    /^(InsufficientInstanceCapacity|Unsupported)$/,
    'Try another instance type or another subnet (availability zone).',
  ],
  [
    /^(InstanceLimitExceeded|VcpuLimitExceeded|MaxSpotInstanceCountExceeded)$/,
    "The account's EC2 quota is reached. Request a quota increase or free capacity.",
  ],
  [
    /^InvalidAMIName\.Duplicate$/,
    'An AMI with this name exists. Make the name template unique, e.g. add {{timestamp}} or {{sha}}.',
  ],
  [
    /^(AddressLimitExceeded|SecurityGroupLimitExceeded|RulesPerSecurityGroupLimitExceeded)$/,
    'An EC2 quota is reached. Remove unused resources or request an increase.',
  ],
];

/** A request EC2 refused for good (4xx, not throttling): the same request fails again, so never "re-run". */
export const PERMANENT_HINT =
  'EC2 rejected the request itself, so running it again fails the same way: fix the input, permission or resource the message names.';

/** What the credential chain looks at, for the error when it finds nothing. */
export const CREDENTIAL_SOURCES =
  'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN, as aws-actions/configure-aws-credentials sets), AWS_PROFILE in ~/.aws/config and ~/.aws/credentials, and the container and instance metadata endpoints';

function isPermanent(e: AwsLikeError, code: string | undefined): boolean {
  const status = e.$metadata?.httpStatusCode;
  if (code && /^(RequestLimitExceeded|Throttling|ThrottlingException|RequestExpired)$/.test(code))
    return false;
  return e.$fault === 'client' || (status !== undefined && status >= 400 && status < 500 && status !== 429);
}

/** The next step for an AWS error code, if hac knows one. */
export function hintFor(code: string | undefined): string | undefined {
  if (!code) return undefined;
  return HINTS.find(([re]) => re.test(code))?.[1];
}

/**
 * Turns any error of an EC2 call into an ActionError: "<what> failed: <code>: <message> (HTTP n, after k attempts)"
 * with the next step as its hint. ActionErrors pass through unchanged.
 */
export function describeAwsError(err: unknown, what: string): ActionError {
  if (err instanceof ActionError) return err;
  const e = (err ?? {}) as AwsLikeError;
  if (err instanceof EndpointError) {
    const attempts = e.$metadata?.attempts;
    const after = attempts && attempts > 1 ? ` (after ${attempts} attempts)` : '';
    return new ActionError(`${what} failed: ${err.message}${after}`, err.hint, { cause: err });
  }
  const code = awsErrorCode(err);
  if (code === 'CredentialsProviderError')
    return new ActionError(
      `${what} failed: no AWS credentials were found. The SDK's default chain looked at ${CREDENTIAL_SOURCES}.`,
      hintFor(code),
      { cause: err },
    );
  const status = e.$metadata?.httpStatusCode;
  const attempts = e.$metadata?.attempts;
  let message = errorMessage(err).trim();
  if (!message || message === code || message === 'UnknownError')
    message = status ? `HTTP ${status}` : 'no message';
  const details = [
    status ? `HTTP ${status}` : '',
    attempts && attempts > 1 ? `after ${attempts} attempts` : '',
  ]
    .filter(Boolean)
    .join(', ');
  const text = `${what} failed: ${code && !message.startsWith(code) ? `${code}: ` : ''}${message}${details ? ` (${details})` : ''}`;
  const hint =
    hintFor(code) ??
    (isPermanent(e, code) ? PERMANENT_HINT : undefined) ??
    (status && status >= 500 ? hintFor('InternalError') : undefined) ??
    'Re-run the job; if it fails again, check the message above and the AWS console.';
  return new ActionError(text, hint, { cause: err });
}

/** Runs one EC2 call and maps its failure to a clear ActionError naming the call. */
export async function awsCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw describeAwsError(err, what);
  }
}

/**
 * Runs a call with DryRun=true. EC2 answers DryRunOperation when the call would succeed, and
 * UnauthorizedOperation when it would be denied. Returns 'ok', or 'unsupported' when the endpoint
 * ran or rejected the call without honouring DryRun (some emulators). Permission errors throw.
 */
export async function dryRun(what: string, fn: () => Promise<unknown>): Promise<'ok' | 'unsupported'> {
  try {
    await fn();
    return 'unsupported';
  } catch (err) {
    if (isAwsError(err, 'DryRunOperation')) return 'ok';
    throw describeAwsError(err, `${what} (dry run)`);
  }
}
