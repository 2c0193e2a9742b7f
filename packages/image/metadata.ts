// Tags and OCI labels from the GitHub context, following docker/metadata-action's conventions.
// Pure: takes a context object (tests feed recorded event payloads) and a clock value.
// Only the parser: the package's index loads every range and comparison module at start.
import parseSemver from 'semver/functions/parse.js';

/** The parts of @actions/github's context that tagging needs. */
export interface GitContext {
  eventName: string;
  sha: string;
  ref: string;
  payload: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  repo: { owner: string; repo: string };
  serverUrl: string;
}

/** When `latest` is added: `auto` = stable semver tags and pushes to the default branch. */
export type LatestMode = 'auto' | 'true' | 'false';

export interface TagOptions {
  latest: LatestMode;
  /** Add sha-<7> and sha-<40>. */
  sha: boolean;
}

export interface GitTags {
  /** Tags in order of preference; the first is the `version`. */
  tags: string[];
  version: string;
  /** What the tags were derived from, for the summary. */
  source: string;
}

const SHORT_SHA = 7;

/** A branch or tag name made into a valid image tag: runs of invalid characters become "-". */
export function sanitizeTag(name: string): string {
  const cleaned = name
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, 128)
    .replace(/[.-]+$/, '');
  return cleaned;
}

function defaultBranch(ctx: GitContext): string | undefined {
  const repo = ctx.payload.repository as { default_branch?: string; master_branch?: string } | undefined;
  return repo?.default_branch ?? repo?.master_branch;
}

function headSha(ctx: GitContext): string {
  // For pull requests GITHUB_SHA is a synthetic merge commit; the head commit is what was pushed.
  const pr = ctx.payload.pull_request as { head?: { sha?: string } } | undefined;
  return pr?.head?.sha ?? ctx.sha;
}

function prNumber(ctx: GitContext): number | undefined {
  const pr = ctx.payload.pull_request as { number?: number } | undefined;
  if (pr?.number) return pr.number;
  const m = /^refs\/pull\/(\d+)\//.exec(ctx.ref);
  return m ? Number(m[1]) : undefined;
}

function semverTags(name: string): { tags: string[]; stable: boolean } | undefined {
  const v = parseSemver(name.replace(/^v(?=\d)/, ''), { loose: false });
  if (!v) return undefined;
  const full = v.version; // 1.2.3 or 1.2.3-rc.1 (build metadata dropped: "+" is not valid in tags)
  if (v.prerelease.length > 0) return { tags: [full], stable: false };
  const tags = [full, `${v.major}.${v.minor}`];
  if (v.major > 0) tags.push(String(v.major)); // "0" alone would not name a compatible line
  return { tags, stable: true };
}

/** Computes tags from the git context. Returns no tags when the context names no ref. */
export function gitTags(ctx: GitContext, opts: TagOptions): GitTags {
  const tags: string[] = [];
  let version = '';
  let source = '';
  let wantsLatest = false;
  const pr = ctx.eventName.startsWith('pull_request') ? prNumber(ctx) : undefined;
  if (pr !== undefined) {
    version = `pr-${pr}`;
    source = `pull request #${pr}`;
    tags.push(version);
  } else if (ctx.ref.startsWith('refs/tags/')) {
    const name = ctx.ref.slice('refs/tags/'.length);
    const sv = semverTags(name);
    source = `tag ${name}`;
    if (sv) {
      tags.push(...sv.tags);
      wantsLatest = sv.stable;
    } else if (sanitizeTag(name)) {
      tags.push(sanitizeTag(name));
    }
    version = tags[0] ?? '';
  } else if (ctx.ref.startsWith('refs/heads/')) {
    const branch = ctx.ref.slice('refs/heads/'.length);
    source = `branch ${branch}`;
    const tag = sanitizeTag(branch);
    if (tag) tags.push(tag);
    version = tag;
    wantsLatest = branch === defaultBranch(ctx);
  }
  const sha = headSha(ctx);
  if (opts.sha && /^[0-9a-f]{40}$/i.test(sha)) {
    tags.push(`sha-${sha.slice(0, SHORT_SHA)}`, `sha-${sha}`);
    if (!version) version = `sha-${sha.slice(0, SHORT_SHA)}`;
  }
  if (opts.latest === 'true' || (opts.latest === 'auto' && wantsLatest)) tags.push('latest');
  return { tags: [...new Set(tags)], version, source: source || ctx.eventName || 'no git ref' };
}

export const OCI = {
  title: 'org.opencontainers.image.title',
  description: 'org.opencontainers.image.description',
  url: 'org.opencontainers.image.url',
  source: 'org.opencontainers.image.source',
  version: 'org.opencontainers.image.version',
  created: 'org.opencontainers.image.created',
  revision: 'org.opencontainers.image.revision',
  licenses: 'org.opencontainers.image.licenses',
} as const;

/** OCI labels from the repository and commit; user labels win over these. */
export function ociLabels(
  ctx: GitContext,
  version: string,
  created: Date,
  user: Record<string, string> = {},
): Record<string, string> {
  const repo = (ctx.payload.repository ?? {}) as {
    html_url?: string;
    description?: string | null;
    license?: { spdx_id?: string } | null;
  };
  const url = repo.html_url ?? (ctx.repo.owner ? `${ctx.serverUrl}/${ctx.repo.owner}/${ctx.repo.repo}` : '');
  const labels: Record<string, string> = {};
  const set = (k: string, v: string | null | undefined) => {
    if (v) labels[k] = v;
  };
  set(OCI.title, ctx.repo.repo);
  set(OCI.description, repo.description);
  set(OCI.url, url);
  set(OCI.source, url);
  set(OCI.version, version);
  set(OCI.created, created.toISOString());
  set(OCI.revision, headSha(ctx));
  const spdx = repo.license?.spdx_id;
  if (spdx && spdx !== 'NOASSERTION') set(OCI.licenses, spdx);
  return { ...labels, ...user };
}
