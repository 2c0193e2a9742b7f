// What a failed build says, read from docker buildx's or buildah's output: which step failed and
// what to do. Pure: tests feed the real outputs of the sandbox's dockerd, buildkitd and buildah.
import type { Engine } from './request.js';

export interface BuildFailure {
  /** syntax, run-step, network, base-image, context or other */
  kind: 'syntax' | 'run-step' | 'network' | 'base-image' | 'context' | 'other';
  /** The step, as the Dockerfile has it (RUN ...), when the builder names it. */
  step?: string;
  detail: string;
}

const strip = (l: string) => l.replace(/^#\d+\s+(\d+\.\d+\s+)?/, '').trim();

/** Reads the failure from the last lines of a build's output. */
export function readBuildFailure(output: string): BuildFailure {
  const lines = output.split('\n').map(strip).filter(Boolean);
  const last = [...lines].reverse();
  const find = (re: RegExp) => {
    for (const l of last) {
      const m = re.exec(l);
      if (m) return m;
    }
    return undefined;
  };
  const parse =
    find(/dockerfile parse error (?:on )?line (\d+): (.+)$/i) ??
    find(/Build error: (Unknown instruction: "?\w+"?)/) ??
    find(/(unknown instruction: \w+.*)$/i);
  if (parse) {
    const line = parse.length > 2 ? parse[1] : undefined;
    const what = (parse.length > 2 ? parse[2] : parse[1]) as string;
    return { kind: 'syntax', detail: line ? `line ${line}: ${what}` : what.replace(/ &imagebuilder.*/, '') };
  }
  const bridge = find(/network bridge not found|cannot set --network .+/);
  if (bridge) return { kind: 'network', detail: bridge[0] };
  const run =
    find(/process "(?:\/bin\/sh -c )?(.+)" did not complete successfully: (exit code: \d+)/) ??
    find(/executor failed running \[(?:\/bin\/sh -c )?(.+)\]: (exit code: \d+)/) ??
    find(/building at STEP "RUN (.+)": (exit status \d+)/);
  // buildx quotes the command and escapes its double quotes
  if (run)
    return {
      kind: 'run-step',
      step: `RUN ${(run[1] as string).replace(/\\"/g, '"')}`,
      detail: run[2] as string,
    };
  const base = find(
    /(failed to resolve source metadata for \S+|pull access denied for \S+|(?:initializing source|reading manifest) \S+)/,
  );
  if (base) return { kind: 'base-image', detail: base[1] as string };
  const ctx = find(/(failed to compute cache key: .+|"\/?[^"]+": not found|no such file or directory.*)$/);
  if (ctx) return { kind: 'context', detail: ctx[1] as string };
  return { kind: 'other', detail: lines.slice(-3).join(' | ') };
}

/** One message (engine, step, cause) and a hint (what to do) for a failed build. Nothing was pushed. */
export function describeBuildFailure(
  engine: Engine,
  output: string,
  ctx: { file: string; context: string; code: number },
): { message: string; hint: string; failure: BuildFailure } {
  const f = readBuildFailure(output);
  const tool = engine === 'docker' ? 'docker buildx build' : 'buildah build';
  const head = `${engine} engine (${tool}, exit ${ctx.code})`;
  const none = 'Nothing was pushed.';
  switch (f.kind) {
    case 'syntax':
      return {
        failure: f,
        message: `${head}: the Dockerfile ${ctx.file} has a syntax error (${f.detail}). ${none}`,
        hint: `Fix ${ctx.file} at that line (instructions: FROM, RUN, COPY, ...), or point "file" at the right Dockerfile.`,
      };
    case 'run-step':
      return {
        failure: f,
        message: `${head}: the step "${f.step}" failed (${f.detail}). ${none}`,
        hint: "Read that step's output in the log above; run the command in the base image to reproduce it, and fix the Dockerfile or the build args.",
      };
    case 'network':
      return {
        failure: f,
        message: `${head}: RUN steps cannot get a network (${f.detail}). ${none}`,
        hint:
          engine === 'docker'
            ? 'The daemon has no bridge network: set network: none (steps that need no network), or use a builder with networking (docker/setup-buildx-action).'
            : 'buildah with chroot isolation only has the host network: leave "network" unset.',
      };
    case 'base-image':
      return {
        failure: f,
        message: `${head}: a FROM image could not be pulled (${f.detail}). ${none}`,
        hint: 'Check the FROM reference and build args, log in to its registry ("registries"), and for a plain-HTTP registry configure the builder (buildkitd.toml or registries.conf).',
      };
    case 'context':
      return {
        failure: f,
        message: `${head}: a file is missing from the build context ${ctx.context} (${f.detail}). ${none}`,
        hint: 'COPY and ADD read from "context": check the path and .dockerignore.',
      };
    default:
      return {
        failure: f,
        message: `${head} failed: ${f.detail}. ${none}`,
        hint: `Read the build output in the log above (a RUN step, a missing file in the context "${ctx.context}", or a FROM image the runner cannot pull).`,
      };
  }
}
