// @hac/k8s: the Kubernetes engines of k8s-bluegreen and k8s-canary, as the actions use them. Cluster
// access, manifests, server-side apply, preflight, rollout waits, the Lease lock, recorded state
// and gates live inside; tests reach them by path.
export { bluegreenMain } from './bluegreen/entry.js';
export { bluegreenPost } from './bluegreen/post-entry.js';
export { canaryMain } from './canary/entry.js';
export { canaryPost } from './canary/post-entry.js';
