// `aero start` (`npm start`): everything for a demo in one command. Starts the local database
// (a 5-node `aero cluster` on 127.0.0.1..5 by default, or one node with --nodes 1), creates the
// schema, loads airports, flies a few dozen flights and serves the map. Ctrl-C stops it all; a
// second start reuses the data directory. The local database requires TLS and logins: the app
// connects as its own role `flights_app` (./cluster/app-security.ts), trusting the cluster's CA.
// With --contact-points it uses an existing database (Cassandra, ScyllaDB or a cluster of ours)
// instead, with the credentials and TLS options given.

import type { Command } from 'commander';
import { dirname, join } from 'node:path';
import { openAppDatabase, type AppDatabase } from '../flights/app/bootstrap.js';
import { startLocalNode, type LocalDatabase } from './local-node.js';
import { addDatabaseOptions, boundedNumber, databaseOptionsFrom, type DatabaseFlags } from '../flights/app/options.js';
import { createSimulator, startTimetable } from '../flights/app/run-simulator.js';
import { describeDatabaseError } from '../flights/model/database.js';
import { defaultFlightsInAir, flightsInAirMax } from '../flights/model/timetable.js';
import type { Simulator } from '../flights/sim/simulator.js';
import { systemChance, systemClock, type AppLogger } from '../flights/model/world.js';
import { startWebServer, type WebServer } from '../flights/web/server.js';
import { adminRoleName, secureAppDatabase, type RoleCredentials } from './cluster/app-security.js';
import { startLocalCluster } from './cluster/local-database.js';
import { ensureWebAdminToken, LocalClusterControl } from './cluster/panel-control.js';
import { readManifest } from './cluster/manifest.js';
import { createCertificates, caFileName, nodeKeystoreFileName } from './certs/files.js';
import type { DatabaseOptions } from '../flights/model/database.js';
import type { CliConsole, CommandContext } from './console.js';
import { addSimulatorOptions, cliLogger, simulatorOptionsFrom, type SimulatorFlags } from './sim-command.js';
import { addWebOptions, webOptionsFrom, type WebFlags } from './web-command.js';
import { startNodesMax } from '../db/common/limits.js';
import { stopWithParentVariable } from './parent-watch.js';

export const startNodesDefault = 5;
const clusterStartTimeoutMs = 120_000;
/**
 * Ctrl-C under `npm start` arrives twice: the terminal signals the whole process group and npm
 * forwards the signal to its child as well. Signals this soon after the first are that echo.
 */
const signalEchoMs = 2_000;

interface StartFlags extends DatabaseFlags, SimulatorFlags, WebFlags {
  nodes?: string;
  flights?: string;
  dataDir: string;
  nativePort?: string;
  storagePort?: string;
  adminPort?: string;
  /** false with --no-auth (local database only). */
  auth?: boolean;
}

export function registerStartCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('start')
    .description('start a local database cluster, the simulator with a few dozen flights and the live map')
    .option('--nodes <n>', `local database nodes (1 to ${startNodesMax}): more than 1 runs \`aero cluster\` on 127.0.0.1..N with the keyspace at RF 3 (N when smaller); 1 runs one node`, String(startNodesDefault))
    .option('--flights <n>', `flights in the air at once: a daily timetable between real airports, weighted by size, is sized for it (0 to ${flightsInAirMax})`, String(defaultFlightsInAir))
    .option('--data-dir <dir>', 'where the local database keeps its data (DIR/cluster, or DIR/node1 for --nodes 1); reused by the next start', '.aero')
    .option('--native-port <port>', 'CQL port of every local node', '9042')
    .option('--storage-port <port>', 'internode port of every local node (default: 7000, moved as much as --native-port is)')
    .option('--admin-port <port>', 'admin (nodetool) port of every local node (default: 7199, moved as much as --native-port is)');
  addWebOptions(command);
  addSimulatorOptions(command);
  addDatabaseOptions(command, { replicationFactorNote: 'default: 3 on the local cluster, 1 on one local node or with --contact-points' });
  command
    .option('--no-tls', 'a new local database without TLS (for debugging; a database created with TLS keeps it)')
    .option('--no-auth', 'a new local database without logins (for debugging; a cluster created with them keeps them)');
  command.addHelpText('after', [
    '',
    'Flight status is read and written at QUORUM, tracking at ONE (--strong-consistency, --weak-consistency).',
    'Ctrl-C stops the simulator, the map and the local nodes; the next start reuses their data.',
    'With --contact-points no local database starts: the application uses that one (with --local-dc,',
    '--replication-factor, --username/--password, --tls...).',
    'The local database requires TLS (CA DIR/certs/ca.pem) and logins: the app logs in as flights_app, which may only',
    'read and write the flights keyspace; passwords are in DIR/credentials/ (0600; admin is a superuser), where DIR is',
    '--data-dir/cluster (or --data-dir for --nodes 1).',
    'With a local cluster (--nodes 2 or more) the map has a Cluster tab (ring, node states, hints, where a flight lives);',
    'its Kill and Start buttons need the administrator link printed at start (token in DIR/credentials/web-admin-token, 0600).',
  ].join('\n'));
  command.action(async (flags: StartFlags) => context.setExitCode(await runStart(flags, context)));
}

