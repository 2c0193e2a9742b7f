// Registry login and logout through the builder's own CLI. Passwords go through stdin only.
import type { Exec } from './exec.js';
import type { Engine } from './request.js';
import type { RegistryLogin } from './registries.js';
import { buildahLoginArgs, buildahLogoutArgs } from './buildah.js';
import { dockerLoginArgs, dockerLogoutArgs } from './docker.js';
import { classify, tail } from './failures.js';
import { ActionError } from '@hac/toolkit';
import { REGISTRY_CONNECT_TIMEOUT_MS, REGISTRY_RESPONSE_TIMEOUT_MS } from './registry-preflight.js';

export interface Credentials {
  username: string;
  password: string;
}

/** Exchanges AWS credentials (default chain) for an ECR login. Injectable so tests need no AWS. */
export type EcrTokenProvider = (region: string, accountId: string) => Promise<Credentials>;

/** The real provider: @aws-sdk/client-ecr GetAuthorizationToken; loaded only when an ECR host is used. */
export const ecrToken: EcrTokenProvider = async (region, accountId) => {
  const { ECRClient, GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
  // The same deadlines as the registry preflight; two attempts, so a silent endpoint fails in about 20s.
  const client = new ECRClient({
    region,
    maxAttempts: 2,
    requestHandler: {
      connectionTimeout: REGISTRY_CONNECT_TIMEOUT_MS,
      requestTimeout: REGISTRY_RESPONSE_TIMEOUT_MS,
      // Without this the SDK only warns when the deadline passes, and keeps waiting.
      throwOnRequestTimeout: true,
      socketTimeout: REGISTRY_RESPONSE_TIMEOUT_MS,
    },
  });
  try {
    const out = await client.send(new GetAuthorizationTokenCommand({ registryIds: [accountId] }));
    const token = out.authorizationData?.[0]?.authorizationToken;
    if (!token) throw new Error('GetAuthorizationToken returned no token');
    return decodeEcrToken(token);
  } finally {
    client.destroy();
  }
};

/** ECR tokens are base64("AWS:<password>"). */
export function decodeEcrToken(token: string): Credentials {
  const text = Buffer.from(token, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) throw new Error('the ECR authorization token is not user:password');
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

export interface LoginDeps {
  exec: Exec;
  env: NodeJS.ProcessEnv;
  ecrToken: EcrTokenProvider;
  mask: (secret: string) => void;
  info: (msg: string) => void;
  /** Called after each successful login, so that the post step can log out even if a later one fails. */
  loggedIn: (registry: string) => void;
  tlsVerify: (registry: string) => boolean;
}

export function loginArgs(engine: Engine, registry: string, username: string, tlsVerify: boolean): string[] {
  return engine === 'docker'
    ? dockerLoginArgs(registry, username)
    : buildahLoginArgs(registry, username, tlsVerify);
}

export function logoutArgs(engine: Engine, registry: string): string[] {
  return engine === 'docker' ? dockerLogoutArgs(registry) : buildahLogoutArgs(registry);
}

/** Logs in to every registry in order; stops at the first failure with what to do next. */
export async function loginAll(
  engine: Engine,
  logins: readonly RegistryLogin[],
  deps: LoginDeps,
): Promise<string[]> {
  const done: string[] = [];
  for (const l of logins) {
    let creds: Credentials;
    if (l.ecr) {
      try {
        creds = await deps.ecrToken(l.ecr.region, l.ecr.accountId);
      } catch (err) {
        throw new ActionError(
          `Could not get an ECR token for ${l.registry}: ${(err as Error).message}`,
          'Give the job AWS credentials (aws-actions/configure-aws-credentials) allowed to call ecr:GetAuthorizationToken, or set username/password for this registry.',
          { cause: err },
        );
      }
    } else {
      creds = { username: l.username as string, password: l.password as string };
    }
    deps.mask(creds.password);
    const res = await deps.exec(
      engine,
      loginArgs(engine, l.registry, creds.username, deps.tlsVerify(l.registry)),
      {
        env: deps.env,
        input: creds.password,
      },
    );
    if (res.code !== 0) {
      const kind = classify(res.stderr);
      throw new ActionError(
        `Login to ${l.registry} as ${creds.username} failed (${engine} exit ${res.code}): ${tail(res.stderr, 4)}`,
        kind === 'auth'
          ? `Check the username and password (or token) for ${l.registry} in "registries" or registry/username/password.`
          : `Check that ${l.registry} is reachable from the runner; for a plain-HTTP registry list it in "insecure-registries".`,
      );
    }
    deps.info(`Logged in to ${l.registry} as ${creds.username}`);
    deps.loggedIn(l.registry);
    done.push(l.registry);
  }
  return done;
}

/** Logs out of each registry; failures are returned, not thrown (the post step must finish). */
export async function logoutAll(
  engine: Engine,
  registries: readonly string[],
  exec: Exec,
  env: NodeJS.ProcessEnv,
): Promise<{ registry: string; ok: boolean; message: string }[]> {
  const out: { registry: string; ok: boolean; message: string }[] = [];
  for (const registry of registries) {
    const res = await exec(engine, logoutArgs(engine, registry), { env });
    out.push({ registry, ok: res.code === 0, message: tail(res.stderr || res.stdout, 2) });
  }
  return out;
}
