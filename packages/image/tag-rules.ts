// docker/metadata-action's tag rules ("type=semver,pattern={{major}}.{{minor}}"), one per line:
// parsed and checked once (every problem names its line), then applied to the git context.
// Pure: the context and the clock come in as values.
import pep440 from '@renovatebot/pep440';
// Only the parser: the package's index loads every range and comparison module at start.
import parseSemver from 'semver/functions/parse.js';
import type { Flavor } from './compat.js';
import { sanitizeTag, type GitContext, type GitTags, type LatestMode } from './metadata.js';

export const RULE_TYPES = ['schedule', 'semver', 'pep440', 'match', 'edge', 'ref', 'raw', 'sha'] as const;
export type RuleType = (typeof RULE_TYPES)[number];

/** metadata-action's default priorities: the highest comes first and names the version. */
export const DEFAULT_PRIORITY: Record<RuleType, number> = {
  schedule: 1000,
  semver: 900,
  pep440: 900,
  match: 800,
  edge: 700,
  ref: 600,
  raw: 200,
  sha: 100,
};

const COMMON = ['type', 'enable', 'priority', 'prefix', 'suffix'];
const ATTRIBUTES: Record<RuleType, string[]> = {
  schedule: ['pattern', 'tz'],
  semver: ['pattern', 'value'],
  pep440: ['pattern', 'value'],
  match: ['pattern', 'group', 'value'],
  edge: ['branch'],
  ref: ['event'],
  raw: ['value'],
  sha: ['format'],
};

export interface TagRule {
  type: RuleType;
  /** The line as written, for messages. */
  line: string;
  attrs: Record<string, string>;
  priority: number;
}

export interface RuleProblem {
  line: string;
  expected: string;
}

export const TAG_RULES_EXPECTED =
  'lines like type=ref,event=branch | type=semver,pattern={{major}}.{{minor}} | type=pep440,pattern={{version}} | type=match,pattern=v(\\d+),group=1 | type=edge | type=sha,format=long | type=schedule,pattern=nightly | type=raw,value=stable (attributes: enable, priority, prefix, suffix)';

