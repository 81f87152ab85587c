// The simulator: keeps the flights of the current sim day (whoever scheduled them: this
// console, another simulator or the web map) moving. Each tick it advances the sim clock,
// writes status changes (strong) and a tracking sample per moving flight (weak, with a TTL),
// with bounded concurrency. A failed write is logged and retried on the next tick, so losing
// a database node slows nothing but the writes it cannot take.

import {
  canTransition, isTerminalStatus, scheduledStatus, utcDate, type Airport, type DayStatus, type FlightPlan, type FlightStatus, type FlightStatusRecord, type InitialStatus,
  type TrackingSample,
} from '../model/flight.js';
import type { PlanePosition } from '../model/positions.js';
import type { SimulationClockRecord, StatusWrite } from '../model/store.js';
import { flightsOfDay, type TimetableEntry } from '../model/timetable.js';
import { buildProfile, disruptionNoticeMs, scheduledStatusAt, stateAt, type FlightProfile, type FlightState } from './physics.js';
import { RateLimitedLog, runBounded } from '../model/pool.js';
import { FlightInputError, planFlight, randomFlight, randomFlightsMax, randomGate, type NewFlight } from '../model/schedule.js';
import type { AppLogger, Chance, WallClock } from '../model/world.js';

/** Three days of the largest timetable. */
export const simulatedFlightsMax = 60_000;
export const writeConcurrencyMax = 256;
const dayMs = 86_400_000;
const hourMs = 3_600_000;
/** Every this many refreshes, one reads yesterday to tomorrow whole (about every 30 s by default). */
const fullRefreshEvery = 6;

export interface SimulatorStore {
  addFlight(plan: FlightPlan, options: { gate: string; nowMs: number; initial: InitialStatus }): Promise<void>;
  flightsOfDate(date: string): Promise<FlightPlan[]>;
  statusesOfDate(date: string): Promise<Map<string, DayStatus>>;
  getStatus(flightNumber: string, date: string): Promise<FlightStatusRecord | null>;
  setStatus(key: { flightNumber: string; date: string }, change: StatusWrite): Promise<void>;
  /** Tracking samples and map positions of several flights (FlightStore.writeSamples: unlogged batches). */
  writeSamples(positions: readonly PlanePosition[], options: { ttlSeconds: number; nowMs: number }): Promise<void>;
  writeClock(clock: SimulationClockRecord): Promise<void>;
}

export interface SimulatorOptions {
  /** Sim seconds per real second. */
  speedup: number;
  /** Real milliseconds between ticks (and tracking samples). */
  tickMs: number;
  trackingTtlSeconds: number;
  writeConcurrency: number;
  /** Real milliseconds between re-reads of the day's flights and their statuses. */
  refreshMs: number;
  /** Sim time at start; defaults to the wall clock. */
  simStartMs?: number;
  clockName: string;
  /** Chance that a flight is delayed (15 to 90 min), announced two hours before departure. */
  delayProbability: number;
  /** Chance that a flight is cancelled, announced two hours before departure. */
  cancelProbability: number;
}

// About one flight in seven leaves 15 minutes late or more and one in fifty is cancelled, as in
// published airline statistics.
export const defaultSimulatorOptions: SimulatorOptions = {
  speedup: 10, tickMs: 1_000, trackingTtlSeconds: 3_600, writeConcurrency: 32, refreshMs: 5_000, clockName: 'default',
  delayProbability: 0.15, cancelProbability: 0.02,
};
/** Flights of one status without a flight_status_by_date row (written before it existed) read one by one per refresh, at most. */
const statusFallbackReadsMax = 500;

export interface SimulatedFlight {
  plan: FlightPlan;
  profile: FlightProfile;
  status: FlightStatus;
  gate: string | null;
  /** Last computed state (for the console). */
  state: FlightState;
  /** True once the 'arrived' sample is written: nothing more to write. */
  finished: boolean;
  /** Whether the dice for a delay or cancellation were rolled (once, when boarding is due). */
  disruptionRolled: boolean;
}

const flightKey = (plan: { flightNumber: string; date: string }) => `${plan.flightNumber}/${plan.date}`;
/** The order the simulator itself walks; delayed re-enters it at boarding. */
const statusChain: readonly FlightStatus[] = ['scheduled', 'boarding', 'departed', 'en_route', 'landed'];

