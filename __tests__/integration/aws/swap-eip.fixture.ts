// Shared setup of the swap-eip integration tests: instances and Elastic IPs made with the
// independent client, a health server standing in for the instances, and one call that runs the
// action's main step in process through the fault proxy.
import http from 'node:http';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AttachNetworkInterfaceCommand,
  CreateLaunchTemplateCommand,
  CreateNetworkInterfaceCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  ReleaseAddressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { memoryState } from '../../../packages/toolkit/outputs.js';
import type { Clock, Sleep } from '@hac/toolkit';
import { swapMainEngine, swapPostEngine } from '../../../packages/aws/eip/entry.js';
import { type SwapReport, type SwapSeams } from '../../../packages/aws/eip/types.js';
import { eipDeps, runSteps } from '../../support/eip-deps.js';
import { awsSandbox, listLeaks, motoBaseAmi, testRunId, type AwsSandbox } from '../../support/aws.js';
import { isWriteAction } from '../../support/fault-proxy.js';

/** Stands in for the instances' health endpoints: /pre/<instance-id> and /post/<eip>. */
export interface HealthServer {
  origin: string;
  healthy: Set<string>;
  postHealthy: boolean;
  seen: string[];
  /** Called on every request before answering (tests use it to cancel or to hold a run). */
  onRequest?: (path: string) => void | Promise<void>;
  close(): Promise<void>;
}

export async function startHealthServer(): Promise<HealthServer> {
  const hs = { healthy: new Set<string>(), postHealthy: true, seen: [] as string[] } as HealthServer;
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    hs.seen.push(url);
    void Promise.resolve(hs.onRequest?.(url)).then(() => {
      const [, kind, id] = url.split('?')[0]!.split('/');
      const ok = kind === 'pre' ? hs.healthy.has(id ?? '') : kind === 'post' ? hs.postHealthy : false;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain', connection: 'close' });
      res.end(ok ? 'ok' : 'unhealthy');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hs.origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  hs.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return hs;
}

export interface Fixture {
  sb: AwsSandbox;
  ec2: EC2Client;
  ami: string;
  health: HealthServer;
  /** Instances and addresses made by the fixture, removed in close(). */
  made: { instances: string[]; addresses: string[] };
  close(): Promise<void>;
}

/** `ownAccount`: the suite's requests act in a moto account of its own (see awsSandbox). */
export async function fixture(opts: { ownAccount?: boolean } = {}): Promise<Fixture> {
  const sb = await awsSandbox(opts);
  const ec2 = sb.independent();
  const ami = (await motoBaseAmi(ec2)).id;
  const health = await startHealthServer();
  const made = { instances: [] as string[], addresses: [] as string[] };
  return {
    sb,
    ec2,
    ami,
    health,
    made,
    async close() {
      if (made.instances.length)
        await ec2.send(new TerminateInstancesCommand({ InstanceIds: made.instances }));
      for (const a of made.addresses)
        await ec2.send(new ReleaseAddressCommand({ AllocationId: a })).catch(() => undefined);
      await health.close();
      await sb.close();
    },
  };
}

export async function launch(f: Fixture, opts: { enis?: number } = {}): Promise<string> {
  const out = await f.ec2.send(
    new RunInstancesCommand({ ImageId: f.ami, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }),
  );
  const i = out.Instances![0]!;
  f.made.instances.push(i.InstanceId!);
  for (let n = 1; n < (opts.enis ?? 1); n++) {
    const eni = await f.ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: i.SubnetId! }));
    await f.ec2.send(
      new AttachNetworkInterfaceCommand({
        InstanceId: i.InstanceId!,
        NetworkInterfaceId: eni.NetworkInterface!.NetworkInterfaceId!,
        DeviceIndex: n,
      }),
    );
  }
  return i.InstanceId!;
}

/** An Elastic IP, associated with `instanceId` when given. */
export async function allocate(
  f: Fixture,
  instanceId?: string,
): Promise<{ allocationId: string; publicIp: string }> {
  const a = await f.ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }));
  f.made.addresses.push(a.AllocationId!);
  if (instanceId)
    await f.ec2.send(
      new AssociateAddressCommand({
        AllocationId: a.AllocationId!,
        InstanceId: instanceId,
        AllowReassociation: true,
      }),
    );
  return { allocationId: a.AllocationId!, publicIp: a.PublicIp! };
}

