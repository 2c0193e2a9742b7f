// End-state checks with the admin kubectl (an independent client): every pod the live Service
// selects runs the new image and is Ready, and there are exactly as many as the app asks for.
import { sleep } from './cluster.mjs';

const isReady = (p) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

/** Summarises the pods a Service selects; pure. */
export function summarize(pods, img) {
  const live = pods.filter((p) => !p.metadata.deletionTimestamp);
  const images = (p) => p.spec.containers.map((c) => c.image);
  return {
    pods: live.length,
    readyNew: live.filter((p) => isReady(p) && images(p).every((i) => i === img)).length,
    old: live.filter((p) => images(p).some((i) => i !== img)).length,
    notReady: live.filter((p) => !isReady(p)).length,
  };
}

/** Whether a summary is the promoted end state for `replicas`; pure. */
export function judge(s, replicas) {
  const why = [];
  if (s.readyNew !== replicas) why.push(`${s.readyNew}/${replicas} ready pods on the new image`);
  if (s.old) why.push(`${s.old} pods on another image`);
  if (s.pods !== replicas) why.push(`${s.pods} pods selected`);
  return { ok: why.length === 0, why: why.join(', ') };
}

export function liveState(kc, ns, img, app = 'web') {
  const svc = JSON.parse(kc(['-n', ns, 'get', 'service', app, '-o', 'json']));
  const sel = Object.entries(svc.spec.selector ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const pods = JSON.parse(kc(['-n', ns, 'get', 'pods', '-l', sel, '-o', 'json'])).items;
  return { selector: sel, ...summarize(pods, img) };
}

/** The end state right after the tool returned, and how long it then took to become correct (≤ 30 s). */
export async function endState(kc, ns, img, replicas, app = 'web') {
  const t0 = performance.now();
  const atReturn = judge(liveState(kc, ns, img, app), replicas);
  let settled = atReturn;
  while (!settled.ok && performance.now() - t0 < 30_000) {
    await sleep(100);
    settled = judge(liveState(kc, ns, img, app), replicas);
  }
  return {
    atReturn: atReturn.ok,
    atReturnWhy: atReturn.why,
    correct: settled.ok,
    why: settled.why,
    settleMs: atReturn.ok ? 0 : performance.now() - t0,
  };
}
