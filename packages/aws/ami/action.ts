// The build-ami action's engine entry: typed inputs in, outputs + summary out. main.ts reads the
// inputs; this file does everything after that, with its side effects injected.
import {
  ActionError,
  Summary,
  formatDuration,
  systemClock,
  withTimeout,
  type Clock,
  type StateStore,
} from '@hac/toolkit';
import { withAbort } from '../abort.js';
import { ec2ClientPool, resolveRegion, type AwsSettings } from '../client.js';
import { runPacker, type PackerRunDeps } from '../packer/run.js';
import type { PackerSpec } from '../packer/args.js';
import { buildNative } from './native.js';
import { applyRetention, type RetentionPlan } from './retention.js';
import { tagResources, describeImage, snapshotIdsOf } from './resources.js';
import { stoppedSignal, type CompletionSignal } from './signal.js';
import { sweepRun, sweptAnything, type SweepReport } from './sweep.js';
import { runTags } from '../tags.js';
import { PURPOSE, TAG_FAMILY, type NativeBuildSpec, type RegionImage } from './types.js';
import { nothingToSweep, State, type SavedSettings } from './state.js';

export { State };

export const Outputs = {
  amiId: 'ami-id',
  snapshotIds: 'snapshot-ids',
  amis: 'amis',
  name: 'name',
  region: 'region',
  baseAmiId: 'base-ami-id',
  deregistered: 'deregistered',
} as const;

export interface BuildAmiInputs {
  engine: 'native' | 'packer';
  region: string;
  endpoint: string;
  maxAttempts: number;
  /** Connect timeout of every AWS request (default 5 s). */
  connectTimeoutMs?: number;
  /** Response timeout of every AWS request (default 30 s). */
  requestTimeoutMs?: number;
  runId: string;
  keep: number | undefined;
  family: string;
  native?: Omit<NativeBuildSpec, 'region' | 'runId' | 'keep' | 'family' | 'snapshotTagSpecification'>;
  packer?: PackerSpec & { path: string };
}

export interface BuildAmiDeps {
  env?: NodeJS.ProcessEnv;
  credentials?: AwsSettings['credentials'];
  signal?: CompletionSignal;
  abortSignal?: AbortSignal;
  state: StateStore;
  setOutputs: (outputs: Record<string, unknown>) => void;
  writeSummary: (s: Summary) => Promise<void>;
  log: (line: string) => void;
  group?: PackerRunDeps['group'];
  exec?: PackerRunDeps['exec'];
  clock?: Clock;
}

export interface BuildAmiResult {
  name: string;
  region: string;
  amiId: string;
  snapshotIds: string[];
  amis: Record<string, string>;
  images: Record<string, RegionImage>;
  baseAmiId?: string;
  retention: Record<string, RetentionPlan>;
  cleanupErrors: string[];
  retentionErrors: string[];
  durationMs: number;
}

export async function runBuildAmi(inputs: BuildAmiInputs, deps: BuildAmiDeps): Promise<BuildAmiResult> {
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
  const regions = [region, ...(inputs.native?.copyRegions ?? [])];
  deps.state.save(State.runId, inputs.runId);
  deps.state.save(State.regions, regions);
  deps.state.save(State.settings, saved);
  try {
    const result =
      inputs.engine === 'native'
        ? await native(inputs, region, pool.get, deps, settings)
        : await packer(inputs, region, pool.get, deps);
    result.durationMs = clock() - started;
    deps.setOutputs({
      [Outputs.amiId]: result.amiId,
      [Outputs.snapshotIds]: result.snapshotIds.join(','),
      [Outputs.amis]: result.amis,
      [Outputs.name]: result.name,
      [Outputs.region]: result.region,
      [Outputs.baseAmiId]: result.baseAmiId,
      [Outputs.deregistered]: Object.values(result.retention)
        .flatMap((p) => p.deleted.map((d) => d.imageId))
        .join(','),
    });
    await deps.writeSummary(summarize(inputs, result));
    deps.state.save(State.done, true);
    const problems = [
      ...result.cleanupErrors.map((e) => `cleanup: ${e}`),
      ...result.retentionErrors.map((e) => `retention: ${e}`),
    ];
    if (problems.length > 0) {
      throw new ActionError(
        `The image ${result.amiId} (${result.name}) was built and is available, but:\n  - ${problems.join('\n  - ')}`,
        result.cleanupErrors.length
          ? `The post step retries the cleanup; if it also fails, delete the resources tagged hac:run-id=${inputs.runId}.`
          : 'Old images were not all removed; the next build applies retention again.',
      );
    }
    return result;
  } finally {
    pool.destroy();
  }
}

