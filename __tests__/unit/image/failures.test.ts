import { describe, expect, test } from '@jest/globals';
import { classify, isTransient } from '../../../packages/image/failures.js';

describe('classify registry errors from CLI stderr', () => {
  test.each([
    [
      'Error: writing blob: initiating layer upload to /v2/app/blobs/uploads/ in 127.0.0.1:5000: StatusCode: 429, "<html>Too Many Requests</html>"',
      'rate-limit',
      true,
    ],
    ['toomanyrequests: You have reached your pull rate limit', 'rate-limit', true],
    [
      'Error: trying to reuse blob ... received unexpected HTTP status: 503 Service Unavailable',
      'server',
      true,
    ],
    [
      'unexpected status from POST request to https://ghcr.io/v2/x/blobs/uploads/: 502 Bad Gateway',
      'server',
      true,
    ],
    [
      'pinging container registry ghcr.io: Get "https://ghcr.io/v2/": net/http: TLS handshake timeout',
      'network',
      true,
    ],
    ['dial tcp 10.0.0.1:443: i/o timeout', 'network', true],
    ['read tcp 127.0.0.1:40000->127.0.0.1:5000: read: connection reset by peer', 'network', true],
    [
      'Error: authenticating creds for "ghcr.io": reading JSON response ... unauthorized: authentication required',
      'auth',
      false,
    ],
    ['denied: requested access to the resource is denied', 'auth', false],
    ['failed to push: 401 Unauthorized', 'auth', false],
    ["name unknown: The repository with name 'svc' does not exist in the registry", 'not-found', false],
    ['error building at STEP "RUN false": exit status 1', 'other', false],
  ])('%s', (stderr, kind, transient) => {
    expect(classify(stderr)).toBe(kind);
    expect(isTransient(classify(stderr))).toBe(transient);
  });
});
