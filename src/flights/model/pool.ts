// Runs async jobs with at most `concurrency` in flight; a job's failure is reported, never
// thrown, so one unreachable replica cannot stop the rest of a tick.

export async function runBounded<T>(items: readonly T[], options: {
  concurrency: number;
  job: (item: T) => Promise<void>;
  onError: (item: T, error: unknown) => void;
}): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await options.job(item);
      } catch (error) {
        options.onError(item, error);
      }
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(options.concurrency), items.length));
  await Promise.all(Array.from({ length: workers }, worker));
}

/** Logs a recurring problem at most once per interval, with how often it happened meanwhile. */
export class RateLimitedLog {
  private lastAtMs = -Infinity;
  private suppressed = 0;

  constructor(private readonly intervalMs: number, private readonly write: (message: string) => void) {}

  report(nowMs: number, message: string): void {
    if (nowMs - this.lastAtMs < this.intervalMs) {
      this.suppressed++;
      return;
    }
    const extra = this.suppressed > 0 ? ` (and ${this.suppressed} similar since)` : '';
    this.lastAtMs = nowMs;
    this.suppressed = 0;
    this.write(message + extra);
  }
}
