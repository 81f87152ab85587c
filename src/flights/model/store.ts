// FlightStore: every read and write of the flight-control tables, with the consistency level
// each needs (status and schedule strong, tracking weak). Thin: builds parameters, maps rows.

import cassandra from 'cassandra-driver';
import { consistencyCode, type DatabaseOptions } from './database.js';
import {
  flightPhases, isFlightStatus, statusSources, type Airport, type FlightPhase, type FlightPlan, type FlightStatus, type FlightStatusRecord, type StatusChange, type StatusSource,
  type TrackingSample, type InitialStatus, type DayStatus,
} from './flight.js';
import { positionBucket, positionPartitions, positionShard, positionTtlSeconds, newestPerFlight, type PlanePosition } from './positions.js';
import { runBounded } from './pool.js';
import { queries, type Queries } from './schema.js';

export const airportsMax = 20_000;
export const flightsPerPartitionMax = 20_000;
export const trackingReadRowsMax = 5_000;
/** Rows of one flight_positions partition (a bucket's shard): far above 20,000 flights / 8 shards. */
export const positionsPerPartitionMax = 20_000;
/** Partitions per shared unlogged batch: Cassandra's unlogged_batch_across_partitions_warn_threshold. */
export const batchPartitionsMax = 10;
/** Bytes of a shared batch, as Cassandra counts them, under its batch_size_warn_threshold (5 KiB). */
export const batchBytesMax = 4_500;
/** Upper estimates of a row's size as Cassandra counts it (key, clustering, values, timestamps and TTLs). */
const trackingRowBytes = 300;
const positionRowBytes = 360;
/** Rows of one flight_positions partition per single-partition batch (about 30 KiB). */
export const positionBatchRows = 200;
/** Batches of one writeSamples call in flight at once. */
export const sampleBatchesInFlight = 32;
const pageRows = 1_000;
/** History entries read or written per flight: a flight changes status a handful of times. */
export const historyRowsMax = 100;
export const noteCharactersMax = 200;
/** Dates search returns for one flight number. */
export const datesPerNumberMax = 60;

/** A status change to write: what it records, and its entry in the history. */
export interface StatusWrite {
  status: FlightStatus;
  /** Wall-clock time of the write (updated_at). */
  nowMs: number;
  /** The delay's new departure, or the departure or landing time. */
  atMs?: number;
  history: Omit<StatusChange, 'status'>;
}

export interface SimulationClockRecord {
  name: string;
  simEpochMs: number;
  realEpochMs: number;
  speedup: number;
  updatedAtMs: number;
}

type Row = cassandra.types.Row;

const millis = (value: unknown): number => (value instanceof Date ? value.getTime() : Number.NaN);
const optionalMillis = (value: unknown): number | null => (value instanceof Date ? value.getTime() : null);
const text = (value: unknown): string => (typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value));
const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value));

export class FlightStore {
  readonly q: Queries;
  private readonly strong: number;
  private readonly weak: number;

  constructor(readonly client: cassandra.Client, options: Pick<DatabaseOptions, 'keyspace' | 'strongConsistency' | 'weakConsistency'>) {
    this.q = queries(options.keyspace);
    this.strong = consistencyCode(options.strongConsistency);
    this.weak = consistencyCode(options.weakConsistency);
  }

  /** Reads every page of a query, up to rowsMax rows (more is a bug or an attack: refuse). */
  async readRows(query: string, params: unknown[], options: { consistency: number; rowsMax: number }): Promise<Row[]> {
    const rows: Row[] = [];
    let pageState: string | undefined;
    do {
      const result = await this.client.execute(query, params, {
        prepare: true, consistency: options.consistency, fetchSize: pageRows, ...(pageState === undefined ? {} : { pageState }),
      });
      rows.push(...result.rows);
      if (rows.length > options.rowsMax) throw new RangeError(`more than ${options.rowsMax} rows from: ${query.slice(0, 80)}`);
      pageState = result.pageState ?? undefined;
    } while (pageState !== undefined && pageState !== null);
    return rows;
  }

