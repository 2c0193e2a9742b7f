// What each wave and rollback job records for the verdict: one small JSON file per cluster and
// kind, built from the k8s-canary step's outputs and outcome (pure), written where the job uploads
// its artifact from.
import fs from 'node:fs';
import path from 'node:path';

export type ResultKind = 'deploy' | 'rollback';

/** One cluster's step as the verdict reads it. */
export interface ClusterResult {
  id: string;
  context: string;
  wave: number;
  kind: ResultKind;
  /** The step's outcome: success, failure, cancelled or skipped. */
  outcome: string;
  verdict: string;
  version: string;
  previousVersion: string;
  weight: string;
  reason: string;
  seconds: number;
}

export interface RecordInput {
  id: string;
  context: string;
  wave: number;
  kind: ResultKind;
  outcome: string;
  /** The k8s-canary step's outputs (toJSON(steps.<id>.outputs)). */
  outputs: Record<string, unknown>;
  /** When the job's work started, in Unix seconds (0: unknown). */
  startedAt: number;
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

export function buildResult(r: RecordInput, nowMs: number): ClusterResult {
  const o = r.outputs;
  return {
    id: r.id,
    context: r.context,
    wave: r.wave,
    kind: r.kind,
    outcome: r.outcome || 'unknown',
    verdict: str(o.verdict),
    version: str(o.version),
    previousVersion: str(o['previous-version']),
    weight: str(o.weight),
    reason: str(o['rollback-reason']),
    seconds: r.startedAt > 0 ? Math.max(0, Math.round(nowMs / 1000 - r.startedAt)) : 0,
  };
}

export const resultFile = (dir: string, r: Pick<ClusterResult, 'kind' | 'id'>) =>
  path.join(dir, `${r.kind}-${r.id}.json`);

export function writeResult(dir: string, r: ClusterResult): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = resultFile(dir, r);
  fs.writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
  return file;
}

const isResult = (v: unknown): v is ClusterResult =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as ClusterResult).id === 'string' &&
  ((v as ClusterResult).kind === 'deploy' || (v as ClusterResult).kind === 'rollback');

/** Every result file under dir (download-artifact puts each job's files there); others are skipped. */
export function readResults(dir: string, warn: (m: string) => void = () => {}): ClusterResult[] {
  if (!fs.existsSync(dir)) return [];
  const out: ClusterResult[] = [];
  for (const name of fs.readdirSync(dir, { recursive: true }).map(String).sort()) {
    if (!/(^|\/)(deploy|rollback)-[^/]+\.json$/.test(name)) continue;
    try {
      const v: unknown = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8'));
      if (isResult(v)) out.push(v);
      else warn(`${name} is not a fleet result; skipped`);
    } catch {
      warn(`${name} is not JSON; skipped`);
    }
  }
  return out;
}
