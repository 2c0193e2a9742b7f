// What the docker-build-push engine builds: the typed request that reading and resolving the
// inputs produce, and the option list both builders' argument builders take from it.
import type { CacheSpec } from './forms.js';
import type { CompatRequest } from './compat.js';
import type { RegistryLogin } from './registries.js';

export type EngineChoice = 'docker' | 'buildah' | 'auto';
export type Engine = Exclude<EngineChoice, 'auto'>;

export interface BuildRequest extends CompatRequest {
  engine: EngineChoice;
  context: string;
  file: string;
  /** Full references to tag and push, repository lowercased, in order (first = primary). */
  refs: string[];
  /** Distinct repositories of `refs`, in order. */
  repositories: string[];
  version: string;
  tagSource: string;
  labels: Record<string, string>;
  push: boolean;
  load: boolean;
  buildArgs: { name: string; value: string }[];
  target?: string;
  platforms: string[];
  cacheFrom: CacheSpec[];
  cacheTo: CacheSpec[];
  /** Secret values: passed to the builder through its environment, never argv. */
  secrets: { id: string; value: string }[];
  secretEnvs: { id: string; env: string }[];
  provenance?: string;
  sbom?: string;
  noCache: boolean;
  pull: boolean;
  builder?: string;
  logins: RegistryLogin[];
  insecureRegistries: string[];
  tlsVerify: boolean;
  pushRetries: number;
  retryDelayMs: number;
  logout: boolean;
  /** Things worth telling the user (e.g. a repository that was lowercased). */
  notes: string[];
}

/** The build options docker buildx and buildah both take (each adds its own on top). */
export type BuildOptions = Pick<
  BuildRequest,
  | 'context'
  | 'file'
  | 'refs'
  | 'buildArgs'
  | 'labels'
  | 'target'
  | 'platforms'
  | 'cacheFrom'
  | 'cacheTo'
  | 'secrets'
  | 'secretEnvs'
  | 'noCache'
  | 'pull'
  | 'network'
  | 'buildContexts'
  | 'secretFiles'
  | 'ssh'
  | 'outputs'
  | 'annotations'
>;
