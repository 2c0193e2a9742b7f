import { runner as core } from './runner.js';

const registered = new Set<string>();

/** Every form in which a secret could leak: itself, base64, base64url, and its URI-encoded form. */
export function secretForms(secret: string): string[] {
  if (secret === '') return [];
  const b64 = Buffer.from(secret).toString('base64');
  const forms = [
    secret,
    b64,
    b64.replace(/=+$/, ''),
    Buffer.from(secret).toString('base64url'),
    encodeURIComponent(secret),
  ];
  return [...new Set(forms.filter((f) => f.length >= 3))];
}

/**
 * Masks a secret in the runner's logs in every form it could be printed in, and remembers it so
 * that summaries and reports can be redacted too. For basic auth, also mask `user:pass` encoded.
 */
export function maskSecret(
  secret: string | undefined,
  setSecret: (s: string) => void = core.setSecret,
): void {
  if (!secret) return;
  for (const form of secretForms(secret)) {
    if (!registered.has(form)) {
      registered.add(form);
      setSecret(form);
    }
  }
  for (const line of secret.split('\n'))
    if (line.trim() && line !== secret) maskSecret(line.trim(), setSecret);
}

/** Replaces every registered secret form in `text` with ***. Use on anything written to summaries or outputs. */
export function redact(text: string, secrets: Iterable<string> = registered): string {
  const all = new Set([...secrets].flatMap((s) => secretForms(s)));
  let out = text;
  for (const s of [...all].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
  return out;
}
