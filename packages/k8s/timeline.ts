// A timeline of what a run did (for the job summary): steps with durations and results.
import { formatDuration, systemClock, type Clock } from '@hac/toolkit';

export interface TimelineEntry {
  at: number;
  step: string;
  result: 'ok' | 'failed' | 'skipped' | 'info';
  detail?: string;
  durationMs?: number;
}

export class Timeline {
  readonly entries: TimelineEntry[] = [];
  readonly start: number;
  constructor(
    private readonly clock: Clock = systemClock,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.start = clock();
  }

  add(step: string, result: TimelineEntry['result'], detail?: string, durationMs?: number): void {
    const e: TimelineEntry = {
      at: this.clock() - this.start,
      step,
      result,
      ...(detail ? { detail } : {}),
      ...(durationMs !== undefined ? { durationMs } : {}),
    };
    this.entries.push(e);
    this.log(`[${formatDuration(e.at)}] ${step}: ${result}${detail ? ` (${detail})` : ''}`);
  }

  /** Runs fn as a step; records ok/failed and its duration. `describe` turns the result into detail text. */
  async step<T>(step: string, fn: () => Promise<T>, describe?: (v: T) => string | undefined): Promise<T> {
    const t0 = this.clock();
    try {
      const v = await fn();
      this.add(step, 'ok', describe?.(v), this.clock() - t0);
      return v;
    } catch (err) {
      this.add(step, 'failed', (err as Error).message?.split('\n')[0], this.clock() - t0);
      throw err;
    }
  }

  rows(): string[][] {
    return this.entries.map((e) => [
      `+${formatDuration(e.at)}`,
      e.step,
      e.result,
      e.durationMs !== undefined ? formatDuration(e.durationMs) : '',
      e.detail ?? '',
    ]);
  }
}