  async insertAirport(airport: Airport): Promise<void> {
    const a = airport;
    await this.client.execute(this.q.insertAirport, [a.iata, a.name, a.city, a.country, a.latitude, a.longitude, a.type], { prepare: true, consistency: this.strong });
  }

  async listAirports(): Promise<Airport[]> {
    const rows = await this.readRows(this.q.selectAirports, [], { consistency: this.weak, rowsMax: airportsMax });
    return rows.map(airportFromRow);
  }

  async getAirport(iata: string): Promise<Airport | null> {
    const result = await this.client.execute(this.q.selectAirport, [iata], { prepare: true, consistency: this.weak });
    const row = result.first();
    return row === null ? null : airportFromRow(row);
  }

  /**
   * Schedules a flight: the schedule tables, its status (scheduled, or where the timetable has
   * it by now) and its status history so far, in one logged batch.
   */
  async addFlight(plan: FlightPlan, options: { gate: string; nowMs: number; initial: InitialStatus }): Promise<void> {
    const p = plan;
    const arrivalDate = new Date(p.arrivalAtMs).toISOString().slice(0, 10);
    const departureAt = new Date(p.departureAtMs);
    const arrivalAt = new Date(p.arrivalAtMs);
    const initial = options.initial;
    const at = (ms: number | null) => (ms === null ? null : new Date(ms));
    const now = new Date(options.nowMs);
    await this.client.batch([
      { query: this.q.insertByOrigin, params: [p.origin, p.date, departureAt, p.flightNumber, p.destination, arrivalAt, p.speedKmh] },
      { query: this.q.insertByDestination, params: [p.destination, arrivalDate, arrivalAt, p.flightNumber, p.date, p.origin, departureAt, p.speedKmh] },
      { query: this.q.insertByDate, params: [p.date, departureAt, p.flightNumber, p.origin, p.destination, arrivalAt, p.speedKmh] },
      { query: this.q.insertByNumber, params: [p.flightNumber, p.date, p.origin, p.destination, departureAt, arrivalAt, p.speedKmh] },
      {
        query: this.q.insertStatus,
        params: [p.flightNumber, p.date, initial.status, options.gate, p.origin, p.destination, departureAt, arrivalAt, p.speedKmh,
          at(initial.estimatedDepartureAtMs), at(initial.actualDepartureAtMs), at(initial.actualArrivalAtMs), now],
      },
      {
        query: this.q.insertStatusByDate,
        params: [p.date, p.flightNumber, initial.status, options.gate, at(initial.estimatedDepartureAtMs), at(initial.actualDepartureAtMs), at(initial.actualArrivalAtMs), now],
      },
      ...initial.history.slice(0, historyRowsMax).map((change) => ({
        query: this.q.insertHistory, params: [p.flightNumber, p.date, new Date(change.changedAtMs), change.status, change.source, change.note.slice(0, noteCharactersMax)],
      })),
    ], { prepare: true, logged: true, consistency: this.strong });
  }

  async flightsOfDate(date: string): Promise<FlightPlan[]> {
    const rows = await this.readRows(this.q.selectByDate, [date], { consistency: this.strong, rowsMax: flightsPerPartitionMax });
    return rows.map((row) => planFromRow(row, text(row.get('date'))));
  }

  async departures(origin: string, date: string): Promise<FlightPlan[]> {
    const rows = await this.readRows(this.q.selectByOrigin, [origin, date], { consistency: this.strong, rowsMax: flightsPerPartitionMax });
    return rows.map((row) => planFromRow(row, text(row.get('date'))));
  }

  async arrivals(destination: string, date: string): Promise<FlightPlan[]> {
    const rows = await this.readRows(this.q.selectByDestination, [destination, date], { consistency: this.strong, rowsMax: flightsPerPartitionMax });
    return rows.map((row) => planFromRow(row, text(row.get('flight_date'))));
  }

  async getStatus(flightNumber: string, date: string): Promise<FlightStatusRecord | null> {
    const result = await this.client.execute(this.q.selectStatus, [flightNumber, date], { prepare: true, consistency: this.strong });
    const row = result.first();
    return row === null ? null : statusFromRow(row);
  }

