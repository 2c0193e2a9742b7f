// A watch stream: events go to a handler until it returns true ('done'), the server closes the
// stream ('closed') or the resourceVersion is too old ('gone'). Errors other than 410 throw, a 403
// names the missing permission, and the client's signal aborts the stream.
import { throwIfAborted } from '@hac/toolkit';
import { ApiError, accessFromForbidden, permissionError, type Access, type StatusBody } from './errors.js';
import { checkAnswer, type RequestContext } from './request.js';
import type { Query } from './transport.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** Why a watch ended: the handler said done, the server closed the stream, or the version is too old. */
export type WatchEnd = 'done' | 'closed' | 'gone';

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  timeoutSeconds?: number;
}

function watchQuery(opts: WatchOptions): Query {
  return {
    watch: 'true',
    allowWatchBookmarks: 'true',
    labelSelector: opts.labelSelector,
    fieldSelector: opts.fieldSelector,
    resourceVersion: opts.resourceVersion,
    timeoutSeconds: opts.timeoutSeconds ?? 290,
  };
}

/** The status of a finished watch request, as an end or an error. */
function endOf(status: number, body: unknown, path: string, access: Access, end: WatchEnd): WatchEnd {
  if (status === 410) return 'gone';
  if (status === 200) return end;
  const err = new ApiError(status, 'GET', path, body as StatusBody);
  if (status === 403) throw permissionError(accessFromForbidden(err, access), err.detail);
  throw err;
}

export async function watchStream<T>(
  ctx: RequestContext,
  path: string,
  opts: WatchOptions,
  access: Access,
  onEvent: (type: WatchEventType, obj: T) => boolean | void,
): Promise<WatchEnd> {
  throwIfAborted(ctx.signal);
  let end: WatchEnd | undefined;
  // Returning true ends the stream without an abort (see readJsonLines); a transport that keeps
  // calling after that is ignored.
  const onLine = (line: unknown): boolean => {
    if (end) return true;
    ctx.endpoint.contacted = true;
    const ev = line as { type?: WatchEventType; object?: unknown };
    if (ev.type === 'ERROR') end = (ev.object as StatusBody)?.code === 410 ? 'gone' : 'closed';
    else if (ev.type && ev.object && onEvent(ev.type, ev.object as T) === true) end = 'done';
    return end !== undefined;
  };
  try {
    const req = { method: 'GET' as const, path, query: watchQuery(opts), signal: ctx.signal };
    const res = await ctx.transport.stream(req, onLine);
    checkAnswer(ctx.endpoint, res, `WATCH ${path}`);
    return endOf(res.status, res.body, path, access, end ?? 'closed');
  } catch (err) {
    if (ctx.signal?.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : err;
    throw err;
  }
}
