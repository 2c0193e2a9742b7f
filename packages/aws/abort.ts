// Cancellation for every SDK call: a view of a client whose every send carries an abort signal,
// so that waiters, helpers and retries all end when the job is cancelled (or a cleanup deadline passes).
/** Any SDK v3 client (EC2, SSM). */
export interface SendingClient {
  send: (command: never) => Promise<unknown>;
}

type Send = (command: unknown, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;

/** `client`, with `signal` added to every send (combined with a signal the caller passes). */
export function withAbort<C extends SendingClient>(client: C, signal: AbortSignal | undefined): C {
  if (!signal) return client;
  const send = (client.send as unknown as Send).bind(client);
  const view = Object.create(client) as C;
  (view as unknown as { send: Send }).send = (command, options) =>
    send(command, {
      ...options,
      abortSignal: options?.abortSignal ? AbortSignal.any([signal, options.abortSignal]) : signal,
    });
  return view;
}
