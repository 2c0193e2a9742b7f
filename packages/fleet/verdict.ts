// The fleet verdict: one row per cluster of the plan (cluster, wave, version before/after, verdict,
// weight, gate results, time) from the results the wave and rollback jobs recorded, and the
// release's verdict. Pure: the verdict step only reads the files and writes what this returns.
import { Summary } from '@hac/toolkit';
import type { FleetCluster } from './plan.js';
import type { ClusterResult } from './results.js';

export type FleetVerdict = 'released' | 'rolled-back' | 'failed';

export interface FleetRow {
  context: string;
  wave: number;
  before: string;
  after: string;
  verdict: string;
  weight: string;
  gates: string;
  seconds: number;
  /** The cluster serves the new version at the end. */
  released: boolean;
}

const REACHED = new Set(['promoted', 'initial']);
const none = '—';
/** A digest-named version as k8s-canary names it elsewhere: its first 12 hex digits. */
export const shortVersion = (v: string) => v.replace(/^sha256:([0-9a-f]{12})[0-9a-f]*$/, '$1');

/** The version before the deploy, from its outputs (after promote, previous-version is the old one). */
function beforeOf(d: ClusterResult): string {
  if (d.verdict === 'promoted') return d.previousVersion || none;
  if (d.verdict === 'initial') return none;
  return d.version || none;
}

function gatesOf(d: ClusterResult | undefined): string {
  if (!d) return 'not run';
  if (REACHED.has(d.verdict) && d.outcome === 'success') return 'passed';
  if (d.reason) return `failed: ${d.reason}`;
  if (d.outcome === 'cancelled') return 'cancelled';
  return d.verdict ? `stopped (${d.verdict})` : `step ${d.outcome}`;
}

function verdictOf(d: ClusterResult | undefined, r: ClusterResult | undefined): string {
  const deploy = !d ? 'not started' : d.verdict || d.outcome;
  if (!r) return deploy;
  if (r.outcome !== 'success') return `${deploy}, rollback ${r.outcome}`;
  if (r.verdict === 'rolled-back' && r.reason && !/nothing to do/.test(r.reason))
    return `${deploy} → rolled back`;
  return `${deploy} (nothing to roll back)`;
}

/** One row per cluster, in the plan's order. */
export function fleetRows(clusters: FleetCluster[], results: ClusterResult[]): FleetRow[] {
  const find = (c: FleetCluster, kind: ClusterResult['kind']) =>
    results.find((r) => r.id === c.id && r.kind === kind);
  return clusters.map((c) => {
    const d = find(c, 'deploy');
    const r = find(c, 'rollback');
    const before = d ? beforeOf(d) : '';
    const deployed = d && d.verdict ? d.version || none : before || none;
    const after = shortVersion(r && r.outcome === 'success' && r.version ? r.version : deployed);
    return {
      context: c.context,
      wave: c.wave,
      before: shortVersion(before || none),
      after,
      verdict: verdictOf(d, r),
      weight: d?.weight ? `${d.weight}%` : none,
      gates: gatesOf(d),
      seconds: (d?.seconds ?? 0) + (r?.seconds ?? 0),
      released: !r && !!d && REACHED.has(d.verdict) && d.outcome === 'success',
    };
  });
}

/** released: every cluster serves the new version; rolled-back: a rollback ran everywhere and succeeded. */
export function fleetVerdict(rows: FleetRow[], results: ClusterResult[]): FleetVerdict {
  if (rows.length > 0 && rows.every((r) => r.released)) return 'released';
  const rollbacks = results.filter((r) => r.kind === 'rollback');
  const everywhere = rows.every((row) => rollbacks.some((r) => r.context === row.context));
  if (rollbacks.length > 0 && everywhere && rollbacks.every((r) => r.outcome === 'success'))
    return 'rolled-back';
  return 'failed';
}

const ICON: Record<FleetVerdict, string> = { released: '✅', 'rolled-back': '↩️', failed: '❌' };

export const formatSeconds = (s: number) => (s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`);

export function fleetSummary(rows: FleetRow[], verdict: FleetVerdict, app: string): Summary {
  const s = new Summary();
  s.heading(`${ICON[verdict]} hac fleet release${app ? ` of ${app}` : ''}: ${verdict}`);
  s.table(
    ['Cluster', 'Wave', 'Before', 'After', 'Verdict', 'Weight', 'Gates', 'Time'],
    rows.map((r) => [
      r.context,
      r.wave,
      r.before,
      r.after,
      r.verdict,
      r.weight,
      r.gates,
      formatSeconds(r.seconds),
    ]),
  );
  const released = rows.filter((r) => r.released).length;
  s.text(`${released} of ${rows.length} clusters serve the new version.`);
  return s;
}
