// Per-pod generated series for canary-analysis tests: watches a namespace's pods and gives each
// canary or baseline pod (by its hac.dev/role label) a series on the sandbox exporter, named and
// labelled after the pod, that Prometheus scrapes.
import { expect } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run$ = promisify(execFile);

export type Dist = Record<string, unknown>;
export const normal = (mean: number, sd: number): Dist => ({ kind: 'normal', mean, sd });

export interface PodSeriesEnv {
  kubectl: string;
  kubeconfig: string;
  exporterUrl: string;
  metric: string;
}

/**
 * fetch for the sandbox's exporter and Prometheus (idempotent calls), tried once more when the
 * connection closed before any response: a kept-alive connection the server closed meanwhile.
 */
export async function sandboxFetch(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (!(err instanceof TypeError) || !/UND_ERR_SOCKET|ECONNRESET|EPIPE/.test(cause?.code ?? '')) throw err;
    return fetch(url, init);
  }
}

/** One call to the exporter's API; anything but 200 fails the test. */
export async function exporterCall(
  exporterUrl: string,
  method: string,
  route: string,
  body?: unknown,
): Promise<void> {
  const res = await sandboxFetch(`${exporterUrl}${route}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect({ route, status: res.status }).toEqual({ route, status: 200 });
}

/**
 * Watches the namespace's pods; each canary or baseline pod (by its hac.dev/role label) gets a
 * generated series with its name, role and version. `dists` may change mid-run (`redraw`).
 */
export class Poller {
  readonly seen = new Map<string, Record<string, string>>();
  private timer?: NodeJS.Timeout;
  private busy = false;
  constructor(
    private readonly env: PodSeriesEnv,
    private readonly namespace: string,
    readonly dists: { canary: Dist; baseline: Dist; extra?: { name: string; canary: Dist; baseline: Dist } },
  ) {}
  private exporter(method: string, route: string, body?: unknown): Promise<void> {
    return exporterCall(this.env.exporterUrl, method, route, body);
  }
  start(): this {
    this.timer = setInterval(() => void this.tick(), 400);
    return this;
  }
  stop(): void {
    clearInterval(this.timer);
  }
  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const { stdout } = await run$(this.env.kubectl, [
        '--kubeconfig',
        this.env.kubeconfig,
        '-n',
        this.namespace,
        'get',
        'pods',
        '-o',
        'json',
      ]);
      const pods = JSON.parse(stdout).items as {
        metadata: { name: string; labels: Record<string, string> };
      }[];
      for (const p of pods) {
        if (this.seen.has(p.metadata.name)) continue;
        this.seen.set(p.metadata.name, p.metadata.labels);
        if (p.metadata.labels['hac.dev/role']) await this.series(p.metadata.name, p.metadata.labels);
      }
    } catch {
      // the namespace is going away at the end of a test
    } finally {
      this.busy = false;
    }
  }
  private async series(pod: string, labels: Record<string, string>): Promise<void> {
    const role = labels['hac.dev/role'] as 'canary' | 'baseline';
    const base = { ns: this.namespace, pod, role, app: 'web', version: labels.version ?? '' };
    await this.exporter('PUT', '/series', {
      name: this.env.metric,
      labels: base,
      distribution: this.dists[role],
    });
    const x = this.dists.extra;
    if (x) await this.exporter('PUT', '/series', { name: x.name, labels: base, distribution: x[role] });
  }
  /** Draws every series of `name` from new distributions from now on. */
  async redraw(name: string, dists: { canary: Dist; baseline: Dist }): Promise<void> {
    for (const [pod, labels] of this.seen) {
      const role = labels['hac.dev/role'] as 'canary' | 'baseline' | undefined;
      if (!role) continue;
      const base = { ns: this.namespace, pod, role, app: 'web', version: labels.version ?? '' };
      await this.exporter('PUT', '/series', { name, labels: base, distribution: dists[role] });
    }
  }
  rolesSeen(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const labels of this.seen.values()) {
      const role = labels['hac.dev/role'] ?? 'stable';
      (out[role] ??= []).push(labels.version ?? '');
    }
    return out;
  }
}
