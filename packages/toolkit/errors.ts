import { stripUrlCredentials } from './secrets.js';

/** One invalid input: its name, the value given and the form that was expected. */
export interface InputProblem {
  input: string;
  value: string;
  expected: string;
}

/** Every invalid input of a run, reported together before anything happens. */
export class InputError extends Error {
  readonly problems: InputProblem[];
  constructor(problems: InputProblem[]) {
    super(InputError.format(problems));
    this.name = 'InputError';
    this.problems = problems;
  }
  static format(problems: InputProblem[]): string {
    const lines = problems.map((p) => `  - input "${p.input}": got ${show(p.value)}; expected ${p.expected}`);
    const head = problems.length === 1 ? '1 input is invalid' : `${problems.length} inputs are invalid`;
    return `${head}:\n${lines.join('\n')}`;
  }
}

function show(value: string): string {
  const clean = stripUrlCredentials(value);
  const one = clean.length > 120 ? `${clean.slice(0, 117)}...` : clean;
  return one === '' ? 'an empty value' : JSON.stringify(one);
}

/** A failure that carries the next thing a user should do; shown as an annotation. */
export class ActionError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ActionError';
    this.hint = hint;
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
