// Watches the EndpointSlices of a Service with kubectl (an independent client) and records the
// fewest ready endpoints it ever had, and for how long it had none.
import { spawn } from 'node:child_process';

const TEMPLATE =
  '{.type}{" "}{.object.metadata.name}{" "}{range .object.endpoints[*]}{.conditions.ready}{","}{end}{"\\n"}';

/** Applies one watch line ("ADDED name true,false,") to the per-slice ready counts; pure. */
export function applyWatchLine(slices, line) {
  const [type, name, list = ''] = line.trim().split(' ');
  if (!type || !name) return slices;
  const next = { ...slices };
  if (type === 'DELETED') delete next[name];
  else next[name] = list.split(',').filter((s) => s === 'true').length;
  return next;
}

export const readyTotal = (slices) => Object.values(slices).reduce((a, b) => a + b, 0);

/**
 * Starts the watch; resolves once the current slices are listed. `stop()` ends it and returns
 * { minReady, zeroMs, samples }.
 */
export function watchReadyEndpoints({ kubectl, kubeconfig, ns, service }) {
  const args = ['--kubeconfig', kubeconfig, '-n', ns, 'get', 'endpointslices', '-l'];
  args.push(
    `kubernetes.io/service-name=${service}`,
    '-w',
    '--output-watch-events',
    '-o',
    `jsonpath=${TEMPLATE}`,
  );
  const child = spawn(kubectl, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let slices = {};
  let buf = '';
  let minReady = Infinity;
  let zeroSince;
  let zeroMs = 0;
  let samples = 0;
  let listed;
  const ready = new Promise((r) => (listed = r));
  const onLine = (line) => {
    slices = applyWatchLine(slices, line);
    const n = readyTotal(slices);
    samples++;
    minReady = Math.min(minReady, n);
    const now = performance.now();
    if (n === 0 && zeroSince === undefined) zeroSince = now;
    if (n > 0 && zeroSince !== undefined) {
      zeroMs += now - zeroSince;
      zeroSince = undefined;
    }
    listed();
  };
  child.stdout.on('data', (d) => {
    buf += d;
    const lines = buf.split('\n');
    buf = lines.pop();
    lines.forEach(onLine);
  });
  const timer = setTimeout(() => listed(), 5000); // no slice yet: nothing to list
  return ready.then(() => {
    clearTimeout(timer);
    return {
      stop() {
        child.kill();
        if (zeroSince !== undefined) zeroMs += performance.now() - zeroSince;
        return { minReady: samples ? minReady : undefined, zeroMs, samples };
      },
    };
  });
}