export class Simulator {
  private readonly flights = new Map<string, SimulatedFlight>();
  private readonly realEpochMs: number;
  private readonly simEpochMs: number;
  private lastRefreshMs = -Infinity;
  private refreshes = 0;
  private running = false;
  private stopped: Promise<void> = Promise.resolve();
  private readonly errorLog: RateLimitedLog;
  private writeFailures = 0;
  private writes = 0;
  private timetable: readonly TimetableEntry[] | null = null;
  private readonly scheduledDates = new Set<string>();
  private scheduling = false;

  constructor(
    private readonly store: SimulatorStore,
    private readonly world: { clock: WallClock; chance: Chance; logger: AppLogger; airports: ReadonlyMap<string, Airport>; options: SimulatorOptions },
  ) {
    const o = world.options;
    if (!(o.speedup > 0 && o.speedup <= 10_000)) throw new RangeError('speed-up must be in (0, 10000]');
    if (!(o.tickMs >= 50)) throw new RangeError('tick must be at least 50 ms');
    this.realEpochMs = world.clock.nowMs();
    this.simEpochMs = o.simStartMs ?? this.realEpochMs;
    this.errorLog = new RateLimitedLog(10_000, (message) => world.logger.warn(message));
  }

  simNowMs(): number {
    return this.simEpochMs + (this.world.clock.nowMs() - this.realEpochMs) * this.world.options.speedup;
  }

  stats(): { flights: number; writes: number; writeFailures: number } {
    return { flights: this.flights.size, writes: this.writes, writeFailures: this.writeFailures };
  }

  list(): SimulatedFlight[] {
    return [...this.flights.values()].sort((a, b) => a.plan.departureAtMs - b.plan.departureAtMs);
  }

  find(flightNumber: string): SimulatedFlight | undefined {
    const wanted = flightNumber.trim().toUpperCase();
    return this.list().find((flight) => flight.plan.flightNumber === wanted);
  }

  /** Schedules a flight in the database and starts flying it. */
  async addFlight(input: NewFlight): Promise<SimulatedFlight> {
    if (this.flights.size >= simulatedFlightsMax) throw new FlightInputError(`the simulator flies at most ${simulatedFlightsMax} flights`);
    const plan = planFlight(input, this.world.airports);
    if (this.flights.has(flightKey(plan)) || (await this.store.getStatus(plan.flightNumber, plan.date)) !== null) {
      throw new FlightInputError(`flight ${plan.flightNumber} on ${plan.date} already exists`);
    }
    const gate = randomGate(this.world.chance);
    await this.store.addFlight(plan, { gate, nowMs: this.world.clock.nowMs(), initial: scheduledStatus(Math.round(this.simNowMs()), 'simulator') });
    return this.track(plan, { status: 'scheduled', gate, estimatedDepartureAtMs: null });
  }

  /** Adds `count` random flights departing between `fromOffsetMs` and `toOffsetMs` of sim time from now. */
  async addRandomFlights(count: number, window: { fromOffsetMs: number; toOffsetMs: number }): Promise<SimulatedFlight[]> {
    if (!Number.isInteger(count) || count < 1 || count > randomFlightsMax) throw new FlightInputError(`count must be 1 to ${randomFlightsMax}`);
    const airports = [...this.world.airports.values()];
    const now = this.simNowMs();
    const added: SimulatedFlight[] = [];
    const taken = new Set(this.list().map((flight) => flight.plan.flightNumber));
    const inputs = Array.from({ length: count }, () => {
      const input = randomFlight(airports, { chance: this.world.chance, fromMs: now + window.fromOffsetMs, toMs: now + window.toOffsetMs, taken });
      taken.add(input.flightNumber ?? '');
      return input;
    });
    await runBounded(inputs, {
      concurrency: this.world.options.writeConcurrency,
      job: async (input) => void added.push(await this.addFlight(input)),
      onError: (input, error) => this.world.logger.warn(`could not add ${input.flightNumber ?? ''}: ${error instanceof Error ? error.message : String(error)}`),
    });
    return added;
  }

