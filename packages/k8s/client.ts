// A small typed client over a Transport: get/list/apply/patch/delete/watch with retries on
// transient errors (request.ts), server-side apply with field manager `hac`, and 403s mapped to
// errors naming the missing permission.
import { accessFromForbidden, isNotFound, type Access } from './errors.js';
import type { KubeObject } from './objects.js';
import {
  apiBase,
  fromDiscovery,
  groupOf,
  knownResource,
  resourcePath,
  type ResourceInfo,
} from './resources.js';
import type { HttpRequest, Method, Query, Transport } from './transport.js';
import type { Endpoint } from './contact.js';
import { sendWithRetry, type RequestContext, type RequestPolicy } from './request.js';
import { watchStream, type WatchEnd, type WatchEventType, type WatchOptions } from './watch.js';

export const FIELD_MANAGER = 'hac';
export { accessFromForbidden };

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface ClientOptions extends RequestPolicy {
  /** The default namespace for namespaced objects that do not name one. */
  namespace: string;
  signal?: AbortSignal;
  fieldManager?: string;
  /** The endpoint (server, context) for errors; shared by clients made with withSignal. */
  endpoint?: Endpoint;
}

export interface WriteOptions {
  dryRun?: boolean;
}

/** One RFC 6902 operation (paths are JSON pointers: `~1` stands for `/` in a key, see jsonPointer). */
export type JsonPatchOp =
  { op: 'add' | 'replace' | 'test'; path: string; value: unknown } | { op: 'remove'; path: string };

