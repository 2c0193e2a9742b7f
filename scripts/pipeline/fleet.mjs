// Fleet support for `npm run pipeline -- fleet [--bad-cluster N]`: the FLEET variable over the
// sandbox's clusters (wave 0 the first, wave 1 the others), a canary stand-in endpoint per cluster
// (cluster N's fails its health check), and a hac checkout whose fleet and k8s-canary bundles are
// those of this working tree: the committed ones when dist/ is their build, else built fresh.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The bundles the fleet template needs fresh; the others are the committed ones. */
export const FRESH_BUNDLES = ['fleet', 'k8s-canary'];

/** The FLEET variable: wave 0 is the first context, wave 1 the rest, each with its own canary URL. */
export function fleetPlanVar(contexts, canaryUrls, stableUrl, maxParallel = contexts.length - 1) {
  if (contexts.length < 2)
    throw new Error(`a fleet run needs at least 2 clusters; the sandbox has ${contexts.length}`);
  const cluster = (context, i) => ({ context, 'canary-url': canaryUrls[i], 'stable-url': stableUrl });
  return JSON.stringify([
    { clusters: [cluster(contexts[0], 0)] },
    {
      clusters: contexts.slice(1).map((c, i) => cluster(c, i + 1)),
      'max-parallel': Math.max(1, maxParallel),
    },
  ]);
}

/** --bad-cluster N must name a wave-1 cluster (2..count): wave 0's gate failing is the single-cluster case. */
export function checkBadCluster(n, count) {
  if (n === undefined) return;
  if (!Number.isInteger(n) || n < 2 || n > count)
    throw new Error(
      `--bad-cluster ${n}: expected a wave-1 cluster, from 2 to ${count} (cluster 1 is wave 0)`,
    );
}

function newestMtime(dir) {
  let newest = 0;
  for (const name of fs.readdirSync(dir, { recursive: true })) {
    const file = path.join(dir, String(name));
    if (/node_modules|\/dist\//.test(file) || !/\.(ts|mjs|json|yml)$/.test(file)) continue;
    newest = Math.max(newest, fs.statSync(file).mtimeMs);
  }
  return newest;
}

/** What the bundles are made of (scripts/build.mjs's inputs), and the bundles. */
const BUNDLE_INPUTS = [
  'packages',
  'actions',
  'scripts/build.mjs',
  'scripts/entries.mjs',
  'scripts/licenses.mjs',
  'package-lock.json',
  'tsconfig.json',
  'dist',
];

const git = (repoRoot, args) => {
  const r = spawnSync('git', ['-C', repoRoot, ...args], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
};

/**
 * Whether the committed dist/ is the build of the sources as they are: nothing the bundles are
 * made of (nor dist/ itself) differs from the commit that last rebuilt dist/, committed or not,
 * and no new file sits under packages/ or actions/. `npm run check-dist` holds that commit's
 * dist/ to its sources. Not a git checkout: false.
 */
export function committedDistIsCurrent(repoRoot, run = git) {
  const rebuilt = run(repoRoot, ['log', '-1', '--format=%H', '--', 'dist']);
  if (!rebuilt) return false;
  const changed = run(repoRoot, ['diff', '--name-only', rebuilt, '--', ...BUNDLE_INPUTS]);
  const added = run(repoRoot, ['ls-files', '--others', '--exclude-standard', '--', 'packages', 'actions']);
  return changed === '' && added === '';
}

/**
 * A hac checkout for act's --local-repository: actions/ from this tree, and dist/: the committed
 * one when it is the build of these sources (committedDistIsCurrent), else the fresh bundles
 * built into a cache (rebuilt when a source is newer) with the committed ones beside them.
 */
export function freshHacCheckout(
  repoRoot,
  { log = (m) => process.stderr.write(`${m}\n`), current = committedDistIsCurrent } = {},
) {
  const base = path.join(os.homedir(), '.cache', 'hac', 'pipeline-hac');
  if (current(repoRoot)) return committedCheckout(repoRoot, path.join(base, 'committed'));
  const built = path.join(base, 'fresh-dist');
  const stamp = path.join(built, '.stamp');
  const newest = Math.max(
    newestMtime(path.join(repoRoot, 'packages')),
    newestMtime(path.join(repoRoot, 'actions')),
  );
  if (!fs.existsSync(stamp) || fs.statSync(stamp).mtimeMs < newest) {
    log(`pipeline: building ${FRESH_BUNDLES.join(', ')} from the working tree (cached in ${built})`);
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts/build.mjs'), built], {
      cwd: repoRoot,
      env: { ...process.env, HAC_BUILD_ONLY: FRESH_BUNDLES.join(',') },
      encoding: 'utf8',
    });
    if (r.status !== 0)
      throw new Error(`pipeline: building ${FRESH_BUNDLES.join(', ')} failed:\n${r.stderr}`);
    fs.writeFileSync(stamp, new Date().toISOString());
  }
  const checkout = path.join(base, 'checkout');
  fs.rmSync(checkout, { recursive: true, force: true });
  fs.mkdirSync(path.join(checkout, 'dist'), { recursive: true });
  fs.symlinkSync(path.join(repoRoot, 'actions'), path.join(checkout, 'actions'));
  const committed = path.join(repoRoot, 'dist');
  for (const name of fs.existsSync(committed) ? fs.readdirSync(committed) : []) {
    if (!FRESH_BUNDLES.includes(name))
      fs.symlinkSync(path.join(committed, name), path.join(checkout, 'dist', name));
  }
  for (const name of FRESH_BUNDLES) fs.symlinkSync(path.join(built, name), path.join(checkout, 'dist', name));
  return checkout;
}

