// build-ami's heavy half (the AWS SDK): the build of either engine, and the post step's sweep.
// entry.ts reaches it through import() once the inputs are known to be good.
import { ActionError, systemClock, withTimeout, type Clock, type Sleep, type StateStore } from '@hac/toolkit';
import { withAbort } from '../abort.js';
import { ec2ClientPool, resolveRegion, type AwsSettings } from '../client.js';
import { runPacker, type PackerRunDeps } from '../packer/run.js';
import { buildNative } from './native.js';
import { applyRetention, type RetentionPlan } from './retention.js';
import { tagResources, describeImage, snapshotIdsOf } from './resources.js';
import { stoppedSignal, type CompletionSignal } from './signal.js';
import { sweepRun, sweptAnything, type SweepReport } from './sweep.js';
import { runTags } from '../tags.js';
import {
  PURPOSE,
  TAG_FAMILY,
  type BuildAmiInputs,
  type BuildAmiResult,
  type BuildResult,
  type NativeBuildSpec,
  type RegionImage,
} from './types.js';
import { nothingToSweep, State, type SavedSettings } from './state.js';
import { reportBuildAmi, type ReportDeps } from './report.js';

export { State };
export type { BuildAmiInputs, BuildAmiResult };
export { Outputs, summarize } from './report.js';

export interface BuildAmiDeps extends ReportDeps {
  env?: NodeJS.ProcessEnv;
  credentials?: AwsSettings['credentials'];
  signal?: CompletionSignal;
  abortSignal?: AbortSignal;
  log: (line: string) => void;
  group?: PackerRunDeps['group'];
  exec?: PackerRunDeps['exec'];
  clock?: Clock;
  sleep?: Sleep;
}

/** The build, up to the finished image (run): outputs and summary are written by reportBuildAmi. */
export async function buildAmi(inputs: BuildAmiInputs, deps: BuildAmiDeps): Promise<BuildAmiResult> {
  const env = deps.env ?? process.env;
  const clock = deps.clock ?? systemClock;
  const started = clock();
  const region = resolveRegion(inputs.region, env);
  const saved: SavedSettings = {
    endpoint: inputs.endpoint,
    maxAttempts: inputs.maxAttempts,
    ...(inputs.connectTimeoutMs ? { connectTimeoutMs: inputs.connectTimeoutMs } : {}),
    ...(inputs.requestTimeoutMs ? { requestTimeoutMs: inputs.requestTimeoutMs } : {}),
  };
  const settings = { ...saved, env, ...(deps.credentials ? { credentials: deps.credentials } : {}) };
  const pool = ec2ClientPool(settings);
  deps.state.save(State.runId, inputs.runId);
  deps.state.save(State.regions, [region, ...(inputs.native?.copyRegions ?? [])]);
  deps.state.save(State.settings, saved);
  try {
    const result =
      inputs.engine === 'native'
        ? await native(inputs, region, pool.get, deps, settings)
        : await packer(inputs, region, pool.get, deps);
    result.durationMs = clock() - started;
    return result;
  } finally {
    pool.destroy();
  }
}

/** The whole main step: build, then outputs, summary and the error for what went wrong after. */
export async function runBuildAmi(inputs: BuildAmiInputs, deps: BuildAmiDeps): Promise<BuildAmiResult> {
  const result = await buildAmi(inputs, deps);
  await reportBuildAmi(inputs, result, deps);
  return result;
}

/** The native engine's spec (pure): the inputs, the region and the run. */
export function nativeSpec(inputs: BuildAmiInputs, region: string, env: NodeJS.ProcessEnv): NativeBuildSpec {
  if (!inputs.native)
    throw new ActionError('engine "native" needs its inputs', 'Set base-ami or base-ami-filters.');
  return {
    ...inputs.native,
    region,
    runId: inputs.runId,
    keep: inputs.keep ?? 0,
    family: inputs.family,
    // AWS tags snapshots at creation; emulators behind a custom endpoint (moto) do not support it.
    snapshotTagSpecification: !inputs.endpoint && !env.AWS_ENDPOINT_URL,
  };
}

