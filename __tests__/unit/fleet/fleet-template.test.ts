// The fleet template's structure: wave 0 one cluster with the full canary, waves 1..3 matrices with
// max-parallel and fail-fast, an environment per wave, a concurrency group per cluster, every cluster
// recording its result, a rollback over every cluster that decides from each cluster's state, and
// one verdict after everything. (actionlint and GitHub's parser run in integration/workflows.)
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'yaml';
import { MAX_WAVES } from '../../../packages/fleet/plan.js';

const root = path.resolve(import.meta.dirname, '../../..');
const doc = parse(fs.readFileSync(path.join(root, 'workflows-templates/fleet.yml'), 'utf8'));
const jobs = doc.jobs as Record<string, any>;
const waves = Array.from({ length: MAX_WAVES }, (_, i) => `wave-${i}`);
const stepOf = (job: any, id: string) => job.steps.find((s: any) => s.id === id);

describe('fleet.yml', () => {
  test('jobs: plan, image, one per wave the plan can output, rollback, verdict', () => {
    expect(Object.keys(jobs)).toEqual(['plan', 'image', ...waves, 'rollback', 'verdict']);
    expect(jobs.plan.steps[0].with).toEqual({ action: 'plan', fleet: '${{ vars.FLEET }}' });
    for (let i = 0; i < MAX_WAVES; i++)
      expect(jobs.plan.outputs[`wave${i}`]).toBe(`\${{ steps.plan.outputs.wave${i} }}`);
  });

  test.each(waves.map((w, i) => [w, i] as [string, number]))(
    '%s: a matrix from the plan, its environment, a group per cluster',
    (w, i) => {
      const job = jobs[w];
      expect(job.needs).toEqual(i === 0 ? ['plan', 'image'] : ['plan', 'image', `wave-${i - 1}`]);
      if (i > 0) expect(job.if).toBe(`needs.plan.outputs.wave${i} != '[]'`);
      expect(job.environment).toBe(`fleet-wave-${i}`);
      expect(job.concurrency).toEqual({
        group: 'hac-fleet-${{ matrix.context }}',
        'cancel-in-progress': false,
      });
      expect(job.strategy['fail-fast']).toBe(true);
      expect(job.strategy['max-parallel']).toEqual(
        i === 0 ? 1 : `\${{ fromJSON(needs.plan.outputs.parallel${i}) }}`,
      );
      expect(job.strategy.matrix).toEqual({ include: `\${{ fromJSON(needs.plan.outputs.wave${i}) }}` });
      const canary = stepOf(job, 'canary');
      expect(canary.uses).toBe('org/hac/actions/k8s-canary@v1');
      expect(canary.with.context).toBe('${{ matrix.context }}');
      expect(canary.with.steps).toBe(
        i === 0 ? "${{ vars.CANARY_STEPS || '10,25,50,100' }}" : "${{ vars.WAVE_STEPS || '50,100' }}",
      );
      expect(canary.with['canary-checks']).toContain('matrix.canary_url || vars.CANARY_URL');
      // Every cluster records its result, whatever happened to the canary step, and uploads it.
      const record = job.steps.find((s: any) => s.with?.action === 'record');
      expect(record.if).toBe('always()');
      expect(record.with.outcome).toBe('${{ steps.canary.outcome }}');
      expect(record.with.outputs).toBe('${{ toJSON(steps.canary.outputs) }}');
      const upload = job.steps.at(-1);
      expect(upload.uses).toMatch(/^actions\/upload-artifact@[0-9a-f]{40}$/);
      expect([upload.if, upload.with.name]).toEqual(['always()', 'hac-fleet-deploy-${{ matrix.id }}']);
    },
  );

  test('waves 1..3 are the same job apart from their index', () => {
    const strip = (i: number) =>
      JSON.stringify(jobs[`wave-${i}`])
        .replaceAll(`wave${i}`, 'N')
        .replaceAll(`wave-${i}`, 'N')
        .replaceAll(`parallel${i}`, 'N')
        .replaceAll(`Wave ${i}`, 'N')
        .replaceAll(`wave-${i - 1}`, 'P');
    expect(strip(2)).toBe(strip(1));
    expect(strip(3)).toBe(strip(1));
  });

  test('wave 0 gives the rollback the version it replaced', () => {
    expect(jobs['wave-0'].outputs).toEqual({
      verdict: '${{ steps.canary.outputs.verdict }}',
      'previous-image': '${{ steps.canary.outputs.previous-image }}',
    });
  });

  test('rollback: after any failed or cancelled wave once wave 0 promoted, over every cluster, each deciding from its state', () => {
    const job = jobs.rollback;
    expect(job.needs).toEqual(['plan', ...waves]);
    expect(job.if).toBe(
      "always() && needs.plan.result == 'success' && needs.wave-0.outputs.verdict == 'promoted' && (contains(needs.*.result, 'failure') || contains(needs.*.result, 'cancelled'))",
    );
    expect(job.strategy).toEqual({
      'fail-fast': false,
      matrix: { include: '${{ fromJSON(needs.plan.outputs.fleet) }}' },
    });
    expect(job.concurrency.group).toBe('hac-fleet-${{ matrix.context }}');
    const [first, abort, retry] = ['rollback', 'abort', 'retry'].map((id) => stepOf(job, id));
    // Not from job outputs a cancelled job never wrote: rollback-to is the version wave 0 replaced;
    // a cluster still on it is a no-op, one left mid-canary refuses, is aborted, and rolls back again.
    expect(first.with).toMatchObject({
      action: 'rollback',
      'rollback-to': '${{ needs.wave-0.outputs.previous-image }}',
    });
    expect(first['continue-on-error']).toBe(true);
    expect([abort.with.action, abort.if]).toEqual(['abort', "steps.rollback.outcome == 'failure'"]);
    expect([retry.with, retry.if]).toEqual([first.with, "steps.rollback.outcome == 'failure'"]);
    expect(retry['continue-on-error']).toBeUndefined();
    const record = job.steps.find((s: any) => s.with?.action === 'record');
    expect([record.if, record.with.kind]).toEqual(['always()', 'rollback']);
    // ... then the workflow fails.
    expect(job.steps.at(-1).run).toMatch(/exit 1\s*$/);
  });

  test('verdict: after every wave and the rollback, from every uploaded result', () => {
    const job = jobs.verdict;
    expect(job.needs).toEqual(['plan', ...waves, 'rollback']);
    expect(job.if).toBe("always() && needs.plan.result == 'success'");
    expect(job.steps[0].uses).toMatch(/^actions\/download-artifact@[0-9a-f]{40}$/);
    expect(job.steps[0].with).toMatchObject({ pattern: 'hac-fleet-*', 'merge-multiple': true });
    expect(job.steps[1].with).toMatchObject({ action: 'verdict', fleet: '${{ vars.FLEET }}' });
  });
});