/** Splits "a=1,b=\"x,y\"" into fields; double quotes protect commas ("" is a quote). */
export function splitFields(line: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '"') {
      if (quoted && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      fields.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  fields.push(cur.trim());
  return fields;
}

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** A rule line's attributes ("type=raw,foo" is "type=raw,value=foo"), or the problems with its form. */
function ruleAttributes(line: string): Record<string, string> | string[] {
  const attrs: Record<string, string> = {};
  const fields = splitFields(line);
  if (!fields.some((f) => f.startsWith('type='))) fields.unshift('type=raw');
  const bad: string[] = [];
  for (const f of fields) {
    const eq = f.indexOf('=');
    if (eq >= 0) attrs[f.slice(0, eq).trim()] = f.slice(eq + 1).trim();
    else if (attrs.type === 'raw' && attrs.value === undefined) attrs.value = f;
    else bad.push(`key=value attributes (got "${f}")`);
  }
  if (bad.length > 0) return bad;
  const type = attrs.type as RuleType;
  if (!RULE_TYPES.includes(type)) return [`a type of ${RULE_TYPES.join(', ')} (got "${attrs.type}")`];
  const allowed = [...COMMON, ...ATTRIBUTES[type]];
  const unknown = Object.keys(attrs).filter((k) => !allowed.includes(k));
  if (unknown.length)
    return [`attributes of type=${type}: ${allowed.slice(1).join(', ')} (unknown: ${unknown.join(', ')})`];
  return attrs;
}

const patternProblem = (pattern: string): string | undefined => {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (err) {
    return `pattern= a valid regular expression (${(err as Error).message})`;
  }
};

/** What each attribute of a rule of `type` must look like: the forms it breaks, in order. */
function attributeProblems(type: RuleType, attrs: Record<string, string>): string[] {
  const out: string[] = [];
  const check = (cond: boolean, expected: string) => void (cond || out.push(expected));
  if (attrs.priority !== undefined) check(/^-?\d{1,9}$/.test(attrs.priority), 'priority=<integer>');
  if (attrs.enable !== undefined)
    check(
      /^(true|false|\{\{\s*is_(not_)?default_branch\s*\}\})$/.test(attrs.enable),
      'enable=true, false, {{is_default_branch}} or {{is_not_default_branch}}',
    );
  if (type === 'ref')
    check(['branch', 'tag', 'pr'].includes(attrs.event ?? ''), 'type=ref with event=branch, tag or pr');
  if (type === 'raw') check(Boolean(attrs.value), 'type=raw with value=<tag>');
  if (type === 'sha' && attrs.format !== undefined)
    check(['short', 'long'].includes(attrs.format), 'format=short or long');
  if ((type === 'semver' || type === 'pep440') && attrs.pattern === undefined)
    check(false, `type=${type} with pattern= such as {{version}} or {{major}}.{{minor}}`);
  if (type === 'match') {
    check(Boolean(attrs.pattern), 'type=match with pattern=<regular expression>');
    const bad = attrs.pattern ? patternProblem(attrs.pattern) : undefined;
    if (bad) check(false, bad);
    if (attrs.group !== undefined) check(/^\d{1,2}$/.test(attrs.group), 'group=<capture group number>');
  }
  if (type === 'schedule' && attrs.tz !== undefined)
    check(isTimeZone(attrs.tz), 'tz=<IANA time zone such as Europe/Paris>');
  return out;
}

/** Parses the rules; a line without "type=" is a raw value, as in metadata-action. */
export function parseTagRules(text: string): { rules: TagRule[]; problems: RuleProblem[] } {
  const rules: TagRule[] = [];
  const problems: RuleProblem[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const attrs = ruleAttributes(line);
    if (Array.isArray(attrs)) {
      problems.push(...attrs.map((expected) => ({ line, expected })));
      continue;
    }
    const type = attrs.type as RuleType;
    const bad = attributeProblems(type, attrs);
    problems.push(...bad.map((expected) => ({ line, expected })));
    if (bad.length === 0)
      rules.push({
        type,
        line,
        attrs,
        priority: attrs.priority !== undefined ? Number(attrs.priority) : DEFAULT_PRIORITY[type],
      });
  }
  return { rules, problems };
}

/** Date parts in a time zone (UTC by default). */
function dateParts(now: Date, tz = 'UTC'): Record<string, string> {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(now);
  return Object.fromEntries(parts.map((p) => [p.type, p.value]));
}

/** Formats a date with moment-style tokens: YYYY YY MM DD HH mm ss (other text is kept). */
export function formatDate(now: Date, format: string, tz?: string): string {
  const p = dateParts(now, tz);
  const tokens: Record<string, string> = {
    YYYY: p.year ?? '',
    YY: (p.year ?? '').slice(-2),
    MM: p.month ?? '',
    DD: p.day ?? '',
    HH: p.hour ?? '',
    mm: p.minute ?? '',
    ss: p.second ?? '',
  };
  return format.replace(/YYYY|YY|MM|DD|HH|mm|ss/g, (t) => tokens[t] ?? t);
}

interface RefInfo {
  branch?: string;
  tag?: string;
  pr?: number;
  sha: string;
  baseRef: string;
  isDefaultBranch: boolean;
}

function refInfo(ctx: GitContext): RefInfo {
  const pr = ctx.payload.pull_request as
    { number?: number; head?: { sha?: string; ref?: string }; base?: { ref?: string } } | undefined;
  const repo = ctx.payload.repository as { default_branch?: string } | undefined;
  const branch = ctx.ref.startsWith('refs/heads/') ? ctx.ref.slice('refs/heads/'.length) : undefined;
  const tag = ctx.ref.startsWith('refs/tags/') ? ctx.ref.slice('refs/tags/'.length) : undefined;
  const prMatch = /^refs\/pull\/(\d+)\//.exec(ctx.ref);
  const number = ctx.eventName.startsWith('pull_request')
    ? (pr?.number ?? (prMatch ? Number(prMatch[1]) : undefined))
    : undefined;
  return {
    ...(branch !== undefined ? { branch } : {}),
    ...(tag !== undefined ? { tag } : {}),
    ...(number !== undefined ? { pr: number } : {}),
    sha: pr?.head?.sha ?? ctx.sha,
    baseRef: pr?.base?.ref ?? (ctx.payload.base_ref as string | undefined) ?? '',
    isDefaultBranch: branch !== undefined && branch === repo?.default_branch,
  };
}

/** Expands {{branch}} {{tag}} {{sha}} {{base_ref}} {{is_default_branch}} {{date 'fmt'}} in a value. */
function expand(text: string, info: RefInfo, now: Date, tz?: string): string {
  return text
    .replace(/\{\{\s*date\s+'([^']*)'\s*\}\}/g, (_m, fmt: string) => formatDate(now, fmt, tz))
    .replace(/\{\{\s*branch\s*\}\}/g, info.branch ?? '')
    .replace(/\{\{\s*tag\s*\}\}/g, info.tag ?? '')
    .replace(/\{\{\s*sha\s*\}\}/g, info.sha.slice(0, 7))
    .replace(/\{\{\s*base_ref\s*\}\}/g, info.baseRef)
    .replace(/\{\{\s*is_default_branch\s*\}\}/g, String(info.isDefaultBranch))
    .replace(/\{\{\s*is_not_default_branch\s*\}\}/g, String(!info.isDefaultBranch));
}

/** What one rule produces: its tags and whether it asks for "latest" (latest=auto). */
function ruleTags(
  rule: TagRule,
  ctx: GitContext,
  info: RefInfo,
  now: Date,
): { tags: string[]; latest: boolean } {
  const a = rule.attrs;
  const none = { tags: [] as string[], latest: false };
  switch (rule.type) {
    case 'schedule':
      if (ctx.eventName !== 'schedule') return none;
      return { tags: [expand(a.pattern ?? 'nightly', info, now, a.tz)], latest: false };
    case 'semver': {
      const raw = a.value !== undefined ? expand(a.value, info, now) : info.tag;
      const v = raw ? parseSemver(raw.replace(/^v(?=\d)/, '')) : null;
      if (!raw || !v) return none;
      const pattern = a.pattern as string;
      // Pre-releases only ever get their full version (or {{raw}}), as in metadata-action.
      if (v.prerelease.length > 0)
        return { tags: [/\{\{\s*raw\s*\}\}/.test(pattern) ? raw : v.version], latest: false };
      const tag = pattern
        .replace(/\{\{\s*raw\s*\}\}/g, raw)
        .replace(/\{\{\s*version\s*\}\}/g, v.version)
        .replace(/\{\{\s*major\s*\}\}/g, String(v.major))
        .replace(/\{\{\s*minor\s*\}\}/g, String(v.minor))
        .replace(/\{\{\s*patch\s*\}\}/g, String(v.patch));
      return { tags: [expand(tag, info, now)], latest: true };
    }
    case 'pep440':
      return pep440Tags(a, info, now);
    case 'match': {
      const raw = a.value !== undefined ? expand(a.value, info, now) : info.tag;
      if (!raw) return none;
      const m = new RegExp(a.pattern as string).exec(raw);
      const got = m?.[Number(a.group ?? 0)];
      return got ? { tags: [got], latest: true } : none;
    }
    case 'edge': {
      const branch =
        a.branch ?? (ctx.payload.repository as { default_branch?: string } | undefined)?.default_branch;
      return info.branch !== undefined && info.branch === branch ? { tags: ['edge'], latest: false } : none;
    }
    case 'ref':
      if (a.event === 'branch' && info.branch !== undefined) return { tags: [info.branch], latest: false };
      if (a.event === 'tag' && info.tag !== undefined) return { tags: [info.tag], latest: true };
      if (a.event === 'pr' && info.pr !== undefined)
        return { tags: [`${a.prefix === undefined ? 'pr-' : ''}${info.pr}`], latest: false };
      return none;
    case 'raw':
      return { tags: [expand(a.value as string, info, now)], latest: false };
    case 'sha': {
      if (!/^[0-9a-f]{40}$/i.test(info.sha)) return none;
      const sha = a.format === 'long' ? info.sha : info.sha.slice(0, 7);
      return { tags: [`${a.prefix === undefined ? 'sha-' : ''}${sha}`], latest: false };
    }
  }
}

/** type=pep440: Python versions (1.2.3rc1, 1.2.3.post1); pre, post and dev releases get only their full version. */
function pep440Tags(
  a: Record<string, string>,
  info: RefInfo,
  now: Date,
): { tags: string[]; latest: boolean } {
  const raw = a.value !== undefined ? expand(a.value, info, now) : info.tag;
  if (!raw || !pep440.valid(raw)) return { tags: [], latest: false };
  const v = pep440.explain(raw);
  const pattern = a.pattern as string;
  if (!v || v.is_prerelease || v.is_postrelease || v.is_devrelease)
    return { tags: [/\{\{\s*raw\s*\}\}/.test(pattern) ? raw : (pep440.clean(raw) ?? raw)], latest: false };
  const tag = pattern
    .replace(/\{\{\s*raw\s*\}\}/g, raw)
    .replace(/\{\{\s*version\s*\}\}/g, pep440.clean(raw) ?? raw)
    .replace(/\{\{\s*major\s*\}\}/g, String(pep440.major(raw)))
    .replace(/\{\{\s*minor\s*\}\}/g, String(pep440.minor(raw)))
    .replace(/\{\{\s*patch\s*\}\}/g, String(pep440.patch(raw)));
  return { tags: [expand(tag, info, now)], latest: true };
}

/** A rule's prefix and suffix: its own attributes, else the flavor's (type=sha and pr carry their own default prefix). */
function affixes(rule: TagRule, flavor: Flavor | undefined): { prefix: string; suffix: string } {
  const ownPrefix = rule.type === 'sha' || (rule.type === 'ref' && rule.attrs.event === 'pr');
  return {
    prefix: rule.attrs.prefix ?? (ownPrefix ? '' : (flavor?.prefix ?? '')),
    suffix: rule.attrs.suffix ?? flavor?.suffix ?? '',
  };
}

/**
 * Applies the rules to the git context: tags in priority order (the first is the version), then
 * "latest" when `latest` is true, or auto and a semver, match or tag rule produced a tag.
 */
export function applyTagRules(
  rules: TagRule[],
  ctx: GitContext,
  opts: { latest: LatestMode; now: Date; flavor?: Flavor | undefined },
): GitTags {
  const info = refInfo(ctx);
  const produced: { tag: string; priority: number; order: number }[] = [];
  let wantsLatest = false;
  rules.forEach((rule, order) => {
    const enable = rule.attrs.enable === undefined ? 'true' : expand(rule.attrs.enable, info, opts.now);
    if (enable !== 'true') return;
    const out = ruleTags(rule, ctx, info, opts.now);
    for (const t of out.tags) {
      const aff = affixes(rule, opts.flavor);
      const prefix = expand(aff.prefix, info, opts.now);
      const suffix = expand(aff.suffix, info, opts.now);
      const tag = sanitizeTag(`${prefix}${t}${suffix}`);
      if (tag) produced.push({ tag, priority: rule.priority, order });
    }
    if (out.tags.length > 0 && out.latest) wantsLatest = true;
  });
  produced.sort((x, y) => y.priority - x.priority || x.order - y.order);
  const tags = [...new Set(produced.map((p) => p.tag))];
  const version = tags[0] ?? '';
  const f = opts.flavor;
  if (opts.latest === 'true' || (opts.latest === 'auto' && wantsLatest))
    tags.push(
      `${f?.prefixOnLatest ? expand(f.prefix, info, opts.now) : ''}latest${f?.suffixOnLatest ? expand(f.suffix, info, opts.now) : ''}`,
    );
  const source = info.tag
    ? `tag ${info.tag}`
    : info.pr !== undefined
      ? `pull request #${info.pr}`
      : info.branch
        ? `branch ${info.branch}`
        : ctx.eventName || 'no git ref';
  return { tags: [...new Set(tags)], version, source: `${source} (tag-rules)` };
}
