// Packages loaded on their first use. Evaluating a package such as yaml costs every step's cold
// start (a third of a bare Node start for yaml), and a step that fails at validation, or reads no
// YAML, never needs it. In the bundles the package is still inside the bundle: the bundler turns
// the `require('name')` written at the call site into its own loader, which evaluates the module
// only when called. From the sources (the tests, as ES modules) there is no `require`, and Node's
// own loads the package from node_modules.
import { createRequire } from 'node:module';

/**
 * `name` on first use: `bundled` is `() => require('name')`, written out where the package is used
 * so that the bundler sees it. The module is loaded once.
 */
export function onFirstUse<T>(name: string, bundled: () => unknown): () => T {
  let loaded: T | undefined;
  return () => {
    loaded ??= (typeof require === 'function' ? bundled() : createRequire(import.meta.url)(name)) as T;
    return loaded;
  };
}
