// What went wrong when a registry was involved, read from buildah/docker stderr, and what to do next.

export type FailureKind = 'rate-limit' | 'server' | 'network' | 'auth' | 'not-found' | 'other';

const RULES: [FailureKind, RegExp][] = [
  [
    'auth',
    /\b(401|403)\b|unauthori[sz]ed|authentication required|denied|invalid username\/password|incorrect username or password|no basic auth credentials/i,
  ],
  ['rate-limit', /\b429\b|too ?many ?requests|rate limit/i],
  ['server', /\b50[0-9]\b|service unavailable|bad gateway|gateway time-?out|internal server error/i],
  [
    'network',
    /timeout|timed out|deadline exceeded|connection reset|connection refused|broken pipe|unexpected EOF|no such host|i\/o timeout|temporary failure in name resolution/i,
  ],
  ['not-found', /manifest unknown|name unknown|not found|404/i],
];

/** Classifies an error text. Auth is checked first: retrying a refused login only hides it. */
export function classify(stderr: string): FailureKind {
  for (const [kind, re] of RULES) if (re.test(stderr)) return kind;
  return 'other';
}

/** 429, 5xx and network trouble (timeouts, resets) may pass on another attempt. */
export const isTransient = (kind: FailureKind): boolean =>
  kind === 'rate-limit' || kind === 'server' || kind === 'network';

export function pushHint(kind: FailureKind, registry: string): string {
  switch (kind) {
    case 'auth':
      return `The registry ${registry} refused the credentials. Check "registries" (or registry/username/password): the user needs push rights to this repository; for ECR the role needs ecr:GetAuthorizationToken and push permissions.`;
    case 'rate-limit':
      return `${registry} kept answering 429 Too Many Requests after every retry. Re-run later, raise "push-retries"/"retry-delay", or log in (authenticated pulls and pushes get higher limits).`;
    case 'server':
      return `${registry} kept failing with 5xx errors after every retry. Check the registry's status page and re-run the job.`;
    case 'network':
      return `${registry} could not be reached reliably (timeouts or resets). Check the runner's network and proxy settings; for a plain-HTTP registry mark it insecure in registries.conf or list it in "insecure-registries".`;
    case 'not-found':
      return `${registry} does not know this repository. Create it first (ECR needs the repository to exist) or fix the name in "images"/"tags".`;
    default:
      return `Read the push error above. For a plain-HTTP registry, mark it insecure in registries.conf or list it in "insecure-registries".`;
  }
}

/** The last meaningful lines of a command's output, for error messages. */
export function tail(text: string, lines = 8): string {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean)
    .slice(-lines)
    .join('\n');
}