interface Running {
  local: LocalDatabase | null;
  database: AppDatabase | null;
  simulator: Simulator | null;
  web: WebServer | null;
  cluster: LocalClusterControl | null;
}

interface StopSignals {
  requested: Promise<void>;
  isRequested(): boolean;
  dispose(): void;
}

/** SIGINT, SIGTERM or SIGHUP asks for a clean stop; another one later (not npm's echo) exits at once. */
function watchStopSignals(io: CliConsole, forcedExitHint: () => string): StopSignals {
  let firstAtMs: number | null = null;
  let resolveRequested: () => void = () => {};
  const requested = new Promise<void>((resolve) => { resolveRequested = resolve; });
  const onSignal = () => {
    const nowMs = systemClock.nowMs();
    if (firstAtMs === null) {
      firstAtMs = nowMs;
      resolveRequested();
      return;
    }
    if (nowMs - firstAtMs < signalEchoMs) return;
    io.err(`aero start: stopping at once${forcedExitHint()}\n`);
    process.exit(130);
  };
  // SIGHUP too: the local nodes run in their own process groups, so a closed terminal would
  // otherwise end this process and leave them running.
  const watched: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of watched) process.on(signal, onSignal);
  // Output piped to a reader that is gone (`npm start | tee log`, Ctrl-C: tee dies first) fails
  // every write with EPIPE, an 'error' event that would end this process with the nodes left
  // running. It means the user is gone: stop as on a signal, and write nothing more.
  const onOutputError = () => {
    if (firstAtMs === null) {
      firstAtMs = systemClock.nowMs();
      resolveRequested();
    }
  };
  for (const stream of [process.stdout, process.stderr]) stream.on('error', onOutputError);
  return {
    requested,
    isRequested: () => firstAtMs !== null,
    dispose: () => {
      for (const signal of watched) process.off(signal, onSignal);
      // The listeners on stdout and stderr stay: a write failing later must not crash the exit.
    },
  };
}

/** Thrown between startup steps when Ctrl-C came during startup. */
class StartInterrupted extends Error {}

