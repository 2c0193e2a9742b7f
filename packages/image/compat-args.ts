// Command-line arguments for the build-push-action named inputs (compat.ts), per engine. Pure.
import type { CompatRequest } from './compat.js';

type Args = Omit<CompatRequest, 'flavor'>;

/** `docker buildx build` flags, written as build-push-action writes them. */
export function compatBuildxArgs(o: Args): string[] {
  const args: string[] = [];
  if (o.network) args.push('--network', o.network);
  for (const c of o.buildContexts) args.push('--build-context', `${c.name}=${c.value}`);
  for (const s of o.secretFiles) args.push('--secret', `id=${s.id},src=${s.src}`);
  for (const s of o.ssh) args.push('--ssh', s);
  for (const out of o.outputs) args.push('--output', out.raw);
  for (const a of o.annotations) args.push('--annotation', a);
  return args;
}

/** `buildah build` flags (buildah takes build contexts, file secrets, ssh, local/tar outputs and manifest annotations). */
export function compatBuildahArgs(o: Args): string[] {
  const args: string[] = [];
  if (o.network) args.push('--network', o.network);
  for (const c of o.buildContexts) args.push('--build-context', `${c.name}=${c.value}`);
  for (const s of o.secretFiles) args.push('--secret', `id=${s.id},src=${s.src}`);
  for (const s of o.ssh) args.push('--ssh', s);
  for (const out of o.outputs) args.push('--output', out.raw);
  for (const a of o.annotations) args.push('--annotation', a.replace(/^manifest:/, ''));
  return args;
}

/** Inputs buildah cannot honour, as {input, value, expected} problems. */
export function compatBuildahProblems(o: Args): { input: string; value: string; expected: string }[] {
  const out: { input: string; value: string; expected: string }[] = [];
  for (const o2 of o.outputs)
    if (!['local', 'tar'].includes(o2.type))
      out.push({
        input: 'outputs',
        value: o2.raw,
        expected: `type=local,dest=<dir> or type=tar,dest=<file> with engine buildah (type=${o2.type} needs engine docker; buildah pushes with push: true)`,
      });
  for (const a of o.annotations)
    if (/^(index|manifest-descriptor|index-descriptor)[[:]/.test(a) || /^manifest\[/.test(a))
      out.push({
        input: 'annotations',
        value: a,
        expected:
          'key=value or manifest:key=value with engine buildah (index and descriptor annotations need engine docker)',
      });
  return out;
}