  private track(plan: FlightPlan, status: { status: FlightStatus; gate: string | null; estimatedDepartureAtMs: number | null }): SimulatedFlight {
    const origin = this.world.airports.get(plan.origin);
    const destination = this.world.airports.get(plan.destination);
    if (origin === undefined || destination === undefined) throw new FlightInputError(`unknown airport in ${plan.flightNumber}`);
    const departureAtMs = status.estimatedDepartureAtMs ?? plan.departureAtMs;
    const profile = buildProfile({ origin, destination }, { departureAtMs, speedKmh: plan.speedKmh });
    const state = stateAt(profile, this.simNowMs());
    // A flight that landed and reached its gate before the simulator knew it has nothing left to write.
    const finished = status.status === 'landed' && state.phase === 'arrived';
    const flight: SimulatedFlight = { plan, profile, status: status.status, gate: status.gate, state, finished, disruptionRolled: false };
    this.flights.set(flightKey(plan), flight);
    return flight;
  }

  /**
   * Picks up flights scheduled elsewhere and status changes made by operators. A day of the
   * default timetable holds thousands of flights, so most refreshes read only the statuses of
   * the dates in play (from 4 h ago to 2 h ahead), and the plans of a date only when a flight
   * number there is new; every `fullRefreshEvery`th refresh reads yesterday to tomorrow whole
   * (plans and statuses, and the status of any flight without a flight_status_by_date row).
   */
  async refresh(): Promise<void> {
    const now = this.simNowMs();
    const full = this.refreshes++ % fullRefreshEvery === 0;
    const dates = full ? [utcDate(now - dayMs), utcDate(now), utcDate(now + dayMs)] : [...new Set([utcDate(now - 4 * hourMs), utcDate(now), utcDate(now + 2 * hourMs)])];
    const plans: FlightPlan[] = [];
    const statuses = new Map<string, DayStatus>();
    await Promise.all(dates.map(async (date) => {
      const statusesOfDate = await this.store.statusesOfDate(date);
      for (const [flightNumber, status] of statusesOfDate) statuses.set(`${flightNumber}/${date}`, status);
      // The plans of the date's flights the simulator flies already, looked up by key (not a scan of every flight per date).
      const known: FlightPlan[] = [];
      if (!full) {
        for (const flightNumber of statusesOfDate.keys()) {
          const plan = this.flights.get(flightKey({ flightNumber, date }))?.plan;
          if (plan === undefined) break;
          known.push(plan);
        }
      }
      plans.push(...(known.length === statusesOfDate.size && !full ? known : await this.store.flightsOfDate(date)));
    }));
    if (full) {
      const current = new Set(plans.map(flightKey));
      for (const [key, flight] of this.flights) {
        if (!current.has(key) && flight.plan.date < (dates[0] ?? '')) this.flights.delete(key);
      }
    }
    const unread: FlightPlan[] = [];
    for (const plan of plans.slice(0, simulatedFlightsMax)) {
      const known = this.flights.get(flightKey(plan));
      if (known !== undefined && isTerminalStatus(known.status)) continue;
      const status = statuses.get(flightKey(plan));
      if (status !== undefined) this.adoptStatus(plan, status);
      else unread.push(plan);
    }
    // Flights stored before flight_status_by_date existed: their statuses one by one (bounded).
    await runBounded(unread.slice(0, statusFallbackReadsMax), {
      concurrency: this.world.options.writeConcurrency,
      job: async (plan) => this.adoptStatus(plan, await this.store.getStatus(plan.flightNumber, plan.date)),
      onError: (plan, error) => this.reportFailure(`reading status of ${plan.flightNumber}`, error),
    });
  }

  private adoptStatus(plan: FlightPlan, record: DayStatus | null): void {
    if (record === null) return;
    const known = this.flights.get(flightKey(plan));
    const estimated = record.estimatedDepartureAtMs;
    const moved = known !== undefined && (estimated ?? plan.departureAtMs) !== known.profile.pushbackAtMs;
    if (known === undefined || moved) {
      if (known === undefined && this.flights.size >= simulatedFlightsMax) return;
      this.track(plan, { status: record.status, gate: record.gate, estimatedDepartureAtMs: estimated });
    } else {
      known.status = record.status;
    }
  }

  /** Flies a daily timetable: scheduleDay() writes a date's flights, tick() keeps today and tomorrow written. */
  followTimetable(timetable: readonly TimetableEntry[]): void {
    this.timetable = timetable;
  }

