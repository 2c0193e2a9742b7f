// The k8s-bluegreen post step (actions/k8s-bluegreen/post.ts): the restore is imported inside run,
// so a post step with nothing to do loads neither the cluster client nor the inputs' code.
import type { Engine, StateStore } from '@hac/toolkit';
import type { PostResult } from './post.js';

/** The post step: restores what main left unfinished, releases its Lease (see runBlueGreenPost). */
export const bluegreenPost: Engine<StateStore, PostResult> = {
  name: 'k8s-bluegreen-post',
  read: (deps) => deps.state,
  run: async (store, deps) =>
    (await import('./post.js')).runBlueGreenPost(store, {
      log: (line) => deps.log.info(line),
      warn: (message, props) => deps.log.warning(message, props),
      // Read only when post has work: the runner's signal installs handlers.
      get signal() {
        return deps.signal;
      },
      clock: deps.clock,
    }),
  report: () => undefined,
};
