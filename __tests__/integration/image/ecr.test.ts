// ECR login credentials through @aws-sdk/client-ecr and the SDK's default credential chain
// (environment variables and AWS_ENDPOINT_URL here), against the sandbox's moto server.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { ecrRegistry } from '../../../packages/image/reference.js';
import { ecrToken } from '../../../packages/image/login.js';
import { requireSandbox } from '../../support/sandbox.js';

const saved: Record<string, string | undefined> = {};
const KEYS = ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION'];

beforeAll(() => {
  const sb = requireSandbox(['moto']);
  for (const k of KEYS) saved[k] = process.env[k];
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: sb.awsEndpointUrl,
    AWS_ACCESS_KEY_ID: sb.awsAccessKeyId,
    AWS_SECRET_ACCESS_KEY: sb.awsSecretAccessKey,
  });
});
afterAll(() => {
  for (const k of KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

test('GetAuthorizationToken for the account and region read from the registry host', async () => {
  const host = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
  const where = ecrRegistry(host)!;
  const creds = await ecrToken(where.region, where.accountId);
  expect(creds.username).toBe('AWS');
  expect(creds.password.length).toBeGreaterThan(8);
});
