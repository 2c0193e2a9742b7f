// The rollback inputs both k8s actions share: rollback-to (the image to restore) and
// confirm-rollback (restore a version older than the one the current release replaced).
import { input, type Problems, type RuleContext } from '@hac/toolkit';
import { imageField } from './inputs.js';
import type { RollbackRequest } from './rollback-target.js';

export const rollbackInputs = {
  'rollback-to': input.optional(imageField),
  'confirm-rollback': input.boolean(false),
};

interface RollbackValues {
  action: string;
  'rollback-to': string | undefined;
  'confirm-rollback': boolean;
}

/**
 * rollback-to and confirm-rollback mean something only to action: rollback (confirm-rollback:
 * false, the default the runner passes, is harmless).
 */
export function rollbackInputsOnlyOnRollback(v: RollbackValues, problems: Problems, ctx: RuleContext): void {
  if (v.action === 'rollback') return;
  const set = { 'rollback-to': v['rollback-to'] !== undefined, 'confirm-rollback': v['confirm-rollback'] };
  for (const name of ['rollback-to', 'confirm-rollback'] as const)
    if (set[name] && !ctx.failed.has(name))
      problems.add(name, ctx.raw(name).trim(), 'set only with action: rollback');
}

export const rollbackRequest = (v: Omit<RollbackValues, 'action'>): RollbackRequest => ({
  rollbackTo: v['rollback-to'] ?? '',
  confirm: v['confirm-rollback'],
});