/** How the build learns provisioning is done: the deps' signal, SSM Run Command, or the instance stopping. */
async function completionSignal(
  spec: NativeBuildSpec,
  inputs: BuildAmiInputs,
  deps: BuildAmiDeps,
  settings: Omit<AwsSettings, 'region'>,
): Promise<{ signal: CompletionSignal; close(): void }> {
  if (deps.signal) return { signal: deps.signal, close: () => {} };
  if (!spec.ssm) return { signal: stoppedSignal, close: () => {} };
  // Loaded only for SSM builds, so user-data builds do not pay for the SSM client.
  const { ssmClients, ssmSignal } = await import('./ssm.js');
  const clients = ssmClients({ ...settings, region: spec.region });
  const signal = ssmSignal(spec.ssm, {
    ssm: withAbort(clients.ssm, deps.abortSignal),
    ssmOnce: withAbort(clients.ssmOnce, deps.abortSignal),
    ssmCleanup: clients.ssm,
    runId: spec.runId,
    maxAttempts: inputs.maxAttempts,
    instanceProfile: spec.instanceProfile ?? '',
    log: deps.log,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  return { signal, close: clients.destroy };
}

async function native(
  inputs: BuildAmiInputs,
  region: string,
  ec2: (r: string) => import('@aws-sdk/client-ec2').EC2Client,
  deps: BuildAmiDeps,
  settings: Omit<AwsSettings, 'region'>,
): Promise<BuildAmiResult> {
  const spec = nativeSpec(inputs, region, deps.env ?? process.env);
  const { signal, close } = await completionSignal(spec, inputs, deps, settings);
  let r: BuildResult;
  try {
    r = await buildNative(spec, {
      ec2,
      signal,
      log: deps.log,
      onWrite: () => deps.state.save(State.wrote, true),
      ...(deps.abortSignal ? { abortSignal: deps.abortSignal } : {}),
      ...(deps.clock ? { clock: deps.clock } : {}),
    });
  } finally {
    close();
  }
  return {
    name: r.name,
    region,
    amiId: r.imageId,
    snapshotIds: r.snapshotIds,
    amis: Object.fromEntries(Object.entries(r.images).map(([k, v]) => [k, v.imageId])),
    images: r.images,
    baseAmiId: r.baseImageId,
    retention: r.retention,
    cleanupErrors: r.cleanupErrors,
    retentionErrors: r.retentionErrors,
    durationMs: r.durationMs,
  };
}

async function packer(
  inputs: BuildAmiInputs,
  region: string,
  ec2: (r: string) => import('@aws-sdk/client-ec2').EC2Client,
  deps: BuildAmiDeps,
): Promise<BuildAmiResult> {
  const spec = inputs.packer;
  if (!spec) throw new ActionError('engine "packer" needs a template', 'Set "template".');
  // Packer creates resources of its own; the post step sweeps what it tagged with the run id.
  deps.state.save(State.wrote, true);
  const out = await runPacker(spec, {
    packer: spec.path,
    env: { ...(deps.env ?? process.env), HAC_RUN_ID: inputs.runId },
    log: deps.log,
    ...(deps.group ? { group: deps.group } : {}),
    ...(deps.exec ? { exec: deps.exec } : {}),
    ...(deps.abortSignal ? { signal: deps.abortSignal } : {}),
  });
  const amis = out.amis;
  const amiId = amis[region] ?? Object.values(amis)[0] ?? '';
  const images: Record<string, RegionImage> = {};
  const retention: Record<string, RetentionPlan> = {};
  if (inputs.keep !== undefined && Object.keys(amis).length > 0) {
    // Mark Packer's images as finished builds of the family, then apply retention per region.
    for (const [r, id] of Object.entries(amis)) {
      const client = withAbort(ec2(r), deps.abortSignal);
      const image = await describeImage(client, id);
      const snaps = snapshotIdsOf(image);
      images[r] = { imageId: id, snapshotIds: snaps };
      await tagResources(
        client,
        [id, ...snaps],
        runTags(inputs.runId, PURPOSE.image, { [TAG_FAMILY]: inputs.family }),
        `Packer image in ${r}`,
      );
      retention[r] = await applyRetention(client, inputs.family, inputs.keep, [id]);
    }
  }
  const name =
    out.messages.map((m) => /Creating AMI (\S+) from instance/.exec(m.text)?.[1]).find(Boolean) ?? '';
  return {
    name,
    region,
    amiId,
    snapshotIds: images[region]?.snapshotIds ?? [],
    amis,
    images,
    retention,
    cleanupErrors: [],
    retentionErrors: [],
    durationMs: 0,
  };
}

export interface PostDeps {
  state: StateStore;
  env?: NodeJS.ProcessEnv;
  credentials?: AwsSettings['credentials'];
  log: (l: string) => void;
  warn: (l: string) => void;
  /** The whole post step's deadline (default 10 min): every request carries it. */
  timeoutMs?: number;
}

/** The post step: sweep every region of the run for temporary resources tagged with its run id. */
export async function postBuildAmi(deps: PostDeps): Promise<SweepReport[]> {
  const idle = nothingToSweep(deps.state);
  if (idle) {
    deps.log(`build-ami post: ${idle}; nothing to sweep.`);
    return [];
  }
  const runId = deps.state.get<string>(State.runId) as string;
  const regions = deps.state.get<string[]>(State.regions) ?? [];
  const aws = deps.state.get<SavedSettings>(State.settings) ?? { endpoint: '', maxAttempts: 6 };
  const pool = ec2ClientPool({
    ...aws,
    env: deps.env ?? process.env,
    ...(deps.credentials ? { credentials: deps.credentials } : {}),
  });
  const deadline = withTimeout(undefined, deps.timeoutMs ?? 600_000, 'build-ami post step');
  try {
    const reports: SweepReport[] = [];
    for (const region of regions) {
      const r = await sweepRun(withAbort(pool.get(region), deadline), runId, region);
      reports.push(r);
      if (sweptAnything(r))
        deps.log(
          `build-ami post: removed in ${region}: ${JSON.stringify({ instances: r.instances, images: r.images, snapshots: r.snapshots, securityGroups: r.securityGroups })}`,
        );
      for (const e of r.errors)
        deps.warn(
          `build-ami post: cleanup in ${region} failed: ${e}. Delete resources tagged hac:run-id=${runId} by hand.`,
        );
    }
    if (reports.every((r) => !sweptAnything(r) && r.errors.length === 0))
      deps.log(`build-ami post: nothing left from run ${runId}.`);
    return reports;
  } finally {
    pool.destroy();
  }
}
