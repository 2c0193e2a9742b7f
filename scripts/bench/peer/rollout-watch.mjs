// Watches a Deployment with kubectl (an independent client) and records when it is first rolled
// out on an image: the spec observed, every replica updated and available, no old pod left.
import { spawn } from 'node:child_process';

const TEMPLATE =
  '{.metadata.generation} {.status.observedGeneration} {.spec.replicas} {.status.replicas} {.status.updatedReplicas} {.status.availableReplicas} {.spec.template.spec.containers[0].image}{"\\n"}';

/** Whether one watch line shows the Deployment rolled out on `image` with `replicas`; pure. */
export function rolledOut(line, image, replicas) {
  const [gen, obs, want, total, updated, available, img] = line.trim().split(' ');
  const n = String(replicas);
  return gen === obs && img === image && want === n && total === n && updated === n && available === n;
}

/** Starts the watch; resolves once listed. `doneAt()` is the time (performance.now) it was first rolled out. */
export function watchRollout({ kubectl, kubeconfig, ns, name, image, replicas }) {
  const args = [
    '--kubeconfig',
    kubeconfig,
    '-n',
    ns,
    'get',
    'deployment',
    name,
    '-w',
    '-o',
    `jsonpath=${TEMPLATE}`,
  ];
  const child = spawn(kubectl, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let buf = '';
  let at;
  let listed;
  const ready = new Promise((r) => (listed = r));
  child.stdout.on('data', (d) => {
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop();
    for (const line of lines) {
      listed();
      if (at === undefined && rolledOut(line, image, replicas)) at = performance.now();
    }
  });
  const timer = setTimeout(() => listed(), 5000);
  return ready.then(() => {
    clearTimeout(timer);
    return {
      /** Waits up to `ms` for the rollout to be done; returns its time or undefined. */
      async doneBy(ms) {
        const t0 = performance.now();
        while (at === undefined && performance.now() - t0 < ms) await new Promise((r) => setTimeout(r, 20));
        child.kill();
        return at;
      },
    };
  });
}
