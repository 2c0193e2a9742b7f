/** Placeholders a name template may use. */
export const NAME_VARIABLES = [
  'app',
  'timestamp',
  'date',
  'sha',
  'run-number',
  'run-attempt',
  'ref',
] as const;
export type NameVariable = (typeof NAME_VARIABLES)[number];

/** The characters EC2 allows in an AMI name, and its length limits. */
const AMI_NAME_CHARS = /^[A-Za-z0-9()[\] ./\-'@_]+$/;
const PLACEHOLDER = /\{\{\s*([a-z-]+)\s*\}\}/g;

export const NAME_TEMPLATE_EXPECTED = `a name template of letters, digits, spaces and ( ) [ ] . / - ' @ _ with placeholders ${NAME_VARIABLES.map((v) => `{{${v}}}`).join(', ')}`;

/** Checks a template without rendering it: known placeholders only, legal characters, no stray braces. */
export function checkNameTemplate(template: string): boolean {
  if (template.trim() === '') return false;
  for (const m of template.matchAll(PLACEHOLDER))
    if (!(NAME_VARIABLES as readonly string[]).includes(m[1] as string)) return false;
  const literal = template.replace(PLACEHOLDER, 'x');
  return AMI_NAME_CHARS.test(literal) && literal.length <= 128;
}

/** The values placeholders take, from the runner's environment and a clock. */
export function nameVariables(
  app: string,
  now: Date,
  env: NodeJS.ProcessEnv = process.env,
): Record<NameVariable, string> {
  const iso = now.toISOString();
  return {
    app,
    timestamp: iso.replace(/[-:T]/g, '').slice(0, 14),
    date: iso.slice(0, 10),
    sha: (env.GITHUB_SHA ?? 'local').slice(0, 7),
    'run-number': env.GITHUB_RUN_NUMBER ?? '0',
    'run-attempt': env.GITHUB_RUN_ATTEMPT ?? '1',
    ref: (env.GITHUB_REF_NAME ?? 'local').replace(/[^A-Za-z0-9._-]/g, '-'),
  };
}

/** Renders a checked template; throws when the result is not a legal AMI name (3-128 characters). */
export function renderName(template: string, vars: Record<NameVariable, string>): string {
  const name = template.replace(PLACEHOLDER, (_, key: string) => vars[key as NameVariable] ?? '').trim();
  if (name.length < 3 || name.length > 128 || !AMI_NAME_CHARS.test(name)) {
    throw new Error(
      `the AMI name ${JSON.stringify(name)} is not 3-128 characters of letters, digits, spaces and ( ) [ ] . / - ' @ _`,
    );
  }
  return name;
}