  /**
   * Writes a new status (flight_status, flight_status_by_date and a history entry, in one
   * logged batch); `atMs` also records the delay, departure or arrival it stands for.
   */
  async setStatus(key: { flightNumber: string; date: string }, change: StatusWrite): Promise<void> {
    const now = new Date(change.nowMs);
    const at = new Date(change.atMs ?? change.nowMs);
    const byFlight = [key.flightNumber, key.date];
    const byDate = [key.date, key.flightNumber];
    const recorded = change.status === 'delayed' || change.status === 'departed' || change.status === 'landed';
    const [flightQuery, dateQuery] = change.status === 'delayed' ? [this.q.updateStatusDelayed, this.q.updateStatusByDateDelayed]
      : change.status === 'departed' ? [this.q.updateStatusDeparted, this.q.updateStatusByDateDeparted]
        : change.status === 'landed' ? [this.q.updateStatusLanded, this.q.updateStatusByDateLanded]
          : [this.q.updateStatus, this.q.updateStatusByDate];
    const values = recorded ? [change.status, at, now] : [change.status, now];
    await this.client.batch([
      { query: flightQuery, params: [...values, ...byFlight] },
      { query: dateQuery, params: [...values, ...byDate] },
      {
        query: this.q.insertHistory,
        params: [key.flightNumber, key.date, new Date(change.history.changedAtMs), change.status, change.history.source, change.history.note.slice(0, noteCharactersMax)],
      },
    ], { prepare: true, logged: true, consistency: this.strong });
  }

  /** The statuses of every flight of a date (one partition). */
  async statusesOfDate(date: string): Promise<Map<string, DayStatus>> {
    const rows = await this.readRows(this.q.selectStatusesByDate, [date], { consistency: this.strong, rowsMax: flightsPerPartitionMax });
    const statuses = new Map<string, DayStatus>();
    for (const row of rows) {
      const status = text(row.get('status'));
      if (!isFlightStatus(status)) continue;
      statuses.set(text(row.get('flight_number')), {
        status, gate: row.get('gate') === null ? null : text(row.get('gate')),
        estimatedDepartureAtMs: optionalMillis(row.get('estimated_departure_at')),
        actualDepartureAtMs: optionalMillis(row.get('actual_departure_at')),
        actualArrivalAtMs: optionalMillis(row.get('actual_arrival_at')),
      });
    }
    return statuses;
  }

  /** A flight's status history, oldest first. */
  async statusHistory(key: { flightNumber: string; date: string }): Promise<StatusChange[]> {
    const rows = await this.readRows(this.q.selectHistory, [key.flightNumber, key.date, historyRowsMax], { consistency: this.strong, rowsMax: historyRowsMax });
    return rows.flatMap((row): StatusChange[] => {
      const status = text(row.get('status'));
      const source = text(row.get('source'));
      if (!isFlightStatus(status)) return [];
      return [{
        changedAtMs: millis(row.get('changed_at')), status,
        source: (statusSources as readonly string[]).includes(source) ? (source as StatusSource) : 'operator', note: text(row.get('note')),
      }];
    });
  }

  /** A flight number's flights on every date, newest first (bounded). */
  async flightsByNumber(flightNumber: string): Promise<FlightPlan[]> {
    const rows = await this.readRows(this.q.selectByNumber, [flightNumber, datesPerNumberMax], { consistency: this.strong, rowsMax: datesPerNumberMax });
    return rows.map((row) => planFromRow(row, text(row.get('date'))));
  }

  async writeTracking(sample: TrackingSample, options: { ttlSeconds: number; nowMs: number }): Promise<void> {
    await this.client.execute(this.q.insertTracking, this.trackingParams(sample, options), { prepare: true, consistency: this.weak });
  }

  private trackingParams(s: TrackingSample, options: { ttlSeconds: number; nowMs: number }): unknown[] {
    return [
      s.flightNumber, s.date, new Date(s.recordedAtMs), s.latitude, s.longitude, s.altitudeFt, s.groundSpeedKmh,
      s.verticalRateFpm, s.headingDeg, s.fuelKg, s.phase, new Date(options.nowMs), options.ttlSeconds,
    ];
  }

