// Pacing of background storage work (flushes, compactions): it runs on the event loop that
// serves requests, so it gives the loop back between bounded slices of work, and compaction
// keeps to a write rate (Cassandra's compaction_throughput) so that it never starves requests.
// Time and sleeping come from the injected Clock, so the simulation stays deterministic.

import { assert } from '../common/assert.js';
import type { Clock } from '../common/world.js';

/** Longest synchronous run of background work before it yields to the event loop. */
export const backgroundSliceMsDefault = 1;

export interface PacerOptions {
  /** Yield once a slice has run this long (ms). */
  sliceMs?: number;
  /** Bytes per second the work may produce; 0 means unthrottled. */
  bytesPerSecond?: number;
}

/**
 * Called between units of work. `pause` answers null when work may go on at once (no promise
 * on the common path), or a promise that resolves after the event loop ran other work: at
 * once for a slice that ran out, or later when the work is ahead of its rate.
 */
export class Pacer {
  private readonly sliceMs: number;
  private readonly bytesPerSecond: number;
  private readonly startedMs: number;
  private sliceStartedMs: number;
  /** Times the work yielded (tests, logs). */
  yields = 0;
  /** The most the work has said it produced (nodetool compactionstats' progress). */
  doneBytes = 0;

  constructor(
    private readonly clock: Clock,
    options: PacerOptions = {},
  ) {
    this.sliceMs = options.sliceMs ?? backgroundSliceMsDefault;
    this.bytesPerSecond = options.bytesPerSecond ?? 0;
    assert(this.sliceMs > 0 && this.bytesPerSecond >= 0, 'bad pacing options');
    this.startedMs = clock.monotonicMs();
    this.sliceStartedMs = this.startedMs;
  }

  /** `doneBytes`: what the work has produced so far (for the rate). */
  pause(doneBytes = 0): Promise<void> | null {
    if (doneBytes > this.doneBytes) this.doneBytes = doneBytes;
    const now = this.clock.monotonicMs();
    let waitMs = 0;
    if (this.bytesPerSecond > 0) waitMs = this.startedMs + (doneBytes * 1000) / this.bytesPerSecond - now;
    if (waitMs < 1 && now - this.sliceStartedMs < this.sliceMs) return null;
    this.yields++;
    const resume = waitMs >= 1 || this.clock.yieldToEventLoop === undefined ? this.clock.sleep(Math.max(0, Math.ceil(waitMs))) : this.clock.yieldToEventLoop();
    return resume.then(() => {
      this.sliceStartedMs = this.clock.monotonicMs();
    });
  }
}
