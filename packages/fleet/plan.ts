// The fleet plan: the `fleet` input (a JSON list of waves, from a repository variable) checked and
// turned into the matrices of the template's wave jobs. Pure: what the plan step prints and outputs.
import { InputError, type InputProblem } from '@hac/toolkit';

/** The template has one job per wave: wave-0 (the canary cluster) and wave-1..wave-3. */
export const MAX_WAVES = 4;
/** GitHub's limit on the jobs one matrix may generate. */
export const MATRIX_LIMIT = 256;

export const FLEET_FORM =
  'a JSON list of waves, e.g. [{"clusters":["prod-eu"]},{"clusters":["prod-us",{"context":"prod-ap","namespace":"web"}],"max-parallel":2}]: ' +
  `wave 0 has exactly one cluster, at most ${MAX_WAVES} waves, each cluster a kubeconfig context (a string, or an object with context and optionally namespace, canary-url, stable-url), every context once, max-parallel from 1 to ${MATRIX_LIMIT}`;

/** One cluster as the wave jobs' matrices see it (underscored keys read well in expressions). */
export interface FleetCluster {
  /** Unique and safe in artifact and file names: its position and the context's letters. */
  id: string;
  context: string;
  wave: number;
  namespace: string;
  canary_url: string;
  stable_url: string;
}

export interface FleetWave {
  index: number;
  clusters: FleetCluster[];
  maxParallel: number;
}

export interface FleetPlan {
  waves: FleetWave[];
  clusters: FleetCluster[];
}

const CONTEXT = /^[A-Za-z0-9][A-Za-z0-9._@:/-]{0,252}$/;
const URL_FORM = /^https?:\/\/\S+$/;

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const shown = (v: unknown) => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

function stringField(o: Raw, key: string, where: string, problems: string[], form?: RegExp): string {
  const v = o[key];
  if (v === undefined || v === '') return '';
  if (typeof v !== 'string' || (form && !form.test(v))) {
    problems.push(`${where}.${key} is ${shown(v)}`);
    return '';
  }
  return v.replace(/\/+$/, '');
}

/** `w1-2-prod-us` for the third cluster of wave 1 named prod-us (ids stay unique whatever the names). */
function clusterId(context: string, where: string): string {
  const [, wave, index] = /wave (\d+)\.clusters\[(\d+)\]/.exec(where) ?? [];
  const letters = context.replace(/[^A-Za-z0-9._-]+/g, '-').slice(-40);
  return `w${wave}-${index}-${letters}`;
}

function clusterOf(item: unknown, wave: number, where: string, problems: string[]): FleetCluster | undefined {
  const o: Raw | undefined = typeof item === 'string' ? { context: item } : isObject(item) ? item : undefined;
  if (!o || typeof o.context !== 'string' || !CONTEXT.test(o.context)) {
    problems.push(`${where} is ${shown(item)}`);
    return undefined;
  }
  const unknown = Object.keys(o).filter(
    (k) => !['context', 'namespace', 'canary-url', 'stable-url'].includes(k),
  );
  if (unknown.length) problems.push(`${where} has unknown key(s) ${unknown.join(', ')}`);
  return {
    id: clusterId(o.context, where),
    context: o.context,
    wave,
    namespace: stringField(o, 'namespace', where, problems, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/),
    canary_url: stringField(o, 'canary-url', where, problems, URL_FORM),
    stable_url: stringField(o, 'stable-url', where, problems, URL_FORM),
  };
}

function maxParallelOf(o: Raw, size: number, where: string, problems: string[]): number {
  const v = o['max-parallel'];
  if (v === undefined) return Math.max(1, Math.min(size, MATRIX_LIMIT));
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MATRIX_LIMIT) {
    problems.push(`${where}.max-parallel is ${shown(v)}`);
    return 1;
  }
  return v;
}

function waveOf(item: unknown, index: number, problems: string[]): FleetWave {
  const where = `wave ${index}`;
  if (!isObject(item) || !Array.isArray(item.clusters) || item.clusters.length === 0) {
    problems.push(`${where} is ${shown(item)} (it needs a non-empty "clusters" list)`);
    return { index, clusters: [], maxParallel: 1 };
  }
  if (index === 0 && item.clusters.length !== 1)
    problems.push(`wave 0 has ${item.clusters.length} clusters (the canary wave has exactly one)`);
  if (item.clusters.length > MATRIX_LIMIT)
    problems.push(
      `${where} has ${item.clusters.length} clusters (a matrix runs at most ${MATRIX_LIMIT} jobs)`,
    );
  const clusters = item.clusters
    .map((c, i) => clusterOf(c, index, `${where}.clusters[${i}]`, problems))
    .filter((c): c is FleetCluster => c !== undefined);
  return { index, clusters, maxParallel: maxParallelOf(item, clusters.length, where, problems) };
}

/** The plan of a parsed `fleet` value, or one InputError naming the input, what is wrong and the form. */
export function planFleet(value: unknown, input = 'fleet'): FleetPlan {
  const problems: string[] = [];
  if (!Array.isArray(value) || value.length === 0) problems.push(`it is ${shown(value)}`);
  else if (value.length > MAX_WAVES) problems.push(`it has ${value.length} waves`);
  const waves = Array.isArray(value) ? value.slice(0, MAX_WAVES).map((w, i) => waveOf(w, i, problems)) : [];
  const clusters = waves.flatMap((w) => w.clusters);
  const seen = new Set<string>();
  for (const c of clusters) {
    if (seen.has(c.context)) problems.push(`context ${c.context} appears twice`);
    seen.add(c.context);
  }
  if (problems.length) throw fleetError(input, value, problems);
  return { waves, clusters };
}

function fleetError(input: string, value: unknown, problems: string[]): InputError {
  const problem: InputProblem = {
    input,
    value: `${shown(value)} (${problems.join('; ')})`,
    expected: FLEET_FORM,
  };
  return new InputError([problem]);
}

/** The plan step's outputs: one matrix (`include` list) and one max-parallel per wave job. */
export function planOutputs(plan: FleetPlan): Record<string, string> {
  const out: Record<string, string> = {
    fleet: JSON.stringify(plan.clusters),
    clusters: String(plan.clusters.length),
  };
  for (let i = 0; i < MAX_WAVES; i++) {
    const wave = plan.waves[i];
    out[`wave${i}`] = JSON.stringify(wave?.clusters ?? []);
    out[`parallel${i}`] = String(wave?.maxParallel ?? 1);
  }
  return out;
}
