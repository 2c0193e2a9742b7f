import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Clock } from '@hac/toolkit';
import type { CompletionSignal } from './signal.js';
import type { SsmCommandSpec } from './ssm-spec.js';
import type { PackerSpec } from '../packer/args.js';

export type BaseAmi = { id: string } | { filters: Record<string, string[]>; owners: string[] };

/** Everything a native build needs, already validated. */
export interface NativeBuildSpec {
  region: string;
  runId: string;
  app: string;
  /** The family tag value retention groups images by (default: app). */
  family: string;
  base: BaseAmi;
  instanceType: string;
  subnetId?: string;
  /** An instance profile name or ARN. */
  instanceProfile?: string;
  /** Extra security groups to attach besides the temporary one (which has no inbound rules). */
  securityGroupIds: string[];
  /** Raw user data (already wrapped when requested); may be empty with SSM provisioning. */
  userData: string;
  /** Provision through SSM Run Command instead of a user-data power-off (needs instanceProfile). */
  ssm?: SsmCommandSpec;
  volumeSizeGb?: number;
  /** The rendered AMI name. */
  name: string;
  description: string;
  /** Tags for the image and its snapshots (the run tags are added). */
  tags: Record<string, string>;
  copyRegions: string[];
  /** How long the provisioning may take before the build fails. */
  provisionTimeoutMs: number;
  /** How long CreateImage / CopyImage may take to become available. */
  imageTimeoutMs: number;
  /** Retention: keep the newest N images of the family in each region; 0 disables. */
  keep: number;
  /** Whether CreateImage may tag snapshots through TagSpecifications (AWS does; some emulators do not). */
  snapshotTagSpecification: boolean;
}

export interface BuildDeps {
  /** The EC2 client of a region. */
  ec2(region: string): EC2Client;
  signal: CompletionSignal;
  abortSignal?: AbortSignal;
  clock?: Clock;
  log?: (line: string) => void;
  /** Progress lines of long waits (default: `log` every 30 s); tests inject a ticker. */
  progress?: Partial<import('../progress.js').ProgressOptions>;
  /** Called before the first call that may create something (a post step has nothing to do before). */
  onWrite?: () => void;
  /** Time allowed for cleanup after a failure (default 10 min, 1 min after cancellation). */
  cleanupTimeoutMs?: number;
  /** Called with every resource as soon as it exists, so a post step can find it even without tags. */
  onCreated?: (kind: 'instance' | 'security-group' | 'image', id: string, region: string) => void;
}

export interface RegionImage {
  imageId: string;
  snapshotIds: string[];
}

/** What retention did (or, in a dry run, would do) to the older images of a family in one region. */
export interface RetentionPlan {
  kept: string[];
  deregister: string[];
  /** Older than the newest N but in use: kept, with the reason. */
  skipped: { imageId: string; reason: string }[];
  deleted: { imageId: string; snapshotIds: string[] }[];
}

export interface BuildResult {
  name: string;
  region: string;
  imageId: string;
  snapshotIds: string[];
  /** region -> image */
  images: Record<string, RegionImage>;
  baseImageId: string;
  retention: Record<string, RetentionPlan>;
  /** Resources left behind by a cleanup that failed (the post step sweeps them again). */
  cleanupErrors: string[];
  /** Retention failures (the image itself is fine). */
  retentionErrors: string[];
  durationMs: number;
}

export const PURPOSE = {
  instance: 'build-ami/instance',
  securityGroup: 'build-ami/security-group',
  pendingImage: 'build-ami/image-pending',
  image: 'build-ami/image',
} as const;

export const TAG_FAMILY = 'hac:family';

/** What build-ami's inputs resolve to: the engine, the AWS client settings, and one engine's spec. */
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

/** What a build made: the image in each region, what retention did, and what went wrong after. */
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