/** The checkout with the committed bundles: actions/ and dist/ as links into this tree. */
function committedCheckout(repoRoot, checkout) {
  fs.rmSync(checkout, { recursive: true, force: true });
  fs.mkdirSync(checkout, { recursive: true });
  for (const name of ['actions', 'dist'])
    fs.symlinkSync(path.join(repoRoot, name), path.join(checkout, name));
  return checkout;
}

/** The sandbox's fleet: contexts, one deployer kubeconfig with all of them, an admin one per cluster. */
export function sandboxFleet(sandbox) {
  const contexts = String(sandbox.HAC_SANDBOX_FLEET_CONTEXTS ?? '')
    .split(',')
    .filter(Boolean);
  if (contexts.length < 2 || !sandbox.HAC_SANDBOX_FLEET_DEPLOYER_KUBECONFIG)
    throw new Error('the sandbox has no fleet. Run: npm run sandbox -- up --clusters 3');
  return {
    contexts,
    deployerKubeconfig: sandbox.HAC_SANDBOX_FLEET_DEPLOYER_KUBECONFIG,
    adminKubeconfigs: contexts.map((_, i) => sandbox[`HAC_SANDBOX_KUBECONFIG_${i + 1}`]),
  };
}

/**
 * A fleet run's settings: the FLEET variable (cluster N's canary URL a failing endpoint when it is
 * --bad-cluster N), the deployer kubeconfig with every context, and the fresh hac checkout.
 */
export async function prepareFleet({
  sandbox,
  version,
  badCluster,
  stableEp,
  newEp,
  startEndpoint,
  repoRoot,
}) {
  const fleet = sandboxFleet(sandbox);
  checkBadCluster(badCluster, fleet.contexts.length);
  const badEp = badCluster ? await startEndpoint(version, { failHealth: true }) : undefined;
  const urls = fleet.contexts.map((_, i) => (badEp && i + 1 === badCluster ? badEp.url : newEp.url));
  return {
    FLEET: fleetPlanVar(fleet.contexts, urls, stableEp.url),
    kubeconfig: fleet.deployerKubeconfig,
    hacDir: freshHacCheckout(repoRoot),
    endpoints: badEp ? [badEp] : [],
  };
}
