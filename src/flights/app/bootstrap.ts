// Connecting the application: driver client, schema, airports (loaded once, with a progress
// bar on a terminal). Shared by `aero sim`, `aero web` and `aero start`.

import type cassandra from 'cassandra-driver';
import cliProgress from 'cli-progress';
import { bundledAirports, loadAirports } from '../model/airports.js';
import { createClient, ensureSchema, type DatabaseOptions } from '../model/database.js';
import { createTablesCql } from '../model/schema.js';
import type { Airport } from '../model/flight.js';
import { FlightStore } from '../model/store.js';
import type { AppLogger, WallClock } from '../model/world.js';

export interface AppDatabase {
  client: cassandra.Client;
  store: FlightStore;
  airports: Map<string, Airport>;
  close(): Promise<void>;
}

export const connectAttemptsMax = 60;

/** Connects, retrying while the database starts (bounded), creates the schema, loads airports. */
export async function openAppDatabase(options: DatabaseOptions, world: {
  clock: WallClock;
  logger: AppLogger;
  /** Draw a progress bar on this stream (a terminal) while loading airports. */
  progressStream?: NodeJS.WriteStream;
  connectAttempts?: number;
}): Promise<AppDatabase> {
  const attempts = Math.min(connectAttemptsMax, world.connectAttempts ?? 1);
  let client = createClient(options);
  for (let attempt = 1; ; attempt++) {
    try {
      await client.connect();
      break;
    } catch (error) {
      await client.shutdown();
      if (attempt >= attempts) throw error;
      await world.clock.sleep(1_000);
      client = createClient(options);
    }
  }
  try {
    // A role with only SELECT and MODIFY (aero start's flights_app) may not run even
    // IF NOT EXISTS DDL, so the schema is created only when something is missing.
    if (!(await schemaExists(client, options.keyspace))) await ensureSchema(client, options);
    const store = new FlightStore(client, options);
    await loadAirportsWithProgress(store, world);
    const airports = new Map((await store.listAirports()).map((airport) => [airport.iata, airport]));
    const seenHosts = trackHosts(client);
    return { client, store, airports, close: () => shutdownClient(client, seenHosts) };
  } catch (error) {
    await client.shutdown();
    throw error;
  }
}

/** Whether the keyspace holds every table of the application (system_schema is readable by every role). */
export async function schemaExists(client: cassandra.Client, keyspace: string): Promise<boolean> {
  const wanted = createTablesCql(keyspace).map((statement) => /CREATE TABLE IF NOT EXISTS [^.\s]+\.(\w+)/.exec(statement)?.[1]);
  const result = await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [keyspace], { prepare: true });
  const present = new Set(result.rows.map((row) => String(row.get('table_name'))));
  return wanted.every((table) => table !== undefined && present.has(table));
}

type ClosableHost = { shutdown?: (waitForPending: boolean) => Promise<void> };

/** Every Host object the driver ever used, including ones it later replaced. */
function trackHosts(client: cassandra.Client): Set<ClosableHost> {
  const seen = new Set<ClosableHost>(client.hosts.values() as unknown as ClosableHost[]);
  client.on('hostAdd', (host: unknown) => seen.add(host as ClosableHost));
  return seen;
}

/**
 * When every node was down, the driver re-resolves its contact points and replaces its Host
 * objects, but the replaced ones keep their pools reconnecting every few seconds forever,
 * which keeps the process alive after shutdown(). Shutting down each Host ever seen ends that.
 */
async function shutdownClient(client: cassandra.Client, hosts: Set<ClosableHost>): Promise<void> {
  for (const host of client.hosts.values() as unknown as ClosableHost[]) hosts.add(host);
  await client.shutdown();
  for (const host of hosts) await host.shutdown?.(false);
}

async function loadAirportsWithProgress(store: FlightStore, world: { logger: AppLogger; progressStream?: NodeJS.WriteStream }): Promise<void> {
  const stream = world.progressStream;
  const bar = stream?.isTTY === true
    ? new cliProgress.SingleBar({ stream, format: 'loading airports [{bar}] {percentage}% {value}/{total}', hideCursor: true }, cliProgress.Presets.shades_classic)
    : null;
  let lastLoggedPercent = -1;
  const inserted = await loadAirports(store, bundledAirports(), {
    concurrency: 32,
    onStart: (total) => {
      if (total > 0) {
        world.logger.info(`loading ${total} airports`);
        bar?.start(total, 0);
      }
    },
    onProgress: ({ done, total }) => {
      if (bar !== null) bar.update(done);
      const percent = Math.floor((done * 4) / total) * 25;
      if (bar === null && percent !== lastLoggedPercent) {
        lastLoggedPercent = percent;
        world.logger.info(`airports: ${done}/${total}`);
      }
    },
  });
  bar?.stop();
  if (inserted === 0) world.logger.info('airports already loaded');
}
