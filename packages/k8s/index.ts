// @hac/k8s: the Kubernetes engines of k8s-bluegreen and k8s-canary, as the actions use them. Cluster
// access, manifests, server-side apply, preflight, rollout waits, the Lease lock, recorded state
// and gates live inside; tests reach them by path.
export { bluegreenMain, bluegreenPost } from './bluegreen/entry.js';
export { canaryMain, canaryPost } from './canary/entry.js';
