// Inputs shared by the Kubernetes actions, and the cross-input rules. Each action spreads
// `commonInputs` into its own spec and calls `validateCommon` from its validate hook.
import { input, parseYamlBounded, workspaceInputs, type Problems } from '@hac/toolkit';
import { isImageRef } from './images.js';
import { validateChecksText } from './gates.js';

/** RFC 1123 label, short enough that hac-<app>-state and <app>-preview stay valid names. */
export const APP_NAME = /^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/;
export const APP_FORM =
  'a lower-case DNS label of at most 42 characters (letters, digits and -, starting with a letter)';
export const NAMESPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const imageField = input.map(
  input.string({ required: true }),
  (v) => {
    if (!isImageRef(v)) throw new Error('bad image');
    return v;
  },
  'an image reference such as registry.example.com/app:1.2.3 or app@sha256:<digest>',
);

/** A YAML list of smoke-test checks (validated with @hac/probe's parser); undefined when empty. */
export function checksField() {
  return input.map(
    input.string({ trim: false }),
    (v) => {
      validateChecksText(v);
      return v.trim() === '' ? undefined : v;
    },
    'a YAML list of checks, each a map with url and optionally expect-status, contains, regex, json, max-latency, timeout',
  );
}

const urlItem = input.string({
  pattern: /^https?:\/\/[^\s@]+$/,
  expected: 'an http:// or https:// URL without credentials',
});

/** A list of URLs a gate GETs (expecting 2xx). */
export function urlsField() {
  return input.list({
    item: urlItem,
    expected: 'a list of http:// or https:// URLs without credentials (commas or newlines)',
  });
}

export const commonInputs = {
  kubeconfig: input.string({
    secret: true,
    trim: false,
    expected: 'the text of a kubeconfig file (YAML with clusters, users and contexts)',
  }),
  context: input.string({ pattern: /^[^\s]+$/, expected: 'the name of a context in the kubeconfig' }),
  namespace: input.string({ pattern: NAMESPACE_NAME, expected: 'a namespace name (lower-case DNS label)' }),
  manifests: input.list({ expected: 'file paths or globs of YAML manifests (commas or newlines)' }),
  images: input.list({
    item: imageField,
    expected: 'a list of image references such as registry/app:v2 (commas or newlines)',
  }),
  app: input.string({ pattern: APP_NAME, expected: APP_FORM }),
  image: input.optional(imageField),
  replicas: input.optional(input.integer({ min: 1, max: 1000 })),
  port: input.integer({ min: 1, max: 65535, default: 8080 }),
  'dry-run': input.boolean(false),
  timeout: input.duration({ default: '10m', min: '1s', max: '6h' }),
  'request-timeout': input.duration({ default: '30s', min: '1s', max: '10m' }),
  'lock-timeout': input.duration({ default: '5m', max: '6h' }),
  'run-id': input.string({
    pattern: /^[A-Za-z0-9][-A-Za-z0-9_.:]{0,62}$/,
    expected: 'letters, digits, -, _, . or : (at most 63 characters)',
  }),
  'gate-wait': input.duration({ default: '30s', max: '1h' }),
  'gate-interval': input.duration({ default: '1s', min: '10ms', max: '5m' }),
  'gate-consecutive': input.integer({ min: 1, max: 100, default: 1 }),
  ...workspaceInputs,
};

export interface CommonValues {
  kubeconfig: string;
  context: string;
  namespace: string;
  manifests: string[];
  images: string[];
  app: string;
  image: string | undefined;
  replicas: number | undefined;
  port: number;
  'dry-run': boolean;
  timeout: number;
  'lock-timeout': number;
  'run-id': string;
}

/**
 * Cross-input rules. `needsWorkload` is false for actions that act on recorded state only
 * (promote, abort, rollback): they need just app.
 */
export function validateCommon(
  v: CommonValues,
  problems: Problems,
  failed: ReadonlySet<string>,
  needsWorkload: boolean,
): void {
  if (v.kubeconfig.trim() !== '' && !failed.has('kubeconfig') && !looksLikeKubeconfig(v.kubeconfig)) {
    problems.add(
      'kubeconfig',
      '***',
      'the text of a kubeconfig file (YAML with clusters, users and contexts)',
    );
  }
  if (!needsWorkload) {
    if (v.app === '' && !failed.has('app'))
      problems.add('app', '', `${APP_FORM} (required to find the recorded state)`);
    return;
  }
  const hasManifests = v.manifests.length > 0;
  if (hasManifests && v.image !== undefined) {
    problems.add(
      'image',
      v.image,
      'empty when manifests are given (use images to substitute images in manifests)',
    );
  }
  if (!hasManifests && !failed.has('manifests')) {
    if (v.image === undefined && !failed.has('image'))
      problems.add('image', '', 'an image reference (or give manifests instead)');
    if (v.app === '' && !failed.has('app')) problems.add('app', '', `${APP_FORM} (required with image)`);
    if (v.images.length > 0)
      problems.add(
        'images',
        v.images.join(', '),
        'empty unless manifests are given (use image for the simple form)',
      );
  }
}

/** Whether text parses as YAML/JSON with a clusters list (a kubeconfig). */
export function looksLikeKubeconfig(text: string): boolean {
  try {
    const doc = parseYamlBounded(text) as { clusters?: unknown };
    return typeof doc === 'object' && doc !== null && Array.isArray(doc.clusters);
  } catch {
    return false;
  }
}

/** The default run id: the workflow run, attempt and job. */
export function defaultRunId(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GITHUB_RUN_ID) return `${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`;
  return `local-${Date.now().toString(36)}-${process.pid}`;
}
