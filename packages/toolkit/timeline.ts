// A timeline of what a run did, for the log and the job summary: steps, when they happened
// (relative to the start of the run), their result, detail text and, for timed steps, duration.
import { systemClock, type Clock } from './cancel.js';
import { formatDuration } from './duration.js';

export type StepResult = 'ok' | 'failed' | 'skipped' | 'info';

export interface TimelineEntry {
  /** Milliseconds since the timeline started. */
  at: number;
  step: string;
  result: StepResult;
  detail?: string;
  /** How long a step run through `Timeline.step` took. */
  durationMs?: number;
}

/** One-character marks for summaries and logs that show results as symbols. */
export const RESULT_MARKS: Readonly<Record<StepResult, string>> = {
  ok: '✓',
  failed: '✗',
  skipped: '–',
  info: '•',
};

/** How an entry is written to the log. */
export type TimelineLine = (entry: TimelineEntry) => string;

/** `[1.5s] deploy green: ok (detail)`: the time since the start, the step and its result. */
export const clockLine: TimelineLine = (e) =>
  `[${formatDuration(e.at)}] ${e.step}: ${e.result}${e.detail ? ` (${e.detail})` : ''}`;

/** `✓ lock: detail`: the result as a mark, then the step and its detail. */
export const markLine: TimelineLine = (e) => `${RESULT_MARKS[e.result]} ${e.step}: ${e.detail ?? ''}`;

export class Timeline {
  readonly entries: TimelineEntry[] = [];
  readonly start: number;
  constructor(
    private readonly clock: Clock = systemClock,
    private readonly log: (line: string) => void = () => {},
    private readonly line: TimelineLine = clockLine,
  ) {
    this.start = clock();
  }

  add(step: string, result: StepResult, detail?: string, durationMs?: number): void {
    const e: TimelineEntry = {
      at: this.clock() - this.start,
      step,
      result,
      ...(detail ? { detail } : {}),
      ...(durationMs !== undefined ? { durationMs } : {}),
    };
    this.entries.push(e);
    this.log(this.line(e));
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

  /** Summary table rows: at, step, result, took, detail. */
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
