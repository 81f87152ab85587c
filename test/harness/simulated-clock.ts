// A virtual Clock (src/db/common/world.ts) driven by the test: time stands still until the
// test advances it, and then timers fire in due-time order (ties in the order they were set),
// with pending promise callbacks run between timers, so async code reacts before the next
// timer fires. Nothing here depends on real time, so a run is reproducible from its seed.

import type { Clock, TimerHandle } from '../../src/db/common/world.js';

interface Timer {
  dueMs: number;
  sequence: number;
  fn: () => void;
  cancelled: boolean;
}

/** Lets every queued promise callback (and anything they queue in turn) run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class SimulatedClock implements Clock {
  private currentMs: number;
  private lastMicros = 0;
  private sequence = 0;
  /** Min-heap by (dueMs, sequence). */
  private heap: Timer[] = [];
  /** Bounds a runaway loop of zero-delay timers. */
  private static readonly timersPerAdvanceMax = 10_000_000;

  constructor(startMs = 1_750_000_000_000) {
    this.currentMs = startMs;
  }

  /** Whole milliseconds, as Date.now (timers may fire at fractional times: network delays are drawn as floats). */
  nowMs(): number {
    return Math.floor(this.currentMs);
  }

  nowMicros(): number {
    const micros = Math.floor(this.currentMs * 1000);
    this.lastMicros = micros > this.lastMicros ? micros : this.lastMicros + 1;
    return this.lastMicros;
  }

  monotonicMs(): number {
    return this.currentMs;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const timer: Timer = { dueMs: this.currentMs + Math.max(0, delayMs), sequence: this.sequence++, fn, cancelled: false };
    this.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  sleep(delayMs: number): Promise<void> {
    return new Promise((resolve) => this.setTimer(delayMs, resolve));
  }

  /** Timers not yet fired or cancelled. */
  pendingTimers(): number {
    return this.heap.filter((timer) => !timer.cancelled).length;
  }

  /** Advances virtual time by durationMs, firing every timer due on the way. */
  async advance(durationMs: number): Promise<void> {
    await this.advanceTo(this.currentMs + durationMs);
  }

  async advanceTo(targetMs: number): Promise<void> {
    await settle();
    let fired = 0;
    for (;;) {
      const next = this.heap[0];
      if (next === undefined || next.dueMs > targetMs) break;
      this.pop();
      if (next.cancelled) continue;
      this.currentMs = Math.max(this.currentMs, next.dueMs);
      next.fn();
      await settle();
      if (++fired > SimulatedClock.timersPerAdvanceMax) throw new Error('too many timers in one advance (a timer loop?)');
    }
    this.currentMs = Math.max(this.currentMs, targetMs);
  }

  /** Advances in steps until condition holds or limitMs passes; returns whether it held. */
  async advanceUntil(condition: () => boolean, options: { limitMs: number; stepMs?: number }): Promise<boolean> {
    const deadline = this.currentMs + options.limitMs;
    const stepMs = options.stepMs ?? 100;
    while (!condition()) {
      if (this.currentMs >= deadline) return false;
      await this.advanceTo(Math.min(deadline, this.currentMs + stepMs));
    }
    return true;
  }

  private before(a: Timer, b: Timer): boolean {
    return a.dueMs < b.dueMs || (a.dueMs === b.dueMs && a.sequence < b.sequence);
  }

  private push(timer: Timer): void {
    const heap = this.heap;
    heap.push(timer);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(heap[index] as Timer, heap[parent] as Timer)) break;
      [heap[index], heap[parent]] = [heap[parent] as Timer, heap[index] as Timer];
      index = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    heap[0] = last;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && this.before(heap[left] as Timer, heap[smallest] as Timer)) smallest = left;
      if (right < heap.length && this.before(heap[right] as Timer, heap[smallest] as Timer)) smallest = right;
      if (smallest === index) return;
      [heap[index], heap[smallest]] = [heap[smallest] as Timer, heap[index] as Timer];
      index = smallest;
    }
  }
}