  /**
   * Writes the tracking sample and the map position of several flights (one tick's) at the
   * weak level, in unlogged batches shaped for Cassandra's batch guards. Each partition's rows
   * (a flight's tracking row; a (bucket, shard) partition's positions) stay together; small
   * partitions share a batch of at most `batchPartitionsMax` partitions (Cassandra's
   * unlogged_batch_across_partitions_warn_threshold) and about `batchBytesMax` bytes (under
   * batch_size_warn_threshold, 5 KiB); a larger partition goes alone, in single-partition batches
   * of up to `positionBatchRows` rows, which Cassandra applies as one mutation and never checks.
   * So a tick costs about a request per 10 flights instead of two per flight, and each replica
   * gets its share of a batch in one message. At most `sampleBatchesInFlight` batches run at
   * once. Any failed batch fails the call, after the others finished: the samples are written
   * again next tick (tracking is weak data, and writes are idempotent upserts).
   */
  async writeSamples(positions: readonly PlanePosition[], options: { ttlSeconds: number; nowMs: number }): Promise<void> {
    type Query = { query: string; params: unknown[] };
    const partitions: Array<{ rows: Query[]; rowBytes: number }> = positions.map((p) => ({ rows: [{ query: this.q.insertTracking, params: this.trackingParams(p, options) }], rowBytes: trackingRowBytes }));
    const byShard = new Map<number, Query[]>();
    for (const position of positions) {
      const params = this.positionParams(position, options);
      const shard = params[1] as number;
      const rows = byShard.get(shard) ?? [];
      if (rows.length === 0) {
        byShard.set(shard, rows);
        partitions.push({ rows, rowBytes: positionRowBytes });
      }
      rows.push({ query: this.q.insertPosition, params });
    }
    const batches: Query[][] = [];
    let shared: Query[] = [];
    let sharedPartitions = 0;
    let sharedBytes = 0;
    for (const { rows, rowBytes } of partitions) {
      const bytes = rows.length * rowBytes;
      if (bytes > batchBytesMax / 2) {
        for (let from = 0; from < rows.length; from += positionBatchRows) batches.push(rows.slice(from, from + positionBatchRows));
        continue;
      }
      if (sharedPartitions >= batchPartitionsMax || sharedBytes + bytes > batchBytesMax) {
        batches.push(shared);
        shared = [];
        sharedPartitions = 0;
        sharedBytes = 0;
      }
      shared.push(...rows);
      sharedPartitions++;
      sharedBytes += bytes;
    }
    if (shared.length > 0) batches.push(shared);
    let failure: unknown = null;
    await runBounded(batches, {
      concurrency: sampleBatchesInFlight,
      job: async (queries) => {
        if (queries.length === 1) await this.client.execute((queries[0] as Query).query, (queries[0] as Query).params, { prepare: true, consistency: this.weak });
        else await this.client.batch(queries, { prepare: true, logged: false, consistency: this.weak });
      },
      onError: (_queries, error) => {
        failure ??= error;
      },
    });
    if (failure !== null) throw failure;
  }

  /** The newest `limit` samples, newest first. */
  async readTracking(key: { flightNumber: string; date: string }, limit: number): Promise<TrackingSample[]> {
    const bounded = Math.max(1, Math.min(trackingReadRowsMax, Math.floor(limit)));
    const rows = await this.readRows(this.q.selectTracking, [key.flightNumber, key.date, bounded], { consistency: this.weak, rowsMax: bounded });
    return rows.map(trackingFromRow);
  }

  /** Upserts the flight's row in the current bucket of flight_positions (what the map reads). */
  async writePosition(position: PlanePosition, options: { nowMs: number }): Promise<void> {
    await this.client.execute(this.q.insertPosition, this.positionParams(position, options), { prepare: true, consistency: this.weak });
  }

  private positionParams(p: PlanePosition, options: { nowMs: number }): unknown[] {
    return [
      new Date(positionBucket(options.nowMs)), positionShard(p.flightNumber), p.flightNumber, p.date, p.origin, p.destination, p.status,
      new Date(p.recordedAtMs), p.latitude, p.longitude, p.altitudeFt, p.groundSpeedKmh, p.verticalRateFpm, p.headingDeg, p.fuelKg, p.phase,
      positionTtlSeconds,
    ];
  }

