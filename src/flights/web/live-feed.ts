// The live picture for browsers: which flights of the current sim day exist, their statuses
// (strong reads, refreshed every few polls) and the newest tracking sample of each moving one
// (weak reads, every poll). Pushes a bounded snapshot to subscribers after every poll. A
// database failure marks the feed unhealthy (shown in the browser) and the next poll retries.

import { isTerminalStatus, utcDate, type FlightPlan, type FlightStatus, type FlightStatusRecord, type TrackingSample } from '../model/flight.js';
import type { SimulationClockRecord } from '../model/store.js';
import { RateLimitedLog, runBounded } from '../model/pool.js';
import type { AppLogger, WallClock } from '../model/world.js';
import type { FeedSnapshot, PlaneView } from './contract.js';

export const planesOnMapMax = 2_000;
const dayMs = 86_400_000;

export interface FeedStore {
  flightsOfDate(date: string): Promise<FlightPlan[]>;
  getStatus(flightNumber: string, date: string): Promise<FlightStatusRecord | null>;
  readTracking(key: { flightNumber: string; date: string }, limit: number): Promise<TrackingSample[]>;
  readClock(name: string): Promise<SimulationClockRecord | null>;
}

interface Known {
  plan: FlightPlan;
  status: FlightStatusRecord | null;
  latest: TrackingSample | null;
  /** The arrived sample was seen, or the flight was cancelled: stop reading its tracking. */
  done: boolean;
}

export interface LiveFeedOptions {
  pollMs: number;
  /** Statuses and the flight list are re-read every this many polls. */
  statusEveryPolls: number;
  readConcurrency: number;
  clockName: string;
}

export class LiveFeed {
  private readonly known = new Map<string, Known>();
  private clock: SimulationClockRecord | null = null;
  private polls = 0;
  private error: string | null = null;
  private running = false;
  private stopped: Promise<void> = Promise.resolve();
  private readonly log: RateLimitedLog;
  private last: FeedSnapshot | null = null;

  constructor(
    private readonly store: FeedStore,
    private readonly world: { clock: WallClock; logger: AppLogger; options: LiveFeedOptions; describeError: (error: unknown) => string; onSnapshot: (snapshot: FeedSnapshot) => void },
  ) {
    this.log = new RateLimitedLog(10_000, (message) => world.logger.warn(message));
  }

  simNowMs(): number {
    const now = this.world.clock.nowMs();
    if (this.clock === null) return now;
    return this.clock.simEpochMs + (now - this.clock.realEpochMs) * this.clock.speedup;
  }

  speedup(): number {
    return this.clock?.speedup ?? 1;
  }

  snapshot(): FeedSnapshot | null {
    return this.last;
  }

  /** Flights the feed knows, for search. */
  flights(): { plan: FlightPlan; status: FlightStatus | null }[] {
    return [...this.known.values()].map((k) => ({ plan: k.plan, status: k.status?.status ?? null }));
  }

  /** A status written through the web shows at once, without waiting for the next strong read. */
  noteStatus(record: FlightStatusRecord): void {
    const entry = this.known.get(`${record.flightNumber}/${record.date}`);
    if (entry !== undefined) entry.status = record;
  }

  async poll(): Promise<void> {
    try {
      if (this.polls % this.world.options.statusEveryPolls === 0) await this.refreshFlights();
      this.polls++;
      await this.refreshTracking();
      this.error = null;
    } catch (error) {
      this.polls = 0;
      this.error = this.world.describeError(error);
      this.log.report(this.world.clock.nowMs(), `web: reading the database failed (will retry): ${this.error}`);
    }
    this.last = this.buildSnapshot();
    this.world.onSnapshot(this.last);
  }

  private async refreshFlights(): Promise<void> {
    this.clock = (await this.store.readClock(this.world.options.clockName)) ?? this.clock;
    const now = this.simNowMs();
    const dates = [utcDate(now - dayMs), utcDate(now)];
    const plans: FlightPlan[] = [];
    for (const date of dates) plans.push(...(await this.store.flightsOfDate(date)));
    const keep = new Set<string>();
    for (const plan of plans.slice(0, planesOnMapMax)) {
      const key = `${plan.flightNumber}/${plan.date}`;
      keep.add(key);
      if (!this.known.has(key)) this.known.set(key, { plan, status: null, latest: null, done: false });
    }
    for (const key of this.known.keys()) if (!keep.has(key)) this.known.delete(key);
    const open = [...this.known.values()].filter((k) => k.status === null || !isTerminalStatus(k.status.status));
    let failure: unknown = null;
    await runBounded(open, {
      concurrency: this.world.options.readConcurrency,
      job: async (k) => { k.status = await this.store.getStatus(k.plan.flightNumber, k.plan.date); },
      onError: (_k, error) => { failure = error; },
    });
    if (failure !== null) throw failure;
  }

  private async refreshTracking(): Promise<void> {
    const moving = [...this.known.values()].filter((k) => !k.done && k.status !== null && k.status.status !== 'scheduled' && k.status.status !== 'delayed');
    let failure: unknown = null;
    await runBounded(moving, {
      concurrency: this.world.options.readConcurrency,
      job: async (k) => {
        if (k.status?.status === 'cancelled') { k.done = true; return; }
        const [latest] = await this.store.readTracking(k.plan, 1);
        if (latest !== undefined) k.latest = latest;
        if (latest?.phase === 'arrived') k.done = true;
      },
      onError: (_k, error) => { failure = error; },
    });
    if (failure !== null) throw failure;
  }

  private buildSnapshot(): FeedSnapshot {
    const planes: PlaneView[] = [];
    for (const k of this.known.values()) {
      const s = k.latest;
      if (s === null || k.done || s.phase === 'parked' || s.phase === 'arrived') continue;
      planes.push({
        flightNumber: k.plan.flightNumber, date: k.plan.date, origin: k.plan.origin, destination: k.plan.destination,
        status: k.status?.status ?? 'scheduled', latitude: s.latitude, longitude: s.longitude, altitudeFt: s.altitudeFt,
        groundSpeedKmh: s.groundSpeedKmh, verticalRateFpm: s.verticalRateFpm, headingDeg: s.headingDeg, fuelKg: s.fuelKg,
        phase: s.phase, recordedAtMs: s.recordedAtMs,
      });
      if (planes.length >= planesOnMapMax) break;
    }
    return { type: 'snapshot', simNowMs: this.simNowMs(), speedup: this.speedup(), healthy: this.error === null, error: this.error, planes };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = (async () => {
      while (this.running) {
        const began = this.world.clock.nowMs();
        await this.poll();
        if (this.running) await this.world.clock.sleep(Math.max(50, this.world.options.pollMs - (this.world.clock.nowMs() - began)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.stopped;
  }
}