async function native(
  inputs: BuildAmiInputs,
  region: string,
  ec2: (r: string) => import('@aws-sdk/client-ec2').EC2Client,
  deps: BuildAmiDeps,
  settings: Omit<AwsSettings, 'region'>,
): Promise<BuildAmiResult> {
  if (!inputs.native)
    throw new ActionError('engine "native" needs its inputs', 'Set base-ami or base-ami-filters.');
  const spec: NativeBuildSpec = {
    ...inputs.native,
    region,
    runId: inputs.runId,
    keep: inputs.keep ?? 0,
    family: inputs.family,
    // AWS tags snapshots at creation; emulators behind a custom endpoint (moto) do not support it.
    snapshotTagSpecification: !inputs.endpoint && !(deps.env ?? process.env).AWS_ENDPOINT_URL,
  };
  let signal = deps.signal ?? stoppedSignal;
  let closeSignal = () => {};
  if (!deps.signal && spec.ssm) {
    // Loaded only for SSM builds, so user-data builds do not pay for the SSM client.
    const { ssmClients, ssmSignal } = await import('./ssm.js');
    const clients = ssmClients({ ...settings, region });
    closeSignal = clients.destroy;
    signal = ssmSignal(spec.ssm, {
      ssm: withAbort(clients.ssm, deps.abortSignal),
      ssmOnce: withAbort(clients.ssmOnce, deps.abortSignal),
      ssmCleanup: clients.ssm,
      runId: spec.runId,
      maxAttempts: inputs.maxAttempts,
      instanceProfile: spec.instanceProfile ?? '',
      log: deps.log,
    });
  }
  let r: Awaited<ReturnType<typeof buildNative>>;
  try {
    r = await buildNative(spec, {
      ec2,
      signal,
      log: deps.log,
      onWrite: () => deps.state.save(State.wrote, true),
      ...(deps.abortSignal ? { abortSignal: deps.abortSignal } : {}),
    });
  } finally {
    closeSignal();
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

export function summarize(inputs: BuildAmiInputs, r: BuildAmiResult): Summary {
  const s = new Summary().heading(`build-ami: ${r.name || r.amiId || 'no AMI'}`);
  s.text(
    `Engine **${inputs.engine}**, run \`${inputs.runId}\`, ${formatDuration(r.durationMs)}.${r.baseAmiId ? ` Base AMI \`${r.baseAmiId}\`.` : ''}`,
  );
  s.table(
    ['Region', 'AMI', 'Snapshots'],
    Object.entries(r.amis).map(([region, id]) => [
      region,
      id,
      (r.images[region]?.snapshotIds ?? []).join(', '),
    ]),
  );
  const rows = Object.entries(r.retention).flatMap(([region, p]) => [
    ...p.deleted.map((d) => [
      region,
      d.imageId,
      `deregistered; snapshots ${d.snapshotIds.join(', ') || 'none'} deleted`,
    ]),
    ...p.skipped.map((k) => [region, k.imageId, `kept: ${k.reason}`]),
  ]);
  if (inputs.keep !== undefined) {
    s.heading(`Retention: keep ${inputs.keep} of family "${inputs.family}"`, 3);
    s.text(rows.length ? '' : 'Nothing to remove.');
    if (rows.length) s.table(['Region', 'AMI', 'Action'], rows);
  }
  return s;
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
