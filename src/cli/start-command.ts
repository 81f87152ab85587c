// `aero start` (`npm start`): everything for a demo in one command. Starts the local database
// (one node today; the local cluster once `aero cluster` exists: swap startLocalNode for it),
// creates the schema, loads airports, flies a few dozen flights and serves the map. Ctrl-C
// stops it all; a second start reuses the data directory. With --contact-points it uses an
// existing database (Cassandra, ScyllaDB or a cluster of ours) instead.

import type { Command } from 'commander';
import { openAppDatabase, type AppDatabase } from '../flights/app/bootstrap.js';
import { startLocalNode, type LocalDatabase } from '../flights/app/local-database.js';
import { join } from 'node:path';
import { addDatabaseOptions, boundedNumber, databaseOptionsFrom, type DatabaseFlags } from '../flights/app/options.js';
import { addInitialFlights, createSimulator } from '../flights/app/run-simulator.js';
import { describeDatabaseError } from '../flights/model/database.js';
import { isTerminalStatus } from '../flights/model/flight.js';
import type { Simulator } from '../flights/sim/simulator.js';
import { systemChance, systemClock } from '../flights/sim/world.js';
import { startWebServer, type WebServer } from '../flights/web/server.js';
import { readManifest } from './cluster/manifest.js';
import { startCluster, stopCluster, stopTimeoutMsDefault } from './cluster/operations.js';
import type { CliConsole, CommandContext } from './console.js';
import { addSimulatorOptions, cliLogger, simulatorOptionsFrom, type SimulatorFlags } from './sim-command.js';
import { addWebOptions, webOptionsFrom, type WebFlags } from './web-command.js';

interface StartFlags extends DatabaseFlags, SimulatorFlags, WebFlags {
  nodes?: string;
  flights?: string;
  dataDir: string;
  nativePort?: string;
}

export function registerStartCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('start')
    .description('start the database, the simulator with a few dozen flights and the live map')
    .option('--nodes <n>', 'local database nodes: 1 runs one node in the foreground; more run `aero cluster` on 127.0.0.1..N (keyspace RF 3, or N when smaller)', '1')
    .option('--flights <n>', 'flights to keep in the air (random ones are added up to this)', '40')
    .option('--data-dir <dir>', 'where the local database keeps its data', '.aero')
    .option('--native-port <port>', 'CQL port of the local database node', '9042');
  addWebOptions(command);
  addSimulatorOptions(command);
  addDatabaseOptions(command, {});
  command.addHelpText('after', '\nWith --contact-points no local database starts: the application uses that one (with --local-dc, --username/--password, --tls...).');
  command.action(async (flags: StartFlags) => context.setExitCode(await runStart(flags, context)));
}

/** `aero cluster start` for the application: N nodes on 127.0.0.1..N, stopped with us. */
async function startLocalCluster(options: { directory: string; nodeCount: number; nativePort: number }, io: CliConsole): Promise<LocalDatabase> {
  const offset = options.nativePort - 9042;
  const code = await startCluster({
    directory: options.directory, nodeCount: options.nodeCount, nativePort: options.nativePort,
    storagePort: 7000 + offset, adminPort: 7199 + offset, startTimeoutMs: 120_000,
  }, io);
  const manifest = readManifest(options.directory);
  if (code !== 0 || manifest === null) throw new Error(`the local cluster in ${options.directory} did not start`);
  return {
    contactPoints: manifest.nodes.map((node) => `${node.address}:${manifest.nativePort}`),
    localDataCenter: 'datacenter1',
    replicationFactor: Math.min(3, manifest.nodes.length),
    logFile: manifest.directory,
    stop: async () => void (await stopCluster(manifest.directory, io, { timeoutMs: stopTimeoutMsDefault })),
  };
}

interface Running {
  local: LocalDatabase | null;
  database: AppDatabase | null;
  simulator: Simulator | null;
  web: WebServer | null;
}

async function runStart(flags: StartFlags, context: CommandContext): Promise<number> {
  const logger = cliLogger(context);
  const running: Running = { local: null, database: null, simulator: null, web: null };
  const stopRequested = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  try {
    const nodes = Math.round(boundedNumber(flags.nodes, { name: '--nodes', fallback: 1, min: 1, max: 9 }));
    const flights = Math.round(boundedNumber(flags.flights, { name: '--flights', fallback: 40, min: 0, max: 2_000 }));
    const simulatorOptions = simulatorOptionsFrom(flags);
    const webOptions = webOptionsFrom(flags);
    let databaseFlags: DatabaseFlags = flags;
    if (flags.contactPoints === undefined) {
      const nativePort = Math.round(boundedNumber(flags.nativePort, { name: '--native-port', fallback: 9042, min: 1, max: 65_535 }));
      context.io.out(`starting the database (${nodes} node${nodes === 1 ? '' : 's'}, data in ${flags.dataDir})\n`);
      running.local = nodes === 1
        ? await startLocalNode({
          dataDir: flags.dataDir, host: '127.0.0.1', nativePort, storagePort: 7000 + (nativePort - 9042), adminPort: 7199 + (nativePort - 9042), startTimeoutMs: 60_000,
        }, systemClock)
        : await startLocalCluster({ directory: join(flags.dataDir, 'cluster'), nodeCount: nodes, nativePort }, context.io);
      databaseFlags = { ...flags, contactPoints: running.local.contactPoints.join(','), localDc: running.local.localDataCenter, replicationFactor: flags.replicationFactor ?? String(running.local.replicationFactor) };
    }
    running.database = await openAppDatabase(databaseOptionsFrom(databaseFlags, process.env), { clock: systemClock, logger, progressStream: process.stderr, connectAttempts: 30 });
    running.simulator = await createSimulator(running.database, { clock: systemClock, chance: systemChance, logger, options: simulatorOptions });
    const active = running.simulator.list().filter((flight) => !isTerminalStatus(flight.status)).length;
    for (const line of await addInitialFlights(running.simulator, { add: [], random: Math.max(0, flights - active) })) context.io.out(`${line}\n`);
    running.simulator.start();
    running.web = await startWebServer(running.database, { clock: systemClock, chance: systemChance, logger, options: webOptions });
    context.io.out(`flying ${running.simulator.list().length} flights at ${simulatorOptions.speedup}x; map at ${running.web.url}\nCtrl-C stops everything\n`);
    await stopRequested;
    context.io.out('stopping\n');
    return 0;
  } catch (error) {
    context.io.err(`aero start: ${describeDatabaseError(error)}\n`);
    return 1;
  } finally {
    await stopAll(running, logger);
  }
}

async function stopAll(running: Running, logger: { info(message: string): void; warn(message: string): void }): Promise<void> {
  const steps: [string, (() => Promise<void>) | undefined][] = [
    ['web server', running.web?.close],
    ['simulator', running.simulator === null ? undefined : () => running.simulator?.stop() ?? Promise.resolve()],
    ['database client', running.database?.close],
    ['database', running.local?.stop],
  ];
  for (const [name, stop] of steps) {
    if (stop === undefined) continue;
    try {
      const began = systemClock.nowMs();
      await stop();
      logger.info(`stopped the ${name} (${systemClock.nowMs() - began} ms)`);
    } catch (error) {
      logger.warn(`stopping the ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
