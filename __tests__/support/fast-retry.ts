// Zero-delay SDK retries for the fault suites, where what is under test is what the code does once
// the SDK gives up or succeeds, not how long the SDK waits between attempts. Every EC2Client built
// after zeroDelayRetries() (by the code under test as well as by the independent client) keeps its
// maxAttempts but retries at once, in standard mode; a test sets `backoff.real = true` to get the
// client's own strategy (hac's adaptive retry with the SDK's backoff) for the clients it builds.
//
//   await zeroDelayRetries();                         // before importing what uses the SDK
//   const { fixture } = await import('./swap-eip.fixture.js');
import { jest } from '@jest/globals';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';

export const backoff = {
  /** Build clients with their own retry strategy (the real SDK backoff). */
  real: false,
  /** Clients built with the zero-delay strategy so far (tests check the seam took effect). */
  zeroDelayClients: 0,
};

type ClientConfig = { maxAttempts?: number | (() => Promise<number>); retryStrategy?: unknown };

/** The config a client is built with (pure but for the counter): zero-delay retries unless `backoff.real`. */
export function zeroDelayConfig<C extends ClientConfig>(config: C): C {
  if (backoff.real || config.retryStrategy) return config;
  backoff.zeroDelayClients++;
  const attempts = config.maxAttempts ?? 3;
  return { ...config, retryStrategy: new ConfiguredRetryStrategy(attempts, 0) };
}

/** Replaces @aws-sdk/client-ec2's EC2Client for every module imported from now on. */
export async function zeroDelayRetries(): Promise<void> {
  const real = await import('@aws-sdk/client-ec2');
  class EC2Client extends real.EC2Client {
    constructor(...[config]: ConstructorParameters<typeof real.EC2Client>) {
      super(zeroDelayConfig(config ?? {}));
    }
  }
  jest.unstable_mockModule('@aws-sdk/client-ec2', () => ({ ...real, EC2Client }));
}
