import { InputError, inputEnvName, type InputProblem } from '@hac/toolkit';
import type { ActionManifest, Manifest } from './manifest.js';

/**
 * The root action's selector: the input naming which hac action to run. No action declares an
 * input of this name (scripts/gen-root.mjs refuses to generate the root action.yml if one does),
 * so every input of every action, `action` of the k8s actions included, is forwarded unchanged.
 */
export const SELECTOR = 'hac-action';

/**
 * The selector of earlier versions. Read as the selector only when `hac-action` is empty and its
 * value is the name of a hac action: the k8s actions' own `action` values (deploy, promote, abort,
 * rollback) are never action names, so the two readings cannot be confused.
 */
export const LEGACY_SELECTOR = 'action';

export { inputEnvName };

export interface DispatchPlan {
  action: string;
  env: NodeJS.ProcessEnv;
  /** Things to tell the user (the legacy selector was used). */
  warnings: string[];
}

/** The names of every input the root action declares: the selector plus the union of the actions' inputs. */
export function rootInputNames(manifest: Manifest): string[] {
  const names = new Set<string>();
  for (const m of Object.values(manifest)) for (const n of Object.keys(m.inputs)) names.add(n);
  return [SELECTOR, ...[...names].sort()];
}

interface Selection {
  action: string;
  /** true when `action` named the hac action (legacy form): it is then not forwarded. */
  legacy: boolean;
}

/** Which action the inputs select: `hac-action`, else a legacy `action: <hac action>`. */
export function selectAction(manifest: Manifest, env: NodeJS.ProcessEnv): Selection {
  const selected = (env[inputEnvName(SELECTOR)] ?? '').trim();
  const legacy = (env[inputEnvName(LEGACY_SELECTOR)] ?? '').trim();
  if (selected === '' && Object.hasOwn(manifest, legacy)) return { action: legacy, legacy: true };
  if (Object.hasOwn(manifest, selected)) return { action: selected, legacy: false };
  const known = Object.keys(manifest)
    .sort()
    .map((k) => `"${k}"`)
    .join(', ');
  const hint =
    selected === '' && legacy !== ''
      ? ` (the hac action to run; "${LEGACY_SELECTOR}: ${legacy}" is an input of the action, not the selector)`
      : '';
  throw new InputError([{ input: SELECTOR, value: selected, expected: `one of ${known}${hint}` }]);
}

/** Inputs given that the chosen action does not declare; values are never echoed (they may be secrets). */
function undeclaredInputs(
  manifest: Manifest,
  action: string,
  env: NodeJS.ProcessEnv,
  skip: string[],
): InputProblem[] {
  const target = manifest[action] as ActionManifest;
  const declared = Object.keys(target.inputs).sort().join(', ');
  return rootInputNames(manifest)
    .filter((name) => !skip.includes(name) && !(name in target.inputs))
    .filter((name) => (env[inputEnvName(name)] ?? '') !== '')
    .map((name) => ({
      input: name,
      value: '(set)',
      expected: `no value: hac/${action} has no input "${name}" (its inputs: ${declared})`,
    }));
}

/**
 * Works out how to run the chosen action: validates the selector and that every input given is one
 * the action declares, then builds the child's environment with exactly that action's inputs (the
 * given value, else its default). Pure: no process is started here.
 */
export function planDispatch(manifest: Manifest, env: NodeJS.ProcessEnv): DispatchPlan {
  const { action, legacy } = selectAction(manifest, env);
  const target = manifest[action] as ActionManifest;
  const consumed = legacy ? [SELECTOR, LEGACY_SELECTOR] : [SELECTOR];
  const problems = undeclaredInputs(manifest, action, env, consumed);
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!k.startsWith('INPUT_')) childEnv[k] = v;
  for (const [name, spec] of Object.entries(target.inputs)) {
    const given = consumed.includes(name) ? '' : (env[inputEnvName(name)] ?? '');
    const value = given !== '' ? given : usableDefault(spec.default);
    if (value !== undefined) childEnv[inputEnvName(name)] = value;
    if (spec.required && (value ?? '') === '') {
      problems.push({ input: name, value: '', expected: `a value: it is required by hac/${action}` });
    }
  }
  if (problems.length) throw new InputError(problems);
  const warnings = legacy
    ? [
        `"${LEGACY_SELECTOR}: ${action}" selects the action in the old form; use "${SELECTOR}: ${action}" ` +
          `("${LEGACY_SELECTOR}" is then free for the k8s actions' deploy, promote, abort and rollback).`,
      ]
    : [];
  return { action, env: childEnv, warnings };
}

/** Defaults that are expressions (e.g. `${{ github.token }}`) are evaluated by the runner only for the action that declares them. */
function usableDefault(def: string | undefined): string | undefined {
  if (def === undefined || def.includes('${{')) return undefined;
  return def;
}