async function runStart(flags: StartFlags, context: CommandContext): Promise<number> {
  const logger = cliLogger(context);
  const running: Running = { local: null, database: null, simulator: null, web: null, cluster: null };
  const startedAtMs = systemClock.nowMs();
  let clusterDirectory: string | null = null;
  const signals = watchStopSignals(context.io, () => (clusterDirectory === null ? '' : `; local nodes may still run: \`aero cluster stop --dir ${clusterDirectory}\``));
  // Each startup step finishes (what it started is then stopped in order), but no new one begins.
  const checkpoint = () => {
    if (signals.isRequested()) throw new StartInterrupted();
  };
  try {
    const flights = Math.round(boundedNumber(flags.flights, { name: '--flights', fallback: defaultFlightsInAir, min: 0, max: flightsInAirMax }));
    const simulatorOptions = simulatorOptionsFrom(flags);
    const webOptions = webOptionsFrom(flags);
    let databaseOptions = databaseOptionsFrom(flags, process.env);
    if (flags.contactPoints === undefined) {
      // The nodes stop by themselves if this process dies without stopping them (parent-watch.ts).
      process.env[stopWithParentVariable] = '1';
      const plan = localDatabasePlan(flags);
      clusterDirectory = plan.nodes > 1 ? plan.directory : null;
      const local = await startLocalDatabase(plan, context.io);
      running.local = local.database;
      checkpoint();
      databaseOptions = await localDatabaseOptions(flags, { plan, local, io: context.io });
      checkpoint();
    }
    running.database = await openAppDatabase(databaseOptions, { clock: systemClock, logger, progressStream: process.stderr, connectAttempts: 30 });
    checkpoint();
    running.simulator = await createSimulator(running.database, { clock: systemClock, chance: systemChance, logger, options: simulatorOptions });
    for (const line of await startTimetable(running.simulator, { flightsInAir: flights, airports: running.database.airports })) context.io.out(`${line}\n`);
    checkpoint();
    running.simulator.start();
    // The cluster panel (stop and start nodes) only on the cluster this process runs.
    const admin = clusterDirectory === null ? null : ensureWebAdminToken(clusterDirectory);
    if (clusterDirectory !== null && admin !== null) {
      running.cluster = new LocalClusterControl({ directory: clusterDirectory, database: databaseOptions, adminToken: admin.token, warn: (message) => logger.warn(message) });
    }
    running.web = await startWebServer(running.database, { clock: systemClock, chance: systemChance, logger, options: { ...webOptions, ...(running.cluster === null ? {} : { cluster: running.cluster }) } });
    checkpoint();
    const upInS = ((systemClock.nowMs() - startedAtMs) / 1000).toFixed(1);
    context.io.out(`flying ${running.simulator.list().length} flights (yesterday to tomorrow) at ${simulatorOptions.speedup}x; map at ${running.web.url} (up in ${upInS} s)\n`);
    if (admin !== null) context.io.out(`cluster panel administrator (stop and start nodes): ${running.web.url}#admin=${admin.token} (token in ${admin.file})\n`);
    context.io.out('Ctrl-C stops everything\n');
    await signals.requested;
    context.io.out('stopping\n');
    return 0;
  } catch (error) {
    if (error instanceof StartInterrupted) {
      context.io.out('stopping (interrupted during startup)\n');
      return 0;
    }
    context.io.err(`aero start: ${describeDatabaseError(error)}\n`);
    return 1;
  } finally {
    await stopAll(running, logger);
    signals.dispose();
  }
}

interface LocalDatabasePlan {
  nodes: number;
  tls: boolean;
  auth: boolean;
  /** DIR/cluster for a cluster, DIR for one node (which keeps its data in DIR/node1). */
  directory: string;
  nativePort: number;
  storagePort: number;
  adminPort: number;
}

function localDatabasePlan(flags: StartFlags): LocalDatabasePlan {
  const port = (value: string | undefined, name: string, { fallback }: { fallback: number }) => Math.round(boundedNumber(value, { name, fallback, min: 1, max: 65_535 }));
  const nodes = Math.round(boundedNumber(flags.nodes, { name: '--nodes', fallback: startNodesDefault, min: 1, max: startNodesMax }));
  const nativePort = port(flags.nativePort, '--native-port', { fallback: 9042 });
  // One --native-port moves all three, so a second demo beside the first needs one flag.
  const offset = nativePort - 9042;
  const storagePort = port(flags.storagePort, '--storage-port', { fallback: Math.min(65_535, Math.max(1, 7000 + offset)) });
  const adminPort = port(flags.adminPort, '--admin-port', { fallback: Math.min(65_535, Math.max(1, 7199 + offset)) });
  const directory = nodes === 1 ? flags.dataDir : join(flags.dataDir, 'cluster');
  return { nodes, tls: flags.tls !== false, auth: flags.auth !== false, directory, nativePort, storagePort, adminPort };
}

/** The local database started, and what it requires of clients (a cluster keeps what it was created with). */
interface StartedLocalDatabase {
  database: LocalDatabase;
  caFile: string | null;
  auth: boolean;
}

async function startLocalDatabase(plan: LocalDatabasePlan, io: CliConsole): Promise<StartedLocalDatabase> {
  io.out(`starting the database (${plan.nodes} node${plan.nodes === 1 ? '' : 's'}, data in ${plan.directory})\n`);
  if (plan.nodes === 1) return startSingleNode(plan);
  const database = await startClusterDatabase(plan, io);
  const manifest = readManifest(plan.directory);
  return { database, caFile: manifest?.tls?.caFile ?? null, auth: manifest?.auth === true };
}