  /**
   * Writes the timetable's flights of a date that the database does not hold yet (a restart
   * adds nothing), with the statuses they have by now, and flies them. Returns how many it added.
   */
  async scheduleDay(date: string, options: { arrivingAfterMs?: number } = {}): Promise<number> {
    const timetable = this.timetable;
    if (timetable === null || timetable.length === 0) return 0;
    const present = new Set((await this.store.flightsOfDate(date)).map((plan) => plan.flightNumber));
    const o = this.world.options;
    const flights = flightsOfDay(timetable, this.world.airports, {
      date, simNowMs: Math.round(this.simNowMs()), chance: this.world.chance, delayProbability: o.delayProbability, cancelProbability: o.cancelProbability,
      ...(options.arrivingAfterMs === undefined ? {} : { arrivingAfterMs: options.arrivingAfterMs }),
    }).filter((flight) => !present.has(flight.plan.flightNumber));
    let added = 0;
    await runBounded(flights, {
      concurrency: o.writeConcurrency,
      job: async (flight) => {
        await this.store.addFlight(flight.plan, { gate: flight.gate, nowMs: this.world.clock.nowMs(), initial: flight });
        if (this.flights.size < simulatedFlightsMax) this.track(flight.plan, { status: flight.status, gate: flight.gate, estimatedDepartureAtMs: flight.estimatedDepartureAtMs });
        added++;
      },
      onError: (flight, error) => this.reportFailure(`scheduling ${flight.plan.flightNumber} on ${date}`, error),
    });
    if (added === flights.length) this.scheduledDates.add(date);
    return added;
  }

  /** Keeps today's and tomorrow's timetable written, in the background (one day at a time). */
  private keepSchedule(): void {
    if (this.timetable === null || this.scheduling) return;
    const now = this.simNowMs();
    const date = [utcDate(now), utcDate(now + dayMs)].find((candidate) => !this.scheduledDates.has(candidate));
    if (date === undefined) return;
    this.scheduling = true;
    void this.scheduleDay(date).catch((error: unknown) => this.reportFailure(`scheduling ${date}`, error)).finally(() => { this.scheduling = false; });
  }

  /** One step: statuses then tracking for every flight still moving. */
  async tick(): Promise<void> {
    const realNow = this.world.clock.nowMs();
    if (realNow - this.lastRefreshMs >= this.world.options.refreshMs) {
      this.lastRefreshMs = realNow;
      try {
        await this.refresh();
        await this.store.writeClock({ name: this.world.options.clockName, simEpochMs: this.simEpochMs, realEpochMs: this.realEpochMs, speedup: this.world.options.speedup, updatedAtMs: realNow });
      } catch (error) {
        this.reportFailure('refreshing flights', error);
      }
      this.keepSchedule();
    }
    const simNow = this.simNowMs();
    // Flights more than the disruption notice from departure have nothing to write yet (most of
    // today's and tomorrow's thousands): skipped, unsorted.
    const moving = [...this.flights.values()].filter((flight) => !flight.finished && flight.status !== 'cancelled' && simNow >= flight.profile.pushbackAtMs - disruptionNoticeMs);
    const flying: Array<{ flight: SimulatedFlight; position: PlanePosition }> = [];
    await runBounded(moving, {
      concurrency: this.world.options.writeConcurrency,
      job: async (flight) => {
        const position = await this.advance(flight, simNow);
        if (position !== null) flying.push({ flight, position });
      },
      onError: (flight, error) => this.reportFailure(`writing ${flight.plan.flightNumber}`, error),
    });
    // The tick's samples go out together (FlightStore.writeSamples: a request per 10 flights
    // instead of two per flight). A flight's last sample is written before it stops being flown;
    // after a failure every sample is written again next tick.
    if (flying.length === 0) return;
    try {
      await this.store.writeSamples(flying.map((f) => f.position), { ttlSeconds: this.world.options.trackingTtlSeconds, nowMs: this.world.clock.nowMs() });
      this.writes += 2 * flying.length;
      for (const { flight } of flying) if (flight.state.phase === 'arrived') flight.finished = true;
    } catch (error) {
      this.reportFailure(`writing the samples of ${flying.length} flights`, error);
    }
  }

