// The action's inputs: names in one place and the spec each raw input is parsed with.
import { ALLOW_OUTSIDE_WORKSPACE, input, workspaceInputs, type Values } from '@hac/toolkit';
import { TAG_RULES_EXPECTED } from './tag-rules.js';
import { compatSpec } from './compat.js';
import { REGISTRIES_FORM } from './registries.js';

export const Inputs = {
  engine: 'engine',
  context: 'context',
  file: 'file',
  images: 'images',
  tags: 'tags',
  autoTags: 'auto-tags',
  tagRules: 'tag-rules',
  shaTags: 'sha-tags',
  latest: 'latest',
  push: 'push',
  load: 'load',
  buildArgs: 'build-args',
  target: 'target',
  platforms: 'platforms',
  cacheFrom: 'cache-from',
  cacheTo: 'cache-to',
  labels: 'labels',
  secrets: 'secrets',
  secretEnvs: 'secret-envs',
  provenance: 'provenance',
  sbom: 'sbom',
  noCache: 'no-cache',
  pull: 'pull',
  builder: 'builder',
  registries: 'registries',
  registry: 'registry',
  username: 'username',
  password: 'password',
  insecureRegistries: 'insecure-registries',
  tlsVerify: 'tls-verify',
  pushRetries: 'push-retries',
  retryDelay: 'retry-delay',
  logout: 'logout',
  allowOutsideWorkspace: ALLOW_OUTSIDE_WORKSPACE,
} as const;

const lines = () => input.list({ newlineOnly: true });

export const spec = {
  [Inputs.engine]: input.oneOf(['auto', 'docker', 'buildah'] as const, 'auto'),
  [Inputs.context]: input.string({ default: '.' }),
  [Inputs.file]: input.string(),
  [Inputs.images]: input.list(),
  [Inputs.tags]: input.list(),
  [Inputs.autoTags]: input.boolean(true),
  [Inputs.tagRules]: input.string({ trim: false, expected: TAG_RULES_EXPECTED }),
  [Inputs.shaTags]: input.boolean(true),
  [Inputs.latest]: input.oneOf(['auto', 'true', 'false'] as const, 'auto'),
  [Inputs.push]: input.boolean(false),
  [Inputs.load]: input.boolean(false),
  [Inputs.buildArgs]: lines(),
  [Inputs.target]: input.string({
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    expected: 'a stage name of letters, digits, ".", "_" and "-"',
  }),
  [Inputs.platforms]: input.list(),
  [Inputs.cacheFrom]: lines(),
  [Inputs.cacheTo]: lines(),
  [Inputs.labels]: lines(),
  [Inputs.secrets]: { ...lines(), secret: true },
  [Inputs.secretEnvs]: lines(),
  [Inputs.provenance]: input.string({
    pattern: /^(true|false|mode=(min|max)(,[a-z-]+=[^,]*)*|builder-id=.+)$/,
    expected: 'true, false or mode=min|max[,...]',
  }),
  [Inputs.sbom]: input.string({
    pattern: /^(true|false|generator=.+)$/,
    expected: 'true, false or generator=<image>',
  }),
  [Inputs.noCache]: input.boolean(false),
  [Inputs.pull]: input.boolean(false),
  [Inputs.builder]: input.string({
    pattern: /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
    expected: 'a buildx builder name',
  }),
  [Inputs.registries]: { ...input.structured({ expected: REGISTRIES_FORM }), secret: true },
  [Inputs.registry]: input.string(),
  [Inputs.username]: input.string({
    pattern: /^[^\p{Cc}\s]+$/u,
    expected: 'a user name without spaces or control characters',
  }),
  [Inputs.password]: input.credential({ expected: 'a registry password or token' }),
  [Inputs.insecureRegistries]: input.list(),
  [Inputs.tlsVerify]: input.boolean(true),
  [Inputs.pushRetries]: input.integer({ min: 0, max: 20, default: 4 }),
  [Inputs.retryDelay]: input.duration({ default: '2s', max: '5m' }),
  [Inputs.logout]: input.boolean(true),
  ...workspaceInputs,
  ...compatSpec,
};

/** The inputs, each parsed on its own. */
export type ImageValues = Values<typeof spec>;
