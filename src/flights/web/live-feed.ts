// The live picture for browsers: the planes in the air, from flight_positions (the newest sample
// of every flying flight, a few partitions per poll however many fly: model/positions.ts), and
// which flights of the current sim day exist (for search; re-read every few polls). Pushes a
// bounded snapshot to subscribers after every poll. A database failure marks the feed unhealthy
// (shown in the browser) and the next poll retries.

import { isFlightStatus, utcDate, type FlightPlan, type FlightStatus, type FlightStatusRecord } from '../model/flight.js';
import type { PlanePosition } from '../model/positions.js';
import type { SimulationClockRecord } from '../model/store.js';
import { RateLimitedLog } from '../model/pool.js';
import type { AppLogger, WallClock } from '../model/world.js';
import type { FeedSnapshot, PlaneView } from './contract.js';

export const planesOnMapMax = 20_000;
/** How long a status written through the web shows before the positions (the simulator's copy) catch up. */
const notedStatusMs = 15_000;
const dayMs = 86_400_000;

export interface FeedStore {
  flightsOfDate(date: string): Promise<FlightPlan[]>;
  readPositions(nowMs: number): Promise<PlanePosition[]>;
  readClock(name: string): Promise<SimulationClockRecord | null>;
}

export interface LiveFeedOptions {
  pollMs: number;
  /** The flight list (for search) and the simulator's clock are re-read every this many polls. */
  flightListEveryPolls: number;
  clockName: string;
}

export class LiveFeed {
  private plans: FlightPlan[] = [];
  private positions: PlanePosition[] = [];
  private readonly notedStatuses = new Map<string, { status: FlightStatus; atMs: number }>();
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

  /** Flights the feed knows, for search (the status shown on the map for those in the air). */
  flights(): { plan: FlightPlan; status: FlightStatus | null }[] {
    const flying = new Map(this.positions.map((p) => [`${p.flightNumber}/${p.date}`, p.status]));
    return this.plans.map((plan) => {
      const status = flying.get(`${plan.flightNumber}/${plan.date}`);
      return { plan, status: isFlightStatus(status) ? status : null };
    });
  }

  /** A flight added through the web is searchable at once; the next re-read of the day's flights keeps it if its date is shown. */
  noteFlight(plan: FlightPlan): void {
    if (this.plans.some((known) => known.flightNumber === plan.flightNumber && known.date === plan.date)) return;
    if (this.plans.length < planesOnMapMax) this.plans.push(plan);
  }

  /** A status written through the web shows at once, before the simulator's next position carries it. */
  noteStatus(record: FlightStatusRecord): void {
    this.notedStatuses.set(`${record.flightNumber}/${record.date}`, { status: record.status, atMs: this.world.clock.nowMs() });
  }

  async poll(): Promise<void> {
    try {
      if (this.polls % this.world.options.flightListEveryPolls === 0) await this.refreshFlights();
      this.polls++;
      this.positions = await this.store.readPositions(this.world.clock.nowMs());
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
    const plans: FlightPlan[] = [];
    for (const date of [utcDate(now - dayMs), utcDate(now)]) plans.push(...(await this.store.flightsOfDate(date)));
    this.plans = plans.slice(0, planesOnMapMax);
  }

  private buildSnapshot(): FeedSnapshot {
    const planes: PlaneView[] = [];
    const nowMs = this.world.clock.nowMs();
    for (const [key, noted] of this.notedStatuses) if (nowMs - noted.atMs > notedStatusMs) this.notedStatuses.delete(key);
    for (const s of this.positions) {
      if (s.phase === 'parked' || s.phase === 'arrived' || s.status === 'cancelled') continue;
      const noted = this.notedStatuses.get(`${s.flightNumber}/${s.date}`);
      planes.push({
        flightNumber: s.flightNumber, date: s.date, origin: s.origin, destination: s.destination,
        status: noted?.status ?? s.status, latitude: s.latitude, longitude: s.longitude, altitudeFt: s.altitudeFt,
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