export async function launchTemplate(f: Fixture): Promise<string> {
  const name = testRunId('swap-lt')
    .replace(/[^a-zA-Z0-9().\-/_]/g, '-')
    .slice(0, 100);
  await f.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: name,
      LaunchTemplateData: { ImageId: f.ami, InstanceType: 't3.micro' },
    }),
  );
  return name;
}

/**
 * Where the address points now, as the independent client sees it. `instanceId` is the owner of the
 * network interface when DescribeAddresses leaves InstanceId empty (moto does for ENI associations).
 */
export async function whereIs(f: Fixture, allocationId: string) {
  const a = (await f.ec2.send(new DescribeAddressesCommand({ AllocationIds: [allocationId] })))
    .Addresses![0]!;
  let instanceId = a.InstanceId || undefined;
  if (!instanceId && a.NetworkInterfaceId) {
    const n = await f.ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [a.NetworkInterfaceId] }),
    );
    instanceId = n.NetworkInterfaces?.[0]?.Attachment?.InstanceId || undefined;
  }
  return {
    instanceId,
    associated: Boolean(a.AssociationId),
    networkInterfaceId: a.NetworkInterfaceId || undefined,
    privateIp: a.PrivateIpAddress || undefined,
    lock: a.Tags?.find((t) => t.Key === 'hac:lock')?.Value,
  };
}

export async function stateOf(f: Fixture, instanceId: string): Promise<string | undefined> {
  const out = await f.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  return out.Reservations?.[0]?.Instances?.[0]?.State?.Name;
}

export async function leakedInstances(f: Fixture, runId: string, keep: string[] = []): Promise<string[]> {
  return (await listLeaks(f.ec2, runId)).instances.filter((i) => !keep.includes(i));
}

export interface RunOutcome {
  report?: SwapReport;
  error?: Error & { hint?: string; report?: SwapReport };
  outputs: Record<string, string>;
  summary: string;
  state: ReturnType<typeof memoryState>;
  warnings: string[];
  log: string[];
  runId: string;
}

/** Runs the action's main step in process (inputs as the runner would give them) through the fault proxy. */
export async function runMain(
  f: Fixture,
  inputs: Record<string, string>,
  opts: {
    runId?: string;
    signal?: AbortSignal;
    env?: NodeJS.ProcessEnv;
    deps?: SwapSeams & { clock?: Clock; sleep?: Sleep };
    state?: ReturnType<typeof memoryState>;
  } = {},
): Promise<RunOutcome> {
  const runId = opts.runId ?? testRunId('swap');
  const { clock, sleep, ...seams } = opts.deps ?? {};
  const state = opts.state ?? memoryState();
  const deps = eipDeps({
    inputs,
    env: { ...f.sb.env, ...opts.env },
    state,
    signal: opts.signal ?? new AbortController().signal,
    ...(clock ? { clock } : {}),
    ...(sleep ? { sleep } : {}),
  });
  const out: RunOutcome = { state, runId, outputs: {}, summary: '', warnings: [], log: [] };
  const engine = swapMainEngine({
    runId,
    credentials: f.sb.credentials,
    lock: { pollMs: 50, settleMs: 5 },
    waiterDelays: { minDelay: 0.05, maxDelay: 0.2 },
    ...seams,
  });
  try {
    out.report = (await runSteps(engine, deps)).report;
  } catch (err) {
    out.error = err as RunOutcome['error'];
  }
  return Object.assign(out, deps.captured);
}

/** Runs the post step on what main saved. */
export async function runPost(f: Fixture, state: ReturnType<typeof memoryState>) {
  const log: string[] = [];
  const deps = eipDeps({ env: f.sb.env, state, log: (l) => log.push(l) });
  const report = await runSteps(swapPostEngine({ credentials: f.sb.credentials }), deps);
  return { report, log };
}

/** Inputs of an instance-mode swap whose gates hit the health server. */
export function instanceInputs(
  f: Fixture,
  instanceId: string,
  allocationId: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    'instance-id': instanceId,
    'allocation-id': allocationId,
    'health-url': `${f.health.origin}/pre/{{instance-id}}?ip={{private-ip}}`,
    'health-wait': '0',
    'post-swap-url': `${f.health.origin}/post/{{eip}}`,
    'post-swap-wait': '0',
    grace: '0',
    ...extra,
  };
}

export const writes = (f: Fixture) => f.sb.proxy.requests.filter((r) => isWriteAction(r.action));