async function startSingleNode(plan: LocalDatabasePlan): Promise<StartedLocalDatabase> {
  const host = '127.0.0.1';
  const certificates = join(plan.directory, 'certs');
  // Made once and kept, as `aero cluster start --tls` does for a cluster.
  if (plan.tls) createCertificates({ directory: certificates, nodes: [{ index: 1, addresses: [host] }], clients: [] });
  const tls = plan.tls ? { keystoreFile: join(certificates, nodeKeystoreFileName(1)), caFile: join(certificates, caFileName) } : null;
  const database = await startLocalNode({
    dataDir: plan.directory, host, nativePort: plan.nativePort, storagePort: plan.storagePort, adminPort: plan.adminPort, startTimeoutMs: 60_000,
    ...(tls === null ? {} : { tls }), auth: plan.auth,
  }, systemClock);
  return { database, caFile: tls?.caFile ?? null, auth: plan.auth };
}

/**
 * The app's options on the local database: its contact points, the CA to verify it with, and
 * (when it requires logins) the role flights_app, created on the first start.
 */
async function localDatabaseOptions(flags: StartFlags, context: { plan: LocalDatabasePlan; local: StartedLocalDatabase; io: CliConsole }): Promise<DatabaseOptions> {
  const { local, plan, io } = context;
  const options = databaseOptionsFrom({
    ...flags, contactPoints: local.database.contactPoints.join(','), localDc: local.database.localDataCenter,
    replicationFactor: flags.replicationFactor ?? String(local.database.replicationFactor),
  });
  delete options.username;
  delete options.password;
  delete options.tls;
  if (local.caFile !== null) options.tls = { caFile: local.caFile, rejectUnauthorized: true };
  if (!local.auth) {
    const why = plan.auth ? ' (it was created without --auth: a new --data-dir makes a secured one)' : '';
    io.out(`the local database takes clients without login${local.caFile === null ? ' and without TLS' : ''}${why}\n`);
    return options;
  }
  let app: RoleCredentials;
  try {
    app = await secureAppDatabase(options, { directory: plan.directory, authReplicationFactor: local.database.replicationFactor, io });
  } catch (error) {
    throw new Error(`setting up the app's role on the local database: ${describeDatabaseError(error)}`);
  }
  options.username = app.role;
  options.password = app.password;
  const ca = local.caFile === null ? 'no TLS' : `CA ${local.caFile}`;
  io.out(`cqlsh-like clients: user ${app.role}, password in ${app.file}, ${ca} (superuser: ${adminRoleName}, password in ${join(dirname(app.file), adminRoleName)})\n`);
  return options;
}

async function startClusterDatabase(plan: LocalDatabasePlan, io: CliConsole): Promise<LocalDatabase> {
  // A cluster keeps its size: say how to reuse it in aero start's own terms.
  const existing = readManifest(plan.directory);
  if (existing !== null && existing.nodes.length !== plan.nodes) {
    throw new Error(`${existing.directory} holds a cluster of ${existing.nodes.length} nodes, not ${plan.nodes}: use --nodes ${existing.nodes.length}, or another --data-dir`);
  }
  try {
    return await startLocalCluster({
      dataDir: plan.directory, nodes: plan.nodes, nativePort: plan.nativePort, storagePort: plan.storagePort, adminPort: plan.adminPort,
      startTimeoutMs: clusterStartTimeoutMs, io, tls: plan.tls, auth: plan.auth,
    });
  } catch (error) {
    // Most often another database (or another demo) holds the ports: say how to go around it.
    if (error instanceof Error && error.message.includes('already in use')) {
      throw new Error(`${error.message}\n  another database on these ports? --native-port N moves all three ports; --contact-points uses a running database`);
    }
    throw error;
  }
}

async function stopAll(running: Running, logger: AppLogger): Promise<void> {
  const steps: [string, (() => Promise<void>) | undefined][] = [
    ['web server', running.web?.close],
    ['cluster panel operation', running.cluster === null ? undefined : () => running.cluster?.settle() ?? Promise.resolve()],
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
