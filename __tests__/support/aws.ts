// AWS test support: the sandbox's moto, an independent EC2 client (straight to moto, not through
// the proxy, not built by packages/aws), leak listing by run id and name, and a completion signal
// that plays the instance's part (moto instances do not boot, so the test powers them off).
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2';
import { stoppedSignal, type CompletionSignal } from '../../packages/aws/ami/signal.js';
import { requireSandbox, uniqueName } from './sandbox.js';
import { startFaultProxy, type FaultProxy } from './fault-proxy.js';

export interface AwsSandbox {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** An EC2 client straight to moto, for setup and verification. */
  independent(region?: string): EC2Client;
  proxy: FaultProxy;
  /** Environment for code under test: credentials + region, endpoint = the proxy. */
  env: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

/** moto's header that picks the account a request acts in (each account has its own resources). */
export const MOTO_ACCOUNT_HEADER = 'x-moto-account-id';

/** A fresh 12-digit account id: moto creates the account, with its default VPC and AMIs, on first use. */
export const freshAccountId = (): string => String(Math.floor(1e11 + Math.random() * 9e11));

/**
 * The sandbox's moto behind a fault proxy. With `ownAccount`, every request of the suite (through
 * the proxy and from the independent clients) acts in an account of its own: moto lists and
 * filters in time that grows with what every suite before it left behind, and a fault suite makes
 * hundreds of builds.
 */
export async function awsSandbox(opts: { ownAccount?: boolean } = {}): Promise<AwsSandbox> {
  const sb = requireSandbox(['moto']);
  const credentials = {
    accessKeyId: sb.awsAccessKeyId || 'testing',
    secretAccessKey: sb.awsSecretAccessKey || 'testing',
  };
  const account = opts.ownAccount ? { [MOTO_ACCOUNT_HEADER]: freshAccountId() } : undefined;
  const proxy = await startFaultProxy(sb.awsEndpointUrl, { headers: account });
  const clients: EC2Client[] = [];
  return {
    endpoint: sb.awsEndpointUrl,
    region: sb.awsRegion,
    credentials,
    proxy,
    independent(region = sb.awsRegion) {
      const c = new EC2Client({ region, endpoint: sb.awsEndpointUrl, credentials, maxAttempts: 3 });
      if (account) inAccount(c, account);
      clients.push(c);
      return c;
    },
    env: {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: sb.awsRegion,
      AWS_ENDPOINT_URL: proxy.url,
    },
    async close() {
      clients.forEach((c) => c.destroy());
      await proxy.close();
    },
  };
}

export const testRunId = (prefix = 'test') => uniqueName(prefix);

/** Adds the account header to every request of `client` (before signing). */
function inAccount(client: EC2Client, header: Record<string, string>): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      if (request.headers) Object.assign(request.headers, header);
      return next(args);
    },
    { step: 'build', name: 'hacMotoAccount' },
  );
}

/** A base AMI that moto ships in every region. */
export async function motoBaseAmi(ec2: EC2Client): Promise<{ id: string; name: string; owner: string }> {
  const out = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['amazon'],
      Filters: [
        { Name: 'architecture', Values: ['x86_64'] },
        { Name: 'root-device-type', Values: ['ebs'] },
      ],
    }),
  );
  const image = (out.Images ?? []).find((i) => i.ImageId && i.Name);
  if (!image) throw new Error('moto has no amazon-owned base AMI');
  return { id: image.ImageId as string, name: image.Name as string, owner: image.OwnerId as string };
}

export interface Leaks {
  instances: string[];
  securityGroups: string[];
  images: string[];
  snapshots: string[];
}

/**
 * What a run left behind, listed by the independent client: instances tagged with the run id not
 * terminated, security groups tagged with it or named after it, images tagged with it or named
 * `name` (except `keepImages`), and snapshots tagged with it or belonging to such images (except
 * the snapshots of `keepImages`).
 */
export async function listLeaks(
  ec2: EC2Client,
  runId: string,
  opts: { name?: string; keepImages?: string[] } = {},
): Promise<Leaks> {
  const keep = new Set(opts.keepImages ?? []);
  const tag = { Name: 'tag:hac:run-id', Values: [runId] };
  const inst = await ec2.send(new DescribeInstancesCommand({ Filters: [tag] }));
  const instances = (inst.Reservations ?? [])
    .flatMap((r) => r.Instances ?? [])
    .filter((i) => i.State?.Name !== 'terminated')
    .map((i) => i.InstanceId as string);
  const groups = await ec2.send(new DescribeSecurityGroupsCommand({}));
  const securityGroups = (groups.SecurityGroups ?? [])
    .filter(
      (g) =>
        g.Tags?.some((t) => t.Key === 'hac:run-id' && t.Value === runId) ||
        g.GroupName?.includes(runId.replace(/[^A-Za-z0-9._-]/g, '-')),
    )
    .map((g) => g.GroupId as string);
  const byTag = await ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [tag] }));
  const byName = opts.name
    ? await ec2.send(
        new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [opts.name] }] }),
      )
    : { Images: [] };
  const imageList = [...(byTag.Images ?? []), ...(byName.Images ?? [])];
  const keptSnapshots = new Set(
    imageList
      .filter((i) => keep.has(i.ImageId as string))
      .flatMap((i) => (i.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId)),
  );
  const images = [...new Set(imageList.map((i) => i.ImageId as string))].filter((id) => !keep.has(id));
  const leakedImageSnaps = imageList
    .filter((i) => !keep.has(i.ImageId as string))
    .flatMap((i) => (i.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId as string));
  const snaps = await ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [tag] }));
  const snapshots = [
    ...new Set([...(snaps.Snapshots ?? []).map((s) => s.SnapshotId as string), ...leakedImageSnaps]),
  ].filter((s) => s && !keptSnapshots.has(s));
  return { instances, securityGroups, images, snapshots };
}

export const NO_LEAKS: Leaks = { instances: [], securityGroups: [], images: [], snapshots: [] };

/** Every build instance this signal sees was "provisioned": the test stops it, as the user-data's power-off would. */
export function instanceActsOnStop(ec2: EC2Client) {
  return async (instanceId: string) => {
    await ec2.send(new StopInstancesCommand({ InstanceIds: [instanceId] }));
  };
}

/** A completion signal for builds on moto: the independent client powers the instance off, then build-ami's own stop wait. */
export function poweredOff(ec2: EC2Client): CompletionSignal {
  const stop = instanceActsOnStop(ec2);
  return {
    name: 'test power-off',
    wait: async (ctx) => {
      await stop(ctx.instanceId);
      await stoppedSignal.wait(ctx);
    },
  };
}