/** The JSON pointer of a path of keys (RFC 6901). */
export function jsonPointer(...keys: string[]): string {
  return keys.map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export interface ListResult<T> {
  items: T[];
  resourceVersion: string;
}

export type { WatchEnd, WatchEventType, WatchOptions } from './watch.js';

const VERBS: Record<Method, string> = {
  GET: 'get',
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};
export class KubeClient {
  readonly namespace: string;
  readonly signal: AbortSignal | undefined;
  readonly endpoint: Endpoint;
  private readonly discovered = new Map<string, Promise<ResourceInfo>>();
  private readonly opts: ClientOptions;

  constructor(
    readonly transport: Transport,
    opts: ClientOptions,
  ) {
    this.endpoint = opts.endpoint ?? { server: transport.server, contacted: false };
    this.opts = { ...opts, endpoint: this.endpoint };
    this.namespace = opts.namespace;
    this.signal = opts.signal;
  }

  /** The same client with another signal (e.g. a fresh one for rollback after cancellation). */
  withSignal(signal: AbortSignal | undefined): KubeClient {
    const c = new KubeClient(this.transport, { ...this.opts, signal });
    for (const [k, v] of this.discovered) c.discovered.set(k, v);
    return c;
  }

  get fieldManager(): string {
    return this.opts.fieldManager ?? FIELD_MANAGER;
  }

  /** Where a kind lives (known table, then discovery). */
  async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const known = knownResource(apiVersion, kind);
    if (known) return known;
    const key = `${apiVersion}/${kind}`;
    let p = this.discovered.get(key);
    if (!p) {
      p = (async () => {
        let list: unknown;
        try {
          list = await this.raw(
            { method: 'GET', path: apiBase(apiVersion) },
            { verb: 'get', resource: apiVersion },
          );
        } catch (err) {
          if (isNotFound(err)) throw new UnknownKindError(apiVersion, kind);
          throw err;
        }
        const info = fromDiscovery(list, kind);
        if (!info) throw new UnknownKindError(apiVersion, kind);
        return info;
      })();
      this.discovered.set(key, p);
      p.catch(() => this.discovered.delete(key));
    }
    return p;
  }

  async path(ref: {
    apiVersion: string;
    kind: string;
    namespace?: string;
    name?: string;
  }): Promise<{ path: string; info: ResourceInfo; namespace?: string }> {
    const info = await this.resource(ref.apiVersion, ref.kind);
    const namespace = info.namespaced ? (ref.namespace ?? this.namespace) : undefined;
    return { path: resourcePath(ref.apiVersion, info, namespace, ref.name), info, namespace };
  }

  /**
   * One request with retries on transient failures; non-2xx answers throw ApiError (403 → permission
   * error). Before the endpoint has first answered, a failure to connect or a non-Kubernetes answer
   * fails at once (contact.ts).
   */
  async raw(req: Omit<HttpRequest, 'signal'>, access: Access): Promise<unknown> {
    return sendWithRetry(this.context(), req, access);
  }

  private context(): RequestContext {
    return { transport: this.transport, endpoint: this.endpoint, signal: this.signal, opts: this.opts };
  }

  private access(
    method: Method,
    ref: { apiVersion: string; name?: string },
    info: ResourceInfo,
    namespace?: string,
    verb?: string,
  ): Access {
    return {
      verb: verb ?? VERBS[method],
      resource: info.plural,
      group: groupOf(ref.apiVersion) || undefined,
      namespace,
      name: ref.name,
    };
  }

  async get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T> {
    const { path, info, namespace } = await this.path(ref);
    return (await this.raw({ method: 'GET', path }, this.access('GET', ref, info, namespace))) as T;
  }

  /** Like get, but undefined when the object does not exist. */
  async find<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.get<T>(ref);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async list<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    opts: { namespace?: string; labelSelector?: string; fieldSelector?: string } = {},
  ): Promise<ListResult<T>> {
    const { path, info, namespace } = await this.path({ apiVersion, kind, namespace: opts.namespace });
    const query: Query = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
    const body = (await this.raw(
      { method: 'GET', path, query },
      this.access('GET', { apiVersion }, info, namespace, 'list'),
    )) as {
      items?: T[];
      metadata?: { resourceVersion?: string };
    };
    return { items: body.items ?? [], resourceVersion: body.metadata?.resourceVersion ?? '' };
  }

  /**
   * Server-side apply (field manager `hac`, conflicts forced as kubectl apply --server-side --force-conflicts).
   * `resourceVersion` is a precondition: the apply fails with 409 when the object has changed since.
   */
  async apply<T extends KubeObject = KubeObject>(
    obj: KubeObject,
    opts: WriteOptions & { force?: boolean; resourceVersion?: string } = {},
  ): Promise<T> {
    const ref = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name as string,
      namespace: obj.metadata.namespace,
    };
    const { path, info, namespace } = await this.path(ref);
    const body = { ...obj, metadata: { ...obj.metadata, ...(info.namespaced ? { namespace } : {}) } };
    delete (body.metadata as Record<string, unknown>).resourceVersion;
    if (opts.resourceVersion) body.metadata.resourceVersion = opts.resourceVersion;
    const query: Query = {
      fieldManager: this.fieldManager,
      force: opts.force ?? true,
      dryRun: opts.dryRun ? 'All' : undefined,
    };
    return (await this.raw(
      { method: 'PATCH', path, query, body, contentType: 'application/apply-patch+yaml' },
      this.access('PATCH', ref, info, namespace),
    )) as T;
  }

  /** A JSON merge patch (RFC 7386); include metadata.resourceVersion in `patch` for optimistic concurrency. */
  async mergePatch<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    patch: unknown,
    opts: WriteOptions = {},
  ): Promise<T> {
    return this.patch<T>(ref, patch, 'application/merge-patch+json', opts);
  }

  /**
   * A JSON patch (RFC 6902): operations applied in order, all or none. Unlike a merge patch it can
   * replace a whole object (`replace` of a pod template) without listing the keys to remove.
   */
  async jsonPatch<T extends KubeObject = KubeObject>(
    ref: ObjectRef,
    ops: JsonPatchOp[],
    opts: WriteOptions = {},
  ): Promise<T> {
    return this.patch<T>(ref, ops, 'application/json-patch+json', opts);
  }

  private async patch<T>(ref: ObjectRef, body: unknown, contentType: string, opts: WriteOptions): Promise<T> {
    const { path, info, namespace } = await this.path(ref);
    const query: Query = { fieldManager: this.fieldManager, dryRun: opts.dryRun ? 'All' : undefined };
    return (await this.raw(
      { method: 'PATCH', path, query, body, contentType },
      this.access('PATCH', ref, info, namespace),
    )) as T;
  }

  async create<T extends KubeObject = KubeObject>(obj: KubeObject, opts: WriteOptions = {}): Promise<T> {
    const ref = { apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace };
    const { path, info, namespace } = await this.path(ref);
    const query: Query = { fieldManager: this.fieldManager, dryRun: opts.dryRun ? 'All' : undefined };
    return (await this.raw(
      { method: 'POST', path, query, body: obj },
      this.access('POST', { ...ref, name: obj.metadata.name }, info, namespace),
    )) as T;
  }

  /** PUT (fails with 409 when metadata.resourceVersion is stale). */
  async replace<T extends KubeObject = KubeObject>(obj: KubeObject, opts: WriteOptions = {}): Promise<T> {
    const ref = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name as string,
      namespace: obj.metadata.namespace,
    };
    const { path, info, namespace } = await this.path(ref);
    const query: Query = { fieldManager: this.fieldManager, dryRun: opts.dryRun ? 'All' : undefined };
    return (await this.raw(
      { method: 'PUT', path, query, body: obj },
      this.access('PUT', ref, info, namespace),
    )) as T;
  }

  /** Deletes an object; false when it did not exist. */
  async delete(
    ref: ObjectRef,
    opts: WriteOptions & {
      propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
      resourceVersion?: string;
    } = {},
  ): Promise<boolean> {
    const { path, info, namespace } = await this.path(ref);
    const body: Record<string, unknown> = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: opts.propagationPolicy ?? 'Background',
    };
    if (opts.dryRun) body.dryRun = ['All'];
    if (opts.resourceVersion) body.preconditions = { resourceVersion: opts.resourceVersion };
    try {
      await this.raw({ method: 'DELETE', path, body }, this.access('DELETE', ref, info, namespace));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Watches a collection (optionally one object by name) and calls `onEvent` for every event
   * until it returns true ('done'), the server closes the stream ('closed') or the resourceVersion
   * is too old ('gone'). Errors other than 410 throw; the signal aborts it.
   */
  async watch<T extends KubeObject = KubeObject>(
    apiVersion: string,
    kind: string,
    opts: WatchOptions,
    onEvent: (type: WatchEventType, obj: T) => boolean | void,
  ): Promise<WatchEnd> {
    const { path, info, namespace } = await this.path({ apiVersion, kind, namespace: opts.namespace });
    const access = this.access('GET', { apiVersion }, info, namespace, 'watch');
    return watchStream(this.context(), path, opts, access, onEvent);
  }

  /** POST a body to a path (e.g. SelfSubjectRulesReview). */
  async post<T = unknown>(path: string, body: unknown, access: Access): Promise<T> {
    return (await this.raw({ method: 'POST', path, body }, access)) as T;
  }
}

export class UnknownKindError extends Error {
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(`the cluster does not serve kind ${kind} in ${apiVersion} (is its CRD installed?)`);
    this.name = 'UnknownKindError';
  }
}
