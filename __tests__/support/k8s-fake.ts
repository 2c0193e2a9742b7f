// A fake Transport for unit tests: an in-memory object store keyed by REST path, with
// resourceVersions, 404/409 answers, scripted failures and a request log.
import type { HttpRequest, HttpResponse, Transport } from '../../packages/k8s/transport.js';

export interface FakeApi extends Transport {
  objects: Map<string, any>;
  log: string[];
  /** Failures to return, in order, before handling requests normally. */
  failures: (Error | HttpResponse)[];
  handlers: ((req: HttpRequest) => HttpResponse | undefined)[];
}

export function fakeApi(): FakeApi {
  let rv = 100;
  const objects = new Map<string, any>();
  const api: FakeApi = {
    server: 'https://fake',
    objects,
    log: [],
    failures: [],
    handlers: [],
    async request(req) {
      api.log.push(`${req.method} ${req.path}${req.query?.dryRun ? ' (dry run)' : ''}`);
      const f = api.failures.shift();
      if (f instanceof Error) throw f;
      if (f) return f;
      for (const h of api.handlers) {
        const r = h(req);
        if (r) return r;
      }
      const body = req.body as any;
      const existing = objects.get(req.path);
      const notFound = {
        status: 404,
        body: { kind: 'Status', code: 404, reason: 'NotFound', message: `${req.path} not found` },
      };
      switch (req.method) {
        case 'GET':
          return existing ? { status: 200, body: structuredClone(existing) } : notFound;
        case 'POST': {
          const path = `${req.path}/${body.metadata.name}`;
          if (objects.has(path))
            return { status: 409, body: { code: 409, reason: 'AlreadyExists', message: 'exists' } };
          const o = { ...body, metadata: { ...body.metadata, resourceVersion: String(++rv) } };
          if (!req.query?.dryRun) objects.set(path, o);
          return { status: 201, body: o };
        }
        case 'PUT': {
          if (!existing) return notFound;
          if (
            body.metadata.resourceVersion &&
            body.metadata.resourceVersion !== existing.metadata.resourceVersion
          ) {
            return {
              status: 409,
              body: { code: 409, reason: 'Conflict', message: 'the object has been modified' },
            };
          }
          const o = { ...body, metadata: { ...body.metadata, resourceVersion: String(++rv) } };
          objects.set(req.path, o);
          return { status: 200, body: o };
        }
        case 'PATCH': {
          if (req.contentType === 'application/json-patch+json') {
            if (!existing) return notFound;
            const patched = applyJsonPatch(existing, body);
            if (!patched)
              return { status: 422, body: { code: 422, reason: 'Invalid', message: 'the test failed' } };
            const o = { ...patched, metadata: { ...patched.metadata, resourceVersion: String(++rv) } };
            if (!req.query?.dryRun) objects.set(req.path, o);
            return { status: 200, body: o };
          }
          const o = {
            ...(existing ?? {}),
            ...body,
            metadata: {
              ...(existing?.metadata ?? {}),
              ...(body.metadata ?? {}),
              resourceVersion: String(++rv),
            },
          };
          if (!req.query?.dryRun) objects.set(req.path, o);
          return { status: 200, body: o };
        }
        case 'DELETE':
          if (!existing) return notFound;
          if (!body?.dryRun) objects.delete(req.path);
          return { status: 200, body: {} };
      }
    },
    async stream() {
      return { status: 200, body: undefined };
    },
  };
  return api;
}

/** RFC 6902 on a copy of `doc` (add, replace, remove, test; plain keys): undefined when a test fails. */
function applyJsonPatch(doc: any, ops: { op: string; path: string; value?: unknown }[]): any {
  const out = structuredClone(doc);
  for (const { op, path, value } of ops) {
    const keys = path
      .split('/')
      .slice(1)
      .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = keys.pop() as string;
    let parent = out;
    for (const k of keys) parent = parent?.[k];
    if (parent === undefined || parent === null) return undefined;
    if (op === 'test' && JSON.stringify(parent[last]) !== JSON.stringify(value)) return undefined;
    if (op === 'add' || op === 'replace') parent[last] = structuredClone(value);
    if (op === 'remove') delete parent[last];
  }
  return out;
}

/** A manual clock and a sleep that advances it (no real waiting). */
export function fakeTime(start = Date.parse('2024-01-01T00:00:00Z')) {
  const t = { now: start, slept: [] as number[] };
  return {
    t,
    clock: () => t.now,
    sleep: async (ms: number) => {
      t.slept.push(ms);
      t.now += ms;
    },
  };
}
