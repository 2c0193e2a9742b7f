// What each run did, recorded on the cluster so that promote, abort and rollback work in a later
// job without resending manifests: a ConfigMap hac-<app>-state (the current record plus a short
// history) and annotations on the objects hac writes.
import type { KubeClient } from './client.js';
import type { KubeObject } from './objects.js';

export const ANNOTATIONS = {
  runId: 'hac.dev/run-id',
  image: 'hac.dev/image',
  previousImage: 'hac.dev/previous-image',
  phase: 'hac.dev/phase',
  strategy: 'hac.dev/strategy',
  color: 'hac.dev/color',
  replicas: 'hac.dev/replicas',
  updatedAt: 'hac.dev/updated-at',
} as const;

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'hac' } as const;

export type Strategy = 'bluegreen' | 'canary';

/** One run's record. Strategies add their own fields (colors, weights, steps) in `extra`. */
export interface StateRecord {
  app: string;
  strategy: Strategy;
  runId: string;
  /** e.g. deploying, previewing, switched, complete, rolled-back, failed, promoted, aborted */
  phase: string;
  image?: string;
  digest?: string;
  previousImage?: string;
  /** Blue-green: the color serving live traffic after this record, and the one before it. */
  activeColor?: string;
  previousColor?: string;
  /** Canary: the canary's share of traffic, 0..100. */
  weight?: number;
  /** Replicas of the workload(s) involved, by name (lets rollback scale an idle color back up). */
  replicas?: Record<string, number>;
  reason?: string;
  updatedAt: string;
  extra?: Record<string, unknown>;
}

export const stateConfigMapName = (app: string): string => `hac-${app}-state`;
const HISTORY = 10;

/** The record as ConfigMap data (JSON, so kubectl shows it readably). */
export function encodeState(record: StateRecord, history: StateRecord[] = []): Record<string, string> {
  return {
    state: JSON.stringify(record, null, 2),
    history: JSON.stringify(
      [record, ...history.filter((h) => h.runId !== record.runId || h.phase !== record.phase)].slice(
        0,
        HISTORY,
      ),
    ),
  };
}

export class StateError extends Error {}

function isRecord(v: unknown): v is StateRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.app === 'string' &&
    (r.strategy === 'bluegreen' || r.strategy === 'canary') &&
    typeof r.runId === 'string' &&
    typeof r.phase === 'string'
  );
}

/** Decodes ConfigMap data; undefined when empty; throws StateError when corrupt. */
export function decodeState(data: Record<string, string> | undefined): {
  record?: StateRecord;
  history: StateRecord[];
} {
  if (!data?.state) return { history: [] };
  let record: unknown;
  let history: unknown = [];
  try {
    record = JSON.parse(data.state);
    history = data.history ? JSON.parse(data.history) : [];
  } catch {
    throw new StateError('the recorded state is not valid JSON');
  }
  if (!isRecord(record)) throw new StateError('the recorded state lacks app, strategy, runId or phase');
  return { record, history: Array.isArray(history) ? history.filter(isRecord) : [] };
}

export function stateConfigMap(
  app: string,
  namespace: string,
  record: StateRecord,
  history: StateRecord[] = [],
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: stateConfigMapName(app), namespace, labels: { ...MANAGED_BY, app } },
    data: encodeState(record, history),
  };
}

export interface LoadedState {
  record?: StateRecord;
  history: StateRecord[];
  resourceVersion?: string;
}

export async function readState(client: KubeClient, app: string): Promise<LoadedState> {
  const cm = await client.find<KubeObject & { data?: Record<string, string> }>({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name: stateConfigMapName(app),
  });
  if (!cm) return { history: [] };
  return { ...decodeState(cm.data), resourceVersion: cm.metadata.resourceVersion };
}

/** Writes the record (server-side apply), keeping the history. */
export async function writeState(
  client: KubeClient,
  record: StateRecord,
  previous: LoadedState,
  opts: { dryRun?: boolean } = {},
): Promise<void> {
  const history = previous.record ? [previous.record, ...previous.history] : previous.history;
  await client.apply(stateConfigMap(record.app, client.namespace, record, history), opts);
}

/** Annotations recording a run on an object hac writes. */
export function runAnnotations(
  r: {
    runId: string;
    image?: string;
    previousImage?: string;
    phase?: string;
    strategy: Strategy;
    color?: string;
  },
  now: string,
): Record<string, string> {
  const a: Record<string, string> = {
    [ANNOTATIONS.runId]: r.runId,
    [ANNOTATIONS.strategy]: r.strategy,
    [ANNOTATIONS.updatedAt]: now,
  };
  if (r.image) a[ANNOTATIONS.image] = r.image;
  if (r.previousImage) a[ANNOTATIONS.previousImage] = r.previousImage;
  if (r.phase) a[ANNOTATIONS.phase] = r.phase;
  if (r.color) a[ANNOTATIONS.color] = r.color;
  return a;
}
