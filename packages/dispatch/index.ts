// @hac/dispatch: the root action's dispatcher (choose an action, forward its inputs, run its bundle).
export { runBundle } from './child.js';
export { planDispatch } from './dispatch.js';
export { type Manifest } from './manifest.js';
