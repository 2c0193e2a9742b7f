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

/** Replaces every registered secret form in `text` with ***, and the credentials of any URL in it. */
export function redact(text: string, secrets: Iterable<string> = registered): string {
  const all = new Set([...secrets].flatMap((s) => secretForms(s)));
  let out = text;
  for (const s of [...all].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
  return stripUrlCredentials(out);
}

/** `scheme://userinfo@` anywhere in a text (the last @ before the host, as URL parsers take it). */
// The second slash is optional so that a URL resolved as a path (http:/user:pw@host) matches too.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/?)([^\s/?#]+)@/gi;

/** Replaces the credentials of every URL in `text` with ***: http://admin:pass@host/ -> http://***@host/. */
export function stripUrlCredentials(text: string): string {
  return text.includes('@') ? text.replace(URL_USERINFO, '$1***@') : text;
}

/** The credentials embedded in URLs in `text`: each `user:password` and password, raw and decoded. */
export function urlCredentials(text: string): string[] {
  if (!text.includes('@')) return [];
  const out: string[] = [];
  for (const m of text.matchAll(URL_USERINFO)) {
    const userinfo = m[2] as string;
    const password = userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : '';
    for (const s of [userinfo, password]) {
      if (!s) continue;
      out.push(s);
      try {
        const decoded = decodeURIComponent(s);
        if (decoded !== s) out.push(decoded);
      } catch {
        // Not percent-encoded text: the raw form is masked already.
      }
    }
  }
  return [...new Set(out)];
}

/** Masks, in the runner's logs, every credential embedded in a URL in `text`. */
export function maskUrlCredentials(text: string, setSecret: (s: string) => void = core.setSecret): void {
  for (const s of urlCredentials(text)) maskSecret(s, setSecret);
}
