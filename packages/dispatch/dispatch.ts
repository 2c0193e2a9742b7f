import { InputError, type InputProblem } from '@hac/toolkit';
import type { Manifest } from './manifest.js';

/** The environment variable the runner uses for an input (what @actions/core's getInput reads). */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export interface DispatchPlan {
  action: string;
  env: NodeJS.ProcessEnv;
}

/** The names of every input the root action declares: `action` plus the union of the actions' inputs. */
export function rootInputNames(manifest: Manifest): string[] {
  const names = new Set<string>(['action']);
  for (const m of Object.values(manifest)) for (const n of Object.keys(m.inputs)) names.add(n);
  return [...names].sort();
}

/**
 * Works out how to run the chosen action: validates the action name and that every input given
 * is one the action declares, then builds the child's environment with exactly that action's
 * inputs (the given value, else its default). Pure: no process is started here.
 */
export function planDispatch(manifest: Manifest, env: NodeJS.ProcessEnv): DispatchPlan {
  const action = (env[inputEnvName('action')] ?? '').trim();
  const known = Object.keys(manifest).sort();
  const target = manifest[action];
  if (!target) {
    throw new InputError([
      { input: 'action', value: action, expected: `one of ${known.map((k) => `"${k}"`).join(', ')}` },
    ]);
  }
  const problems: InputProblem[] = [];
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(env)) if (!k.startsWith('INPUT_')) childEnv[k] = v;
  for (const name of rootInputNames(manifest)) {
    if (name === 'action') continue;
    const value = env[inputEnvName(name)] ?? '';
    if (value !== '' && !(name in target.inputs)) {
      problems.push({
        input: name,
        value: '(set)',
        expected: `no value: hac/${action} has no input "${name}" (its inputs: ${Object.keys(target.inputs).sort().join(', ')})`,
      });
    }
  }
  for (const [name, spec] of Object.entries(target.inputs)) {
    const given = env[inputEnvName(name)] ?? '';
    const value = given !== '' ? given : usableDefault(spec.default);
    if (value !== undefined) childEnv[inputEnvName(name)] = value;
    if (spec.required && (value ?? '') === '') {
      problems.push({ input: name, value: '', expected: `a value: it is required by hac/${action}` });
    }
  }
  if (problems.length) throw new InputError(problems);
  return { action, env: childEnv };
}

/** Defaults that are expressions (e.g. `${{ github.token }}`) are evaluated by the runner only for the action that declares them. */
function usableDefault(def: string | undefined): string | undefined {
  if (def === undefined || def.includes('${{')) return undefined;
  return def;
}
