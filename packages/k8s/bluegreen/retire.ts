// Retiring a color once traffic has left it for good: scale it to zero, delete it, or keep it
// (old-color-action).
import type { RunContext } from './context.js';
import { colorDeploymentName, type Color } from './plan.js';

export async function retireColor(ctx: RunContext, app: string, color: Color): Promise<void> {
  const action = ctx.inputs.oldColorAction;
  if (action === 'keep') return;
  const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: colorDeploymentName(app, color) };
  if (action === 'delete') {
    await ctx.timeline.step(`delete ${ref.name}`, () => ctx.client.delete(ref));
    return;
  }
  await ctx.timeline.step(`scale ${ref.name} to 0`, () =>
    ctx.client
      .mergePatch(ref, { spec: { replicas: 0 } })
      .catch((e: { status?: number }) => (e?.status === 404 ? undefined : Promise.reject(e))),
  );
}