  /** Moves the flight to the clock's time and writes its status changes; its sample to write, or null when parked. */
  private async advance(flight: SimulatedFlight, simNow: number): Promise<PlanePosition | null> {
    // Parked at the gate before pushback, a flight's state does not change: not computed again.
    if (simNow >= flight.profile.pushbackAtMs || flight.state.phase !== 'parked') flight.state = stateAt(flight.profile, simNow);
    await this.advanceStatus(flight, simNow);
    if (flight.state.phase === 'parked') return null;
    const sample: TrackingSample = { flightNumber: flight.plan.flightNumber, date: flight.plan.date, recordedAtMs: Math.round(simNow), ...flight.state };
    return { ...sample, origin: flight.plan.origin, destination: flight.plan.destination, status: flight.status };
  }

  /** Walks the status chain up to where the clock says the flight is, one write per step. */
  private async advanceStatus(flight: SimulatedFlight, simNow: number): Promise<void> {
    let target = scheduledStatusAt(flight.profile, simNow);
    if (flight.status === 'delayed' && target === 'scheduled') return;
    if (flight.status === 'scheduled' && !flight.disruptionRolled && simNow >= flight.profile.pushbackAtMs - disruptionNoticeMs && simNow < flight.profile.pushbackAtMs) {
      flight.disruptionRolled = true;
      if (await this.disrupt(flight)) return;
    }
    if (target === 'scheduled' && flight.status === 'scheduled') return;
    const from = flight.status === 'delayed' ? 0 : statusChain.indexOf(flight.status);
    const to = statusChain.indexOf(target);
    for (let i = Math.max(0, from) + 1; i <= to; i++) {
      target = statusChain[i] as FlightStatus;
      if (!canTransition(flight.status, target)) return;
      const atMs = Math.round(target === 'departed' ? flight.profile.pushbackAtMs : target === 'landed' ? flight.profile.touchdownAtMs : simNow);
      this.writes++;
      await this.store.setStatus(flight.plan, { status: target, nowMs: this.world.clock.nowMs(), atMs, history: { changedAtMs: atMs, source: 'simulator', note: '' } });
      flight.status = target;
    }
  }

  /** Sometimes delays or cancels a flight, announced two hours before its departure, as real operations do. */
  private async disrupt(flight: SimulatedFlight): Promise<boolean> {
    const roll = this.world.chance.next();
    const o = this.world.options;
    if (roll < o.cancelProbability) {
      await this.store.setStatus(flight.plan, { status: 'cancelled', nowMs: this.world.clock.nowMs(), history: { changedAtMs: Math.round(this.simNowMs()), source: 'simulator', note: '' } });
      flight.status = 'cancelled';
      return true;
    }
    if (roll >= o.cancelProbability + o.delayProbability) return false;
    const delayMs = (15 + Math.floor(this.world.chance.next() * 76)) * 60_000;
    const estimatedDepartureAtMs = flight.profile.pushbackAtMs + delayMs;
    const note = `new departure ${new Date(estimatedDepartureAtMs).toISOString().slice(11, 16)} UTC`;
    await this.store.setStatus(flight.plan, { status: 'delayed', nowMs: this.world.clock.nowMs(), atMs: estimatedDepartureAtMs, history: { changedAtMs: Math.round(this.simNowMs()), source: 'simulator', note } });
    flight.status = 'delayed';
    flight.profile = buildProfile({ origin: flight.profile.origin, destination: flight.profile.destination }, { departureAtMs: estimatedDepartureAtMs, speedKmh: flight.plan.speedKmh });
    return true;
  }

  private reportFailure(what: string, error: unknown): void {
    this.writeFailures++;
    const reason = error instanceof Error ? error.message : String(error);
    this.errorLog.report(this.world.clock.nowMs(), `simulator: ${what} failed (will retry): ${reason.slice(0, 300)}`);
  }

  /** Ticks until stop(); a tick that overruns starts the next one at once. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopped = (async () => {
      while (this.running) {
        const began = this.world.clock.nowMs();
        await this.tick();
        const spent = this.world.clock.nowMs() - began;
        if (this.running) await this.world.clock.sleep(Math.max(0, this.world.options.tickMs - spent));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.stopped;
  }
}