  /** The newest position of every flight written in the current or the previous bucket. */
  async readPositions(nowMs: number): Promise<PlanePosition[]> {
    const partitions = await Promise.all(positionPartitions(nowMs).map((partition) =>
      this.readRows(this.q.selectPositions, [new Date(partition.bucketMs), partition.shard], { consistency: this.weak, rowsMax: positionsPerPartitionMax })));
    return newestPerFlight(partitions.flat().map(positionFromRow));
  }

  async writeClock(clock: SimulationClockRecord): Promise<void> {
    const c = clock;
    await this.client.execute(this.q.upsertClock, [c.name, new Date(c.simEpochMs), new Date(c.realEpochMs), c.speedup, new Date(c.updatedAtMs)], { prepare: true, consistency: this.weak });
  }

  async readClock(name: string): Promise<SimulationClockRecord | null> {
    const result = await this.client.execute(this.q.selectClock, [name], { prepare: true, consistency: this.weak });
    const row = result.first();
    if (row === null) return null;
    return { name, simEpochMs: millis(row.get('sim_epoch')), realEpochMs: millis(row.get('real_epoch')), speedup: num(row.get('speedup')), updatedAtMs: millis(row.get('updated_at')) };
  }
}

function airportFromRow(row: Row): Airport {
  return {
    iata: text(row.get('iata')), name: text(row.get('name')), city: text(row.get('city')), country: text(row.get('country')),
    latitude: num(row.get('latitude')), longitude: num(row.get('longitude')), type: text(row.get('type')),
  };
}

function planFromRow(row: Row, date: string): FlightPlan {
  return {
    flightNumber: text(row.get('flight_number')), date, origin: text(row.get('origin')), destination: text(row.get('destination')),
    departureAtMs: millis(row.get('departure_at')), arrivalAtMs: millis(row.get('arrival_at')), speedKmh: num(row.get('speed_kmh')),
  };
}

function statusFromRow(row: Row): FlightStatusRecord {
  const status = text(row.get('status'));
  return {
    flightNumber: text(row.get('flight_number')), date: text(row.get('date')),
    // An unknown value (written by a newer version) reads as scheduled rather than failing the page.
    status: isFlightStatus(status) ? status : 'scheduled',
    gate: row.get('gate') === null ? null : text(row.get('gate')),
    origin: text(row.get('origin')), destination: text(row.get('destination')),
    departureAtMs: millis(row.get('departure_at')), arrivalAtMs: millis(row.get('arrival_at')), speedKmh: num(row.get('speed_kmh')),
    estimatedDepartureAtMs: optionalMillis(row.get('estimated_departure_at')),
    actualDepartureAtMs: optionalMillis(row.get('actual_departure_at')),
    actualArrivalAtMs: optionalMillis(row.get('actual_arrival_at')),
    updatedAtMs: millis(row.get('updated_at')),
  };
}

function positionFromRow(row: Row): PlanePosition {
  const status = text(row.get('status'));
  return { ...trackingFromRow(row), origin: text(row.get('origin')), destination: text(row.get('destination')), status: isFlightStatus(status) ? status : 'en_route' };
}

function trackingFromRow(row: Row): TrackingSample {
  const phase = text(row.get('phase'));
  return {
    flightNumber: text(row.get('flight_number')), date: text(row.get('date')), recordedAtMs: millis(row.get('recorded_at')),
    latitude: num(row.get('latitude')), longitude: num(row.get('longitude')), altitudeFt: num(row.get('altitude_ft')),
    groundSpeedKmh: num(row.get('ground_speed_kmh')), verticalRateFpm: num(row.get('vertical_rate_fpm')),
    headingDeg: num(row.get('heading_deg')), fuelKg: num(row.get('fuel_kg')),
    phase: (flightPhases as readonly string[]).includes(phase) ? (phase as FlightPhase) : 'cruise',
  };
}
