// The load loop shared by both clients: a closed loop that keeps connections × in-flight
// requests outstanding, or an open loop at a fixed rate (the latency curve, the flights) whose
// latencies count from each request's intended start, so a stalled server cannot hide its
// queueing (no coordinated omission). Latencies go to an HDR histogram in microseconds.

import * as hdr from 'hdr-histogram-js';
import { keyBytes, valueFor } from './statements.js';

export type Workload = 'insert' | 'select' | 'mixed';
export const workloads: readonly Workload[] = ['insert', 'select', 'mixed'];

export interface Shape {
  connections: number;
  /** Requests in flight per connection (the closed loop's window; the open loop's cap). */
  inflight: number;
}

export const shapeName = (shape: Shape): string => `${shape.connections}x${shape.inflight}`;

export type Completion = (error: string | null) => void;

/** Where operations go: one of the clients, already connected and prepared. */
export interface LoadTarget {
  readonly connectionCount: number;
  insert(key: number, slot: number, done: Completion): void;
  select(key: number, slot: number, done: Completion): void;
}

export interface LoadSpec {
  workload: Workload;
  shape: Shape;
  warmupMs: number;
  durationMs: number;
  /** Operations per second for an open loop; null for a closed loop. */
  rate: number | null;
  /** Inserts write keys keyOffset + keyStride * i (i = 0, 1, ...), wrapping below keySpace. */
  keySpace: number;
  keyOffset: number;
  keyStride: number;
  /** Reads pick keys uniformly in [0, readableKeys). */
  readableKeys: number;
}

export interface LoadHooks {
  /** Called when warm-up ends and measuring begins (snapshot the server's CPU here). */
  onMeasureStart?(): void;
  /** Called when measuring ends, before the last requests drain. */
  onMeasureEnd?(): void;
}

export interface LoadResult {
  ops: number;
  errors: number;
  firstError: string | null;
  seconds: number;
  histogram: hdr.Histogram;
  /** Inserts issued (the whole run), for the next read phase's key range. */
  inserted: number;
  clientCpuSeconds: number;
}

const latencyMicrosMax = 120_000_000;
export const newHistogram = (): hdr.Histogram =>
  hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: latencyMicrosMax, numberOfSignificantValueDigits: 3 });

const backlogMax = 1_000_000;
const drainMs = 15_000;
const valuePool = Array.from({ length: 256 }, (_, i) => valueFor(i));
export const poolValue = (key: number): Buffer => valuePool[key & 255] as Buffer;
export const keyOf = keyBytes;

export function runLoad(target: LoadTarget, spec: LoadSpec, hooks: LoadHooks = {}): Promise<LoadResult> {
  return new LoadRun(target, spec, hooks).run();
}

class LoadRun {
  private readonly histogram = newHistogram();
  private readonly slots: number;
  private readonly freeSlots: number[] = [];
  private readonly backlog: number[] = [];
  private measuring = false;
  private stopping = false;
  private outstanding = 0;
  private ops = 0;
  private errors = 0;
  private firstError: string | null = null;
  private inserted = 0;
  private measureStartMs = Number.POSITIVE_INFINITY;
  private measureEndMs = Number.POSITIVE_INFINITY;
  private drained: () => void = () => undefined;

  constructor(private readonly target: LoadTarget, private readonly spec: LoadSpec, private readonly hooks: LoadHooks) {
    this.slots = spec.shape.connections * spec.shape.inflight;
  }

