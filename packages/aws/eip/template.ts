/**
 * URL templates of the health gates: `http://{{private-ip}}:8080/healthz`. Placeholders are filled
 * with the new instance's addresses (and, after the swap, the Elastic IP).
 */
export const PLACEHOLDERS = ['private-ip', 'public-ip', 'instance-id', 'eip'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type TemplateVars = Partial<Record<Placeholder, string>>;

/** Placeholders the pre-swap gate may use: the EIP still points at the old instance then. */
export const PRE_SWAP_PLACEHOLDERS: readonly Placeholder[] = ['private-ip', 'public-ip', 'instance-id'];
export const POST_SWAP_PLACEHOLDERS: readonly Placeholder[] = PLACEHOLDERS;

/** Values that stand in for real ones when a template is checked before anything runs. */
export const SAMPLE_VARS: Record<Placeholder, string> = {
  'private-ip': '10.0.0.10',
  'public-ip': '203.0.113.10',
  'instance-id': 'i-0123456789abcdef0',
  eip: '198.51.100.10',
};

const TOKEN = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The placeholder names used in `text`, in order of first use. */
export function placeholdersIn(text: string): string[] {
  return [...new Set([...text.matchAll(TOKEN)].map((m) => m[1] as string))];
}

/**
 * What is wrong with a template, or undefined: an unknown or misplaced placeholder, or stray braces.
 */
export function templateProblem(text: string, allowed: readonly Placeholder[]): string | undefined {
  for (const name of placeholdersIn(text)) {
    if (!(allowed as readonly string[]).includes(name)) {
      const known = (PLACEHOLDERS as readonly string[]).includes(name);
      return known
        ? `{{${name}}} cannot be used here (allowed: ${allowed.map((p) => `{{${p}}}`).join(', ')})`
        : `unknown placeholder {{${name}}} (allowed: ${allowed.map((p) => `{{${p}}}`).join(', ')})`;
    }
  }
  const rest = text.replace(TOKEN, '');
  if (rest.includes('{{') || rest.includes('}}')) return 'unbalanced {{ or }}';
  return undefined;
}

/** Fills every placeholder; a placeholder without a value throws naming it. */
export function fillTemplate(text: string, vars: TemplateVars): string {
  return text.replace(TOKEN, (_, name: string) => {
    const value = vars[name as Placeholder];
    if (value === undefined || value === '') throw new Error(`{{${name}}} has no value for this instance`);
    return value;
  });
}
