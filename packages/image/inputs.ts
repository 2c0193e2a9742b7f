// The action's inputs, in two steps: readImageInputs parses each input and checks the named
// rules (rules.ts), with no file, git context or environment read; resolveRequest (resolve.ts)
// then resolves the typed values into a BuildRequest. Nothing here runs a command: every problem
// is reported before anything is built.
import { readInputs, type InputSource } from '@hac/toolkit';
import { parseRegistries } from './registries.js';
import type { BuildRequest, Engine } from './request.js';
import { resolveRequest, type ImageInputs, type ResolveOptions } from './resolve.js';
import { imageRules, rulesInTags, secretsOf, noProblems, tagRuleText } from './rules.js';
import { Inputs, spec } from './spec.js';

export { Inputs, spec, type ImageValues } from './spec.js';
export type { BuildOptions, BuildRequest, Engine, EngineChoice } from './request.js';
export { registryOf, resolveRequest, type ImageInputs, type ResolveOptions } from './resolve.js';
export { imageRules, rulesByName } from './rules.js';

/**
 * Reads and checks every input (one InputError listing every problem), then registers the secret
 * values (password, secrets, registries passwords) with the log masker.
 */
export function readImageInputs(
  source: InputSource,
  mask: (secret: string | undefined) => void = () => undefined,
): ImageInputs {
  const v = readInputs(spec, source, imageRules);
  mask(v.password);
  for (const s of secretsOf(v.secrets, noProblems)) mask(s.value);
  for (const l of parseRegistries(v.registries).logins) mask(l.password);
  const raw = (name: string) => source(name) ?? '';
  return { ...v, tags: rulesInTags(raw) ? [] : v.tags, tagRuleText: tagRuleText(v, raw) };
}

/**
 * Reads every input and resolves it against the git context and the file system.
 * Throws one InputError listing every problem; otherwise returns what to build.
 */
export function resolveInputs(source: InputSource, opts: ResolveOptions): BuildRequest {
  return resolveRequest(readImageInputs(source, opts.mask), opts);
}

/** Engine-specific limits, checked once the engine is known and still before anything is built. */
export function engineProblems(
  req: BuildRequest,
  engine: Engine,
): { input: string; value: string; expected: string }[] {
  const out: { input: string; value: string; expected: string }[] = [];
  if (engine === 'buildah') {
    for (const [name, list] of [
      [Inputs.cacheFrom, req.cacheFrom],
      [Inputs.cacheTo, req.cacheTo],
    ] as const) {
      for (const c of list) {
        if (c.type !== 'registry')
          out.push({
            input: name,
            value: c.raw,
            expected: `type=registry,ref=<repository> with engine buildah (type=${c.type} needs engine docker)`,
          });
      }
    }
    if (req.builder)
      out.push({
        input: Inputs.builder,
        value: req.builder,
        expected: 'no builder with engine buildah (it names a buildx builder)',
      });
  }
  return out;
}