  async run(): Promise<LoadResult> {
    const cpuStart = process.cpuUsage();
    const startMs = performance.now();
    const done = new Promise<void>((resolve) => { this.drained = resolve; });
    const ticker = this.spec.rate === null ? null : this.startOpenLoop(startMs);
    if (this.spec.rate === null) for (let slot = 0; slot < this.slots; slot++) this.issue(slot, performance.now());
    await sleep(this.spec.warmupMs);
    this.histogram.reset();
    this.ops = 0;
    this.errors = 0;
    this.firstError = null;
    this.measuring = true;
    this.measureStartMs = performance.now();
    this.hooks.onMeasureStart?.();
    await sleep(this.spec.durationMs);
    // A window in which no operation completed (a node held by a flush, or starved on a loaded
    // machine) goes on, up to 20 times its length, until one does: the smoke run's 0.5 s windows
    // reported "no throughput" at a load average of 15. A node that never answers still shows 0.
    for (let extension = 0; this.ops === 0 && extension < 20; extension++) await sleep(this.spec.durationMs);
    this.measureEndMs = performance.now();
    this.measuring = false;
    this.stopping = true;
    this.hooks.onMeasureEnd?.();
    if (ticker !== null) clearInterval(ticker);
    // A closed loop's last requests are not counted; an open loop's backlog still goes out.
    if (this.outstanding > 0) await Promise.race([done, sleep(drainMs)]);
    const unanswered = this.spec.rate === null ? 0 : this.outstanding + this.backlog.length;
    for (let i = 0; i < unanswered; i++) this.fail(`no response within ${drainMs} ms after the run`);
    this.backlog.length = 0;
    const cpu = process.cpuUsage(cpuStart);
    return {
      ops: this.ops, errors: this.errors, firstError: this.firstError, seconds: (this.measureEndMs - this.measureStartMs) / 1000,
      histogram: this.histogram, inserted: this.inserted, clientCpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  }

  /** Every millisecond, issue what the rate says is due; what finds no free slot waits in order. */
  private startOpenLoop(startMs: number): NodeJS.Timeout {
    const rate = this.spec.rate ?? 0;
    for (let slot = this.slots - 1; slot >= 0; slot--) this.freeSlots.push(slot);
    let due = 0;
    return setInterval(() => {
      const elapsedMs = performance.now() - startMs;
      const target = Math.floor((elapsedMs * rate) / 1000);
      for (; due < target; due++) {
        const intendedMs = startMs + (due * 1000) / rate;
        const slot = this.freeSlots.pop();
        if (slot !== undefined) this.issue(slot, intendedMs);
        else if (this.backlog.length < backlogMax) this.backlog.push(intendedMs);
        else this.fail('open-loop backlog overflow: the server fell far behind the rate');
      }
    }, 1);
  }

  private issue(slot: number, intendedMs: number): void {
    const key = this.nextKey();
    this.outstanding++;
    const done: Completion = (error) => this.complete(slot, intendedMs, error);
    if (key.write) this.target.insert(key.key, slot, done);
    else this.target.select(key.key, slot, done);
  }

  private nextKey(): { write: boolean; key: number } {
    const spec = this.spec;
    const write = spec.workload === 'insert' || (spec.workload === 'mixed' && Math.random() < 0.5);
    if (!write) return { write, key: Math.floor(Math.random() * spec.readableKeys) };
    const perStride = Math.max(1, Math.floor(spec.keySpace / spec.keyStride));
    const key = spec.keyOffset + spec.keyStride * (this.inserted % perStride);
    this.inserted++;
    return { write, key };
  }

  private complete(slot: number, intendedMs: number, error: string | null): void {
    this.outstanding--;
    const nowMs = performance.now();
    // A closed loop counts what completes inside the window; an open loop counts every request
    // meant to start inside it, however late it completes (its lateness is the latency).
    const counted = intendedMs >= this.measureStartMs && (this.measuring || (this.spec.rate !== null && intendedMs < this.measureEndMs));
    if (counted) {
      if (error === null) {
        this.ops++;
        // Beyond two minutes is recorded as two minutes (the histogram's bound).
        this.histogram.recordValue(Math.min(latencyMicrosMax, Math.max(1, Math.round((nowMs - intendedMs) * 1000))));
      } else this.fail(error);
    }
    if (this.spec.rate === null) {
      if (!this.stopping) this.issue(slot, nowMs);
      else if (this.outstanding === 0) this.drained();
      return;
    }
    const waiting = this.backlog.shift();
    if (waiting !== undefined) this.issue(slot, waiting);
    else this.freeSlots.push(slot);
    if (this.stopping && this.outstanding === 0) this.drained();
  }

  private fail(error: string): void {
    this.errors++;
    this.firstError ??= error;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
