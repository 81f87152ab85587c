// The flight-control schema as CQL text. Partitions follow the reads (DESIGN.md, "Flight
// control"): airports by code; a day's departures and arrivals of one airport; a day's
// flights (what the simulator flies and the map shows); a flight's status (strong) and its
// time-ordered tracking samples (weak, expiring by TTL). Every statement is idempotent.

export type ReplicationStrategy = 'SimpleStrategy' | 'NetworkTopologyStrategy';

export interface ReplicationOptions {
  strategy: ReplicationStrategy;
  replicationFactor: number;
  /** For NetworkTopologyStrategy: the datacenter that holds the replicas. */
  dataCenter?: string;
}

export const replicationFactorMax = 9;

const identifierPattern = /^[a-z][a-z0-9_]{0,47}$/;

export function isKeyspaceName(name: string): boolean {
  return identifierPattern.test(name);
}

export function createKeyspaceCql(keyspace: string, replication: ReplicationOptions): string {
  if (!isKeyspaceName(keyspace)) throw new RangeError(`invalid keyspace name '${keyspace}'`);
  const factor = replication.replicationFactor;
  if (!Number.isInteger(factor) || factor < 1 || factor > replicationFactorMax) {
    throw new RangeError(`replication factor must be 1..${replicationFactorMax}, got ${factor}`);
  }
  let map: string;
  if (replication.strategy === 'SimpleStrategy') {
    map = `{'class': 'SimpleStrategy', 'replication_factor': ${factor}}`;
  } else {
    const dc = replication.dataCenter ?? 'datacenter1';
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(dc)) throw new RangeError(`invalid datacenter name '${dc}'`);
    map = `{'class': 'NetworkTopologyStrategy', '${dc}': ${factor}}`;
  }
  return `CREATE KEYSPACE IF NOT EXISTS ${keyspace} WITH replication = ${map}`;
}

