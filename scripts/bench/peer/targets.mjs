// The targets of the performance issue as ratios measured side by side in one run, and where a
// time target is not met, its floor: the plan's API round trips one after another, the Node starts
// the runner makes, and the time the new pods take to become Ready. Pure functions.

const r2 = (x) => (x === undefined || Number.isNaN(x) ? undefined : Math.round(x * 100) / 100);

/**
 * Time floor of a plan: `requests` round trips of `rttMs` each, `starts` Node starts of `nodeMs`,
 * and `readyMs` of pod readiness (measured in the kubectl script of the same round).
 */
export function floorMs({ requests, rttMs, starts, nodeMs, readyMs = 0 }) {
  return requests * rttMs + starts * nodeMs + readyMs;
}

/**
 * Rows { target, limit, kind ('max'|'min'), measured, met, floor?, floorRatio?, note? } from the
 * medians `m`: { bg: { hac, kubectl, k8sDeploy }, canary: { hac, k8sDeploy }, post, cold, rttMs, nodeMs }.
 */
export function targetRows(m) {
  const rows = [];
  const ratio = (target, limit, a, b, floor) => {
    if (!a || !b) return rows.push({ target, limit, kind: 'max', note: 'peer not measured' });
    const measured = r2(a.wallMs / b.wallMs);
    const row = { target, limit, kind: 'max', measured, met: measured <= limit };
    if (!row.met && floor) {
      row.floor = Math.round(floor);
      row.floorRatio = r2(floor / b.wallMs);
    }
    rows.push(row);
  };
  const bgFloor = floorMs({
    requests: m.bg.hac.requests,
    rttMs: m.rttMs,
    starts: 2,
    nodeMs: m.nodeMs,
    readyMs: m.readyMs,
  });
  const caFloor = floorMs({
    requests: m.canary.hac.requests,
    rttMs: m.rttMs,
    starts: 4,
    nodeMs: m.nodeMs,
    readyMs: m.canaryReadyMs,
  });
  ratio('blue-green (main + post) vs kubectl script', 0.5, m.bg.hac, m.bg.kubectl, bgFloor);
  ratio('blue-green (main + post) vs Azure/k8s-deploy', 0.2, m.bg.hac, m.bg.k8sDeploy, bgFloor);
  ratio('canary 25% → promote vs Azure/k8s-deploy', 0.3, m.canary.hac, m.canary.k8sDeploy, caFloor);
  const post = r2(m.post?.ratio);
  rows.push({
    target: `post step with nothing to restore vs \`node -e 0\` (interleaved${m.post ? `, worst: ${m.post.scenarios[0].scenario}` : ''})`,
    limit: 1.5,
    kind: 'max',
    ...(post === undefined
      ? { note: 'not measured (no hac run succeeded)' }
      : { measured: post, met: post <= 1.5 }),
  });
  const worst = Object.entries(m.cold).sort((a, b) => b[1] - a[1])[0];
  if (worst) {
    const [name, x] = worst;
    rows.push({
      target: `every bundle's cold start vs \`node -e 0\` (worst: ${name})`,
      limit: 2,
      kind: 'max',
      measured: r2(x),
      met: x <= 2,
    });
  }
  rows.push(countRow('requests: blue-green', 16, m.bg.hac.requests));
  rows.push(
    countRow(
      'requests: 2-step canary (25% then promote, two jobs with their post steps)',
      22,
      m.canary.hac.requests,
    ),
  );
  return rows;
}

const countRow = (target, limit, measured) => ({
  target,
  limit,
  kind: 'count',
  measured,
  met: measured <= limit,
});

/** Markdown table of the rows; pure. */
export function targetTable(rows) {
  const lim = (r) => (r.kind === 'count' ? `≤ ${r.limit}` : `≤ ${r.limit}×`);
  const val = (r) =>
    r.measured === undefined ? '—' : r.kind === 'count' ? String(r.measured) : `${r.measured}×`;
  const met = (r) => (r.met === undefined ? r.note : r.met ? 'met' : 'not met');
  const floor = (r) => (r.floor === undefined ? '' : `${r.floor} ms (${r.floorRatio}×)`);
  return [
    '| target | limit | measured | | floor where not met (ratio at the floor) |',
    '| --- | ---: | ---: | --- | --- |',
    ...rows.map((r) => `| ${r.target} | ${lim(r)} | ${val(r)} | ${met(r)} | ${floor(r)} |`),
  ].join('\n');
}
