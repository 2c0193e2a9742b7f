// Preflight permission check: one SelfSubjectRulesReview lists what the deployer may do in the
// namespace; every permission the run needs is checked before the first write. (Dry runs check
// the same thing per object; this names every missing rule at once.)
import { ActionError } from '@hac/toolkit';
import type { KubeClient } from './client.js';
import { describeAccess, type Access } from './errors.js';

export interface Permission {
  group: string;
  resource: string;
  verb: string;
}

export interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

function allows(rule: ResourceRule, p: Permission): boolean {
  const any = (list: string[] | undefined, v: string) => (list ?? []).some((x) => x === '*' || x === v);
  if (rule.resourceNames && rule.resourceNames.length > 0) return false; // name-restricted rules do not cover create/list
  return any(rule.verbs, p.verb) && any(rule.apiGroups, p.group) && any(rule.resources, p.resource);
}

/** The permissions in `needed` that no rule grants (pure). */
export function missingPermissions(rules: ResourceRule[], needed: Permission[]): Permission[] {
  return needed.filter((p) => !rules.some((r) => allows(r, p)));
}

/** A role's rules rendered as YAML (for READMEs and errors). */
export function renderRules(needed: Permission[]): string {
  const byRes = new Map<string, { group: string; resource: string; verbs: string[] }>();
  for (const p of needed) {
    const key = `${p.group}/${p.resource}`;
    const e = byRes.get(key) ?? { group: p.group, resource: p.resource, verbs: [] };
    if (!e.verbs.includes(p.verb)) e.verbs.push(p.verb);
    byRes.set(key, e);
  }
  return [...byRes.values()]
    .map(
      (e) =>
        `- apiGroups: ["${e.group}"]\n  resources: ["${e.resource}"]\n  verbs: [${e.verbs.map((v) => `"${v}"`).join(', ')}]`,
    )
    .join('\n');
}

interface RulesReview {
  status?: { resourceRules?: ResourceRule[]; incomplete?: boolean };
}

/** Fails with an error naming every missing permission (verb, resource, namespace). */
export async function checkPermissions(client: KubeClient, needed: Permission[]): Promise<void> {
  const review = await client.post<RulesReview>(
    '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
    {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectRulesReview',
      spec: { namespace: client.namespace },
    },
    { verb: 'create', resource: 'selfsubjectrulesreviews', group: 'authorization.k8s.io' },
  );
  let missing = missingPermissions(review.status?.resourceRules ?? [], needed);
  if (missing.length > 0 && review.status?.incomplete) missing = await confirmMissing(client, missing);
  if (missing.length === 0) return;
  const access = (p: Permission): Access => ({
    verb: p.verb,
    resource: p.resource,
    group: p.group || undefined,
    namespace: client.namespace,
  });
  throw new ActionError(
    `Permission denied: the deployer may not ${missing.map((p) => describeAccess(access(p))).join('; ')}. Nothing was changed.`,
    `Add the missing rules to the deployer's Role (the action README lists the minimal Role):\n${renderRules(missing)}`,
  );
}

/** When the rules review is incomplete (webhook authorizers), asks about each permission. */
async function confirmMissing(client: KubeClient, missing: Permission[]): Promise<Permission[]> {
  const out: Permission[] = [];
  for (const p of missing) {
    const r = await client.post<{ status?: { allowed?: boolean } }>(
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: {
          resourceAttributes: {
            namespace: client.namespace,
            verb: p.verb,
            group: p.group,
            resource: p.resource,
          },
        },
      },
      { verb: 'create', resource: 'selfsubjectaccessreviews', group: 'authorization.k8s.io' },
    );
    if (!r.status?.allowed) out.push(p);
  }
  return out;
}