/** CREATE TABLE statements, in creation order. */
export function createTablesCql(keyspace: string): string[] {
  if (!isKeyspaceName(keyspace)) throw new RangeError(`invalid keyspace name '${keyspace}'`);
  const k = keyspace;
  return [
    `CREATE TABLE IF NOT EXISTS ${k}.airports (iata text PRIMARY KEY, name text, city text, country text,
      latitude double, longitude double, type text)`,
    `CREATE TABLE IF NOT EXISTS ${k}.flights_by_origin (origin text, date date, departure_at timestamp,
      flight_number text, destination text, arrival_at timestamp, speed_kmh int,
      PRIMARY KEY ((origin, date), departure_at, flight_number))`,
    // Keyed by the arrival date; flight_date is the flight's identity (its departure date).
    `CREATE TABLE IF NOT EXISTS ${k}.flights_by_destination (destination text, date date, arrival_at timestamp,
      flight_number text, flight_date date, origin text, departure_at timestamp, speed_kmh int,
      PRIMARY KEY ((destination, date), arrival_at, flight_number))`,
    `CREATE TABLE IF NOT EXISTS ${k}.flights_by_date (date date, departure_at timestamp, flight_number text,
      origin text, destination text, arrival_at timestamp, speed_kmh int,
      PRIMARY KEY ((date), departure_at, flight_number))`,
    `CREATE TABLE IF NOT EXISTS ${k}.flight_status (flight_number text, date date, status text, gate text,
      origin text, destination text, departure_at timestamp, arrival_at timestamp, speed_kmh int,
      estimated_departure_at timestamp, actual_departure_at timestamp, actual_arrival_at timestamp,
      updated_at timestamp, PRIMARY KEY ((flight_number, date)))`,
    // The day's statuses in one partition: what the simulator adopts and the flights table
    // filters on, one read per day instead of one per flight. Written with flight_status, in
    // the same logged batch.
    `CREATE TABLE IF NOT EXISTS ${k}.flight_status_by_date (date date, flight_number text, status text, gate text,
      estimated_departure_at timestamp, actual_departure_at timestamp, actual_arrival_at timestamp, updated_at timestamp,
      PRIMARY KEY ((date), flight_number))`,
    // Every status a flight went through, at sim time, and who set it.
    `CREATE TABLE IF NOT EXISTS ${k}.flight_status_history (flight_number text, date date, changed_at timestamp, status text,
      source text, note text, PRIMARY KEY ((flight_number, date), changed_at, status))`,
    // A flight number's dates, newest first: search finds a flight on any date.
    `CREATE TABLE IF NOT EXISTS ${k}.flights_by_number (flight_number text, date date, origin text, destination text,
      departure_at timestamp, arrival_at timestamp, speed_kmh int, PRIMARY KEY ((flight_number), date))
      WITH CLUSTERING ORDER BY (date DESC)`,
    `CREATE TABLE IF NOT EXISTS ${k}.flight_tracking (flight_number text, date date, recorded_at timestamp,
      latitude double, longitude double, altitude_ft int, ground_speed_kmh int, vertical_rate_fpm int,
      heading_deg double, fuel_kg int, phase text, updated_at timestamp,
      PRIMARY KEY ((flight_number, date), recorded_at)) WITH CLUSTERING ORDER BY (recorded_at DESC)`,
    // The newest sample of every flying flight by wall-clock bucket and shard (positions.ts):
    // what the map reads, a few partitions per poll instead of one per flight.
    `CREATE TABLE IF NOT EXISTS ${k}.flight_positions (bucket timestamp, shard int, flight_number text, date date,
      origin text, destination text, status text, recorded_at timestamp, latitude double, longitude double,
      altitude_ft int, ground_speed_kmh int, vertical_rate_fpm int, heading_deg double, fuel_kg int, phase text,
      PRIMARY KEY ((bucket, shard), flight_number, date))`,
    // One row per simulator: how its clock maps to the wall clock, so the map shows sim time.
    `CREATE TABLE IF NOT EXISTS ${k}.simulation_clock (name text PRIMARY KEY, sim_epoch timestamp,
      real_epoch timestamp, speedup double, updated_at timestamp)`,
  ].map((statement) => statement.replace(/\s+/g, ' '));
}

