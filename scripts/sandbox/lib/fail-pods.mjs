// `fail-pods`: kwok Stages (manifests/kwok-stages.yaml) make annotated pods of cluster 1 fail or recover.
import { kubectl } from './kubectl.mjs';
import { waitFor } from './proc.mjs';

const FAIL_MODES = ['readiness', 'crash', 'recover'];

/** Marks the pods matching a selector so kwok makes them fail (or recover). */
export async function failPods(namespace, selector, mode = 'readiness', { timeoutMs = 30000 } = {}) {
  if (!namespace || !selector)
    throw new Error('usage: fail-pods <namespace> <labelSelector> [readiness|crash|recover]');
  if (!FAIL_MODES.includes(mode)) throw new Error(`mode must be one of ${FAIL_MODES.join(', ')}`);
  const { stdout } = await kubectl([
    '-n',
    namespace,
    'get',
    'pods',
    '-l',
    selector,
    '-o',
    'jsonpath={.items[*].metadata.name}',
  ]);
  const pods = stdout.trim().split(/\s+/).filter(Boolean);
  if (!pods.length) throw new Error(`no pods match ${selector} in namespace ${namespace}`);
  const annotation = mode === 'recover' ? 'hac.dev/sim-fail-' : `hac.dev/sim-fail=${mode}`;
  await kubectl(['-n', namespace, 'annotate', 'pods', '--overwrite', ...pods, annotation]);
  const want = mode === 'recover' ? 'True' : 'False';
  await waitFor(
    async () => {
      const { stdout: out } = await kubectl([
        '-n',
        namespace,
        'get',
        'pods',
        ...pods,
        '--ignore-not-found',
        '-o',
        'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
      ]);
      const states = out.trim().split('\n').filter(Boolean);
      return states.every((s) => s === want);
    },
    { timeoutMs, what: `pods to become Ready=${want}` },
  );
  return pods;
}
