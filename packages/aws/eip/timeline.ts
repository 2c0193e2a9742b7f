import { systemClock, type Clock } from '@hac/toolkit';

export type StepStatus = 'ok' | 'failed' | 'skipped' | 'info';

export interface TimelineEntry {
  /** Milliseconds since the swap started. */
  atMs: number;
  step: string;
  status: StepStatus;
  detail: string;
}

/** What happened when, for the log and the job summary. */
export class Timeline {
  readonly entries: TimelineEntry[] = [];
  private readonly start: number;
  constructor(
    private readonly clock: Clock = systemClock,
    private readonly log: (line: string) => void = () => undefined,
  ) {
    this.start = clock();
  }

  add(step: string, status: StepStatus, detail: string): void {
    this.entries.push({ atMs: this.clock() - this.start, step, status, detail });
    const mark = { ok: '✓', failed: '✗', skipped: '-', info: '•' }[status];
    this.log(`${mark} ${step}: ${detail}`);
  }
}
