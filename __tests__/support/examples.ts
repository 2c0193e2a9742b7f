// Finds the YAML examples of the documentation and the hac steps in them, for the test that
// proves every example is real (__tests__/integration/docs/examples.test.ts).
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export interface Block {
  /** file:line of the opening fence, relative to the repository */
  where: string;
  text: string;
}

/** Every ```yaml / ```yml block of a Markdown text. */
export function yamlBlocks(markdown: string, file: string): Block[] {
  const out: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```ya?ml\s*$/.test(lines[i] as string)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^\s*```\s*$/.test(lines[i] as string); i++) body.push(lines[i] as string);
    out.push({ where: `${file}:${start + 1}`, text: body.join('\n') + '\n' });
  }
  return out;
}

/** The Markdown files whose examples are checked: the root README, every action's README, docs/. */
export function documentationFiles(root: string): string[] {
  const files = ['README.md'];
  for (const d of fs.readdirSync(path.join(root, 'actions')).sort())
    if (fs.existsSync(path.join(root, 'actions', d, 'README.md'))) files.push(`actions/${d}/README.md`);
  const walk = (dir: string) => {
    for (const f of fs.readdirSync(path.join(root, dir)).sort()) {
      const rel = `${dir}/${f}`;
      if (fs.statSync(path.join(root, rel)).isDirectory()) walk(rel);
      else if (f.endsWith('.md')) files.push(rel);
    }
  };
  walk('docs');
  return files;
}

export type Shape = 'workflow' | 'job' | 'steps' | 'kubernetes';

/** What an example is: a workflow, a job (steps with permissions etc.), a list of steps, or a Kubernetes object. */
export function shapeOf(doc: unknown): Shape | undefined {
  if (Array.isArray(doc)) {
    const steps = doc.every((s) => s && typeof s === 'object' && ('uses' in s || 'run' in s));
    return steps && doc.length ? 'steps' : undefined;
  }
  if (!doc || typeof doc !== 'object') return undefined;
  if ('apiVersion' in doc && 'kind' in doc) return 'kubernetes';
  if ('jobs' in doc) return 'workflow';
  if ('steps' in doc) return 'job';
  return undefined;
}

/** The example as a complete workflow, for actionlint: steps and jobs are wrapped in the least workflow that runs them. */
export function asWorkflow(doc: unknown, shape: Shape): Record<string, unknown> | undefined {
  if (shape === 'workflow') return doc as Record<string, unknown>;
  if (shape === 'kubernetes') return undefined;
  const job = shape === 'steps' ? { steps: doc } : { ...(doc as object) };
  return { on: 'push', jobs: { example: { 'runs-on': 'ubuntu-latest', ...job } } };
}

export interface Step {
  uses?: string;
  with?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Every step of an example, whatever its shape. */
export function stepsOf(doc: unknown, shape: Shape): Step[] {
  if (shape === 'steps') return doc as Step[];
  if (shape === 'job') return ((doc as { steps?: Step[] }).steps ?? []) as Step[];
  if (shape === 'workflow') {
    const jobs = Object.values((doc as { jobs: Record<string, { steps?: Step[] }> }).jobs ?? {});
    return jobs.flatMap((j) => j?.steps ?? []);
  }
  return [];
}

export const HAC_ACTION_USES = /^org\/hac\/actions\/([a-z0-9-]+)@v1$/;
export const HAC_ROOT_USES = 'org/hac@v1';

/** Whether a `uses:` refers to hac at all (any owner, any form), so that a wrong prefix is caught. */
export function isHacUses(uses: string): boolean {
  return /(^|\/)hac(@|\/)/.test(uses);
}

/**
 * Replaces every `${{ expr }}` with the sample value the table gives for it, so that the action's
 * own input reader sees a value of the form the runner would pass. An expression not in the table
 * is reported (add a sample for it).
 */
export function substitute(value: string, samples: Record<string, string>): string {
  return value.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_m, expr: string) => {
    const sample = samples[expr];
    if (sample === undefined) throw new Error(`no sample value for the expression \${{ ${expr} }}`);
    return sample;
  });
}

/** A `with:` map as the runner passes it: every value a string (YAML numbers and booleans as written). */
export function withStrings(w: Record<string, unknown> | undefined, samples: Record<string, string>) {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(w ?? {})) out[k] = substitute(v === null ? '' : String(v), samples);
  return out;
}

export { parse };