/** The DML the application prepares. */
export function queries(keyspace: string) {
  const k = keyspace;
  return {
    insertAirport: `INSERT INTO ${k}.airports (iata, name, city, country, latitude, longitude, type) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    selectAirports: `SELECT iata, name, city, country, latitude, longitude, type FROM ${k}.airports`,
    selectAirport: `SELECT iata, name, city, country, latitude, longitude, type FROM ${k}.airports WHERE iata = ?`,
    insertByOrigin: `INSERT INTO ${k}.flights_by_origin (origin, date, departure_at, flight_number, destination, arrival_at, speed_kmh) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    insertByDestination: `INSERT INTO ${k}.flights_by_destination (destination, date, arrival_at, flight_number, flight_date, origin, departure_at, speed_kmh) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    insertByDate: `INSERT INTO ${k}.flights_by_date (date, departure_at, flight_number, origin, destination, arrival_at, speed_kmh) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    selectByOrigin: `SELECT origin, date, departure_at, flight_number, destination, arrival_at, speed_kmh FROM ${k}.flights_by_origin WHERE origin = ? AND date = ?`,
    selectByDestination: `SELECT destination, date, arrival_at, flight_number, flight_date, origin, departure_at, speed_kmh FROM ${k}.flights_by_destination WHERE destination = ? AND date = ?`,
    selectByDate: `SELECT date, departure_at, flight_number, origin, destination, arrival_at, speed_kmh FROM ${k}.flights_by_date WHERE date = ?`,
    insertByNumber: `INSERT INTO ${k}.flights_by_number (flight_number, date, origin, destination, departure_at, arrival_at, speed_kmh) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    selectByNumber: `SELECT flight_number, date, origin, destination, departure_at, arrival_at, speed_kmh FROM ${k}.flights_by_number WHERE flight_number = ? LIMIT ?`,
    insertStatus: `INSERT INTO ${k}.flight_status (flight_number, date, status, gate, origin, destination, departure_at, arrival_at, speed_kmh,
      estimated_departure_at, actual_departure_at, actual_arrival_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    insertStatusByDate: `INSERT INTO ${k}.flight_status_by_date (date, flight_number, status, gate, estimated_departure_at, actual_departure_at, actual_arrival_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    selectStatusesByDate: `SELECT date, flight_number, status, gate, estimated_departure_at, actual_departure_at, actual_arrival_at, updated_at
      FROM ${k}.flight_status_by_date WHERE date = ?`,
    insertHistory: `INSERT INTO ${k}.flight_status_history (flight_number, date, changed_at, status, source, note) VALUES (?, ?, ?, ?, ?, ?)`,
    selectHistory: `SELECT changed_at, status, source, note FROM ${k}.flight_status_history WHERE flight_number = ? AND date = ? LIMIT ?`,
    ...statusUpdates(k),
    selectStatus: `SELECT flight_number, date, status, gate, origin, destination, departure_at, arrival_at, speed_kmh, estimated_departure_at, actual_departure_at, actual_arrival_at, updated_at FROM ${k}.flight_status WHERE flight_number = ? AND date = ?`,
    insertTracking: `INSERT INTO ${k}.flight_tracking (flight_number, date, recorded_at, latitude, longitude, altitude_ft, ground_speed_kmh, vertical_rate_fpm, heading_deg, fuel_kg, phase, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?`,
    selectTracking: `SELECT flight_number, date, recorded_at, latitude, longitude, altitude_ft, ground_speed_kmh, vertical_rate_fpm, heading_deg, fuel_kg, phase FROM ${k}.flight_tracking WHERE flight_number = ? AND date = ? LIMIT ?`,
    insertPosition: `INSERT INTO ${k}.flight_positions (bucket, shard, flight_number, date, origin, destination, status, recorded_at, latitude, longitude, altitude_ft, ground_speed_kmh, vertical_rate_fpm, heading_deg, fuel_kg, phase) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?`,
    selectPositions: `SELECT flight_number, date, origin, destination, status, recorded_at, latitude, longitude, altitude_ft, ground_speed_kmh, vertical_rate_fpm, heading_deg, fuel_kg, phase FROM ${k}.flight_positions WHERE bucket = ? AND shard = ?`,
    upsertClock: `INSERT INTO ${k}.simulation_clock (name, sim_epoch, real_epoch, speedup, updated_at) VALUES (?, ?, ?, ?, ?)`,
    selectClock: `SELECT name, sim_epoch, real_epoch, speedup, updated_at FROM ${k}.simulation_clock WHERE name = ?`,
  } as const;
}

/**
 * A status change: the status and, for a delay, a departure or a landing, the time it records,
 * in flight_status and in flight_status_by_date alike.
 */
function statusUpdates(k: string) {
  const set = (table: string, column: string | null, where: string) =>
    `UPDATE ${k}.${table} SET status = ?, ${column === null ? '' : `${column} = ?, `}updated_at = ? WHERE ${where}`;
  const byFlight = 'flight_number = ? AND date = ?';
  const byDate = 'date = ? AND flight_number = ?';
  return {
    updateStatus: set('flight_status', null, byFlight),
    updateStatusDelayed: set('flight_status', 'estimated_departure_at', byFlight),
    updateStatusDeparted: set('flight_status', 'actual_departure_at', byFlight),
    updateStatusLanded: set('flight_status', 'actual_arrival_at', byFlight),
    updateStatusByDate: set('flight_status_by_date', null, byDate),
    updateStatusByDateDelayed: set('flight_status_by_date', 'estimated_departure_at', byDate),
    updateStatusByDateDeparted: set('flight_status_by_date', 'actual_departure_at', byDate),
    updateStatusByDateLanded: set('flight_status_by_date', 'actual_arrival_at', byDate),
  };
}

export type Queries = ReturnType<typeof queries>;
