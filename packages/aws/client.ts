import { EC2Client } from '@aws-sdk/client-ec2';
import { ActionError } from '@hac/toolkit';
import { watchEndpoint } from './endpoint.js';
import { isValidRegion, REGION_EXPECTED } from './regions.js';

export interface AwsSettings {
  /** The region input; empty means AWS_REGION, then AWS_DEFAULT_REGION. */
  region?: string;
  /** The endpoint input; empty means AWS_ENDPOINT_URL_EC2, then AWS_ENDPOINT_URL, then AWS's own. */
  endpoint?: string;
  /** Attempts per call, including the first (SDK adaptive retry). Default 6. */
  maxAttempts?: number;
  /** How long a request may wait for the response headers, then for each further chunk, in ms. Default 30 s. */
  requestTimeoutMs?: number;
  /** How long connecting (TCP and TLS) may take, in ms. Default 5 s. */
  connectTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Explicit credentials (tests); by default the SDK's default provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export const DEFAULT_MAX_ATTEMPTS = 6;
/** A request to EC2 or SSM answers in well under a second; 30 s leaves room for a slow DescribeImages. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Connecting to a regional endpoint takes milliseconds; 5 s covers a slow proxy. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** The region to use: the input, then AWS_REGION, then AWS_DEFAULT_REGION; an ActionError when none is set or it is unknown. */
export function resolveRegion(input: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const candidates: [string, string | undefined][] = [
    ['input "region"', input],
    ['AWS_REGION', env.AWS_REGION],
    ['AWS_DEFAULT_REGION', env.AWS_DEFAULT_REGION],
  ];
  const found = candidates.find(([, v]) => v !== undefined && v.trim() !== '');
  if (!found) {
    throw new ActionError(
      'No AWS region: the "region" input is empty and neither AWS_REGION nor AWS_DEFAULT_REGION is set.',
      'Set the "region" input, or run aws-actions/configure-aws-credentials with aws-region before this step.',
    );
  }
  const [source, raw] = found;
  const region = (raw as string).trim();
  if (!isValidRegion(region, { env })) {
    throw new ActionError(
      `Unknown AWS region ${JSON.stringify(region)} (from ${source}); expected ${REGION_EXPECTED}.`,
      'Fix the region name. A region newer than this release can be allowed with HAC_AWS_EXTRA_REGIONS.',
    );
  }
  return region;
}

/** The services hac calls; each has its own AWS_ENDPOINT_URL_<SERVICE> variable. */
export type AwsService = 'EC2' | 'SSM';

/**
 * The endpoint to use, if any. EC2: the input, then AWS_ENDPOINT_URL_EC2, then AWS_ENDPOINT_URL.
 * SSM: AWS_ENDPOINT_URL_SSM, then the input (emulators serve every service on one URL), then
 * AWS_ENDPOINT_URL.
 */
export function resolveEndpoint(
  input: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  service: AwsService = 'EC2',
): string | undefined {
  const order =
    service === 'EC2'
      ? [input, env.AWS_ENDPOINT_URL_EC2, env.AWS_ENDPOINT_URL]
      : [env[`AWS_ENDPOINT_URL_${service}`], input, env.AWS_ENDPOINT_URL];
  const value = order.find((v) => v !== undefined && v.trim() !== '');
  if (value === undefined) return undefined;
  const endpoint = value.trim();
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ActionError(
      `The AWS endpoint ${JSON.stringify(endpoint)} is not a URL.`,
      'Give an http(s) URL such as https://ec2.us-east-1.amazonaws.com.',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ActionError(
      `The AWS endpoint ${JSON.stringify(endpoint)} must be http or https.`,
      'Give an http(s) URL.',
    );
  }
  return endpoint;
}

/** The options an EC2Client (or, with `service`, another client) is built with (pure, so tests can check them). */
export function ec2ClientConfig(settings: AwsSettings & { region: string }, service: AwsService = 'EC2') {
  const env = settings.env ?? process.env;
  const endpoint = resolveEndpoint(settings.endpoint, env, service);
  return {
    region: settings.region,
    ...(endpoint ? { endpoint } : {}),
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
    retryMode: 'adaptive' as const,
    maxAttempts: settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    requestHandler: requestHandlerConfig(settings),
  };
}

/**
 * The deadlines of every request: connect, then the response headers (requestTimeout, which only
 * warns unless throwOnRequestTimeout is set), then inactivity while the body arrives (socketTimeout).
 */
export function requestHandlerConfig(settings: Pick<AwsSettings, 'requestTimeoutMs' | 'connectTimeoutMs'>) {
  const requestTimeout = settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    connectionTimeout: settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    requestTimeout,
    throwOnRequestTimeout: true,
    socketTimeout: requestTimeout,
  };
}

/** Adds the endpoint check (first contact fails fast, errors name the endpoint) to a client built from ec2ClientConfig. */
export function watched<C>(client: C, settings: AwsSettings & { region: string }, service: AwsService): C {
  return watchEndpoint(client, {
    service,
    region: settings.region,
    connectTimeoutMs: settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
  });
}

/**
 * An EC2 client: credentials from the SDK default chain (environment variables, web identity/OIDC
 * as exported by aws-actions/configure-aws-credentials, shared config, instance metadata), adaptive retry.
 * `region` may be given resolved or left to resolveRegion.
 */
export function createEc2Client(settings: AwsSettings = {}): EC2Client {
  const region = resolveRegion(settings.region, settings.env ?? process.env);
  return watched(new EC2Client(ec2ClientConfig({ ...settings, region })), { ...settings, region }, 'EC2');
}

/** One client per region, created on first use and sharing the other settings. */
export function ec2ClientPool(settings: Omit<AwsSettings, 'region'> = {}): {
  get(region: string): EC2Client;
  destroy(): void;
} {
  const clients = new Map<string, EC2Client>();
  return {
    get(region) {
      let c = clients.get(region);
      if (!c) {
        c = createEc2Client({ ...settings, region });
        clients.set(region, c);
      }
      return c;
    },
    destroy() {
      for (const c of clients.values()) c.destroy();
      clients.clear();
    },
  };
}
