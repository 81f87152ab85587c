// The composition root. buildNode wires a whole node — schema, storage engine, cluster
// services (gossip, messaging, coordinator, hints, batchlog, schema sync), auth, query
// processor, native-protocol server, admin channel — from an injected World (clock, random,
// disk, network, logger), and stops them in the reverse order: clients are drained before
// storage closes. startNode builds the real World (system clock and randomness, the files
// under the configured directories, TCP, a pino log file) and calls buildNode; the in-process
// harness (test/harness/node-cluster.ts) calls buildNode with a simulated one.

import { AuditLogger } from './audit-log.js';
import { indexTableId, tableIndexList } from '../schema/indexes.js';
import { SecondaryIndexes } from './secondary-indexes.js';
import { MaterializedViews, viewReplayObserver, type BuiltViewsFile } from './materialized-views.js';
import { Batchlog, openBatchlogEngine } from '../coordinator/batchlog.js';
import { encodeBatchStoreRequest } from '../cluster/messaging/payloads.js';
import { writeSmallFile } from './small-file.js';
import { join, relative, sep } from 'node:path';
import { ConfigurationError } from '../common/errors.js';
import type { Logger, World } from '../common/world.js';
import { systemClock, systemRandom } from '../platform/clock.js';
import { realDisk } from '../platform/disk.js';
import { systemNetwork } from '../platform/network.js';
import { Schema } from '../schema/schema.js';
import { StorageEngine, type EngineTableOptions } from '../storage/engine.js';
import { QueryProcessor } from '../query/query-processor.js';
import { CqlTraceWriter, NodeTracing } from '../coordinator/tracing.js';
import type { TraceState } from '../cluster/tracing/trace-state.js';
import { asyncContext } from '../platform/async-context.js';
import { startNativeServer, type NativeServer } from '../transport/server.js';
import { startAdminServer, type AdminOperations, type AdminServer, type AdminTarget } from './admin.js';
import { NodeMetrics, type MetricSources } from './metrics.js';
import { vmScriptRuntime } from '../platform/script-runtime.js';
import type { LogLevel, NodeConfig } from './config.js';
import { loadOrCreateIdentity } from './identity.js';
import { createLogger } from './logging.js';
import { nodeNetworks } from './encryption.js';
import { clusterDescription, localNodeInfo, systemRows } from './system-info.js';
import { ClusterNode, batchlogDirectory, timeUuid } from './cluster-node.js';
import { clusterStatus } from './cluster-status.js';
import { repairNode } from './repair-operation.js';
import { statsReports, threadPools } from './nodetool-stats-reports.js';
import { systemViewRows } from './system-views.js';
import { endpointsForKey, nodeReports } from './nodetool-reports.js';
import { Membership, readBootstrapState, shouldBootstrap, writeBootstrapState } from './membership.js';
import type { NodeIdentity } from './identity.js';
import { awaitSetup, nodeAuth, type NodePasswords } from './node-auth.js';

export interface StartNodeOptions {
  /** Configuration warnings gathered before the logger existed; logged at startup. */
  warnings?: readonly string[];
  /** Also log to stdout (foreground `aero node`); the log file is always written. */
  stdout?: boolean;
}

export interface BuildNodeOptions {
  /** Where data, commit log and hints sit on world.disk (default: data, commitlog, hints). */
  layout?: DiskLayout;
  /** How passwords are hashed (default bcrypt at cost 10, in slices); the harness hashes inline and cheaply. */
  passwords?: NodePasswords;
  /** Writes out buffered log lines; called when the node has stopped or failed to start. */
  flushLog?: () => void;
  /** Adds prom-client's process metrics (event loop, GC, memory) to /metrics: one node per process only. */
  processMetrics?: boolean;
  /** The logger's level, adjustable at runtime (nodetool setlogginglevel); absent, the admin channel cannot change it. */
  logLevel?: { level(): LogLevel; setLevel(level: LogLevel): void; errorsLogged?(): number };
}

export interface RunningNode {
  readonly config: NodeConfig;
  readonly logger: Logger;
  /** The bound ports (differ from the configuration when it asked for port 0). */
  readonly nativePort: number;
  readonly adminPort: number;
  /** Stops the admin channel, drains clients for up to drainMs, closes storage. Idempotent. */
  stop(options?: { drainMs?: number }): Promise<void>;
  /** Resolves once the node has stopped, whoever stopped it (a decommission stops its own node). */
  readonly stopped: Promise<void>;
}

/** How long clients get to finish in-flight requests at shutdown, unless told otherwise. */
const drainMsDefault = 10_000;

/** Directories on a node's Disk (paths relative to its root). */
export interface DiskLayout {
  dataDirectory: string;
  commitLogDirectory: string;
  hintsDirectory: string;
}

/** One Disk rooted at the deepest directory holding data, commit log and hints; paths under it. */
export function diskLayout(config: NodeConfig): DiskLayout & { root: string } {
  const data = config.dataFileDirectories[0];
  if (data === undefined) throw new ConfigurationError('data_file_directories', 'expected at least one directory');
  const directories = [data, config.commitlogDirectory, config.hintsDirectory];
  let root = data;
  while (!directories.every((directory) => directory === root || directory.startsWith(root.endsWith(sep) ? root : root + sep))) {
    root = join(root, '..');
  }
  const under = (directory: string) => relative(root, directory).split(sep).join('/') || '.';
  return { root, dataDirectory: under(data), commitLogDirectory: under(config.commitlogDirectory), hintsDirectory: under(config.hintsDirectory) };
}

/** Starts a node on the real World: the system clock and randomness, its directories, TCP, a log file. */
export async function startNode(config: NodeConfig, options: StartNodeOptions = {}): Promise<RunningNode> {
  const logger = createLogger({ level: config.logLevel, file: join(config.logDirectory, 'system.log'), stdout: options.stdout ?? false });
  for (const warning of options.warnings ?? []) logger.warn(warning);
  const layout = diskLayout(config);
  const world: World = { clock: systemClock(), random: systemRandom(), disk: realDisk(layout.root, { accessMode: config.diskAccessMode }), network: systemNetwork(), logger };
  logger.info('starting node', { clusterName: config.clusterName, listenAddress: config.listenAddress, dataRoot: layout.root });
  return buildNode(world, config, { layout, flushLog: () => logger.flush(), processMetrics: true, logLevel: logger });
}

/** Wires a whole node from the injected World and starts it; a failed start closes what it opened. */
export async function buildNode(world: World, config: NodeConfig, options: BuildNodeOptions = {}): Promise<RunningNode> {
  const cleanups: Array<() => Promise<void>> = [];
  const flushLog = options.flushLog ?? (() => undefined);
  const layout = options.layout ?? { dataDirectory: 'data', commitLogDirectory: 'commitlog', hintsDirectory: 'hints' };
  try {
    return await assemble(config, { world, logger: world.logger, layout, cleanups, flushLog, processMetrics: options.processMetrics ?? false, ...(options.logLevel === undefined ? {} : { logLevel: options.logLevel }), ...(options.passwords === undefined ? {} : { passwords: options.passwords }) });
  } catch (error) {
    // Undo what started, newest first, so a failed start leaves no port bound and no file open.
    for (const cleanup of cleanups.reverse()) await cleanup().catch((cause: unknown) => world.logger.error('cleanup after a failed start failed', { error: cause }));
    world.logger.error('node failed to start', { error });
    flushLog();
    throw error;
  }
}

interface AssemblyContext {
  world: World;
  logger: Logger;
  layout: DiskLayout;
  cleanups: Array<() => Promise<void>>;
  flushLog: () => void;
  processMetrics: boolean;
  logLevel?: { level(): LogLevel; setLevel(level: LogLevel): void; errorsLogged?(): number };
  passwords?: NodePasswords;
}

async function assemble(config: NodeConfig, context: AssemblyContext): Promise<RunningNode> {
  const { world, logger, layout, cleanups } = context;
  // TLS settings are checked (files read, key and certificate matched) before any data opens.
  const networks = nodeNetworks(config, { base: world.network, logger });
  cleanups.push(async () => networks.close());
  await world.disk.makeDirectory(layout.dataDirectory);
  const schema = await Schema.load(world.disk, `${layout.dataDirectory}/schema.json`, world.random, { dataCenters: () => [config.dc], nowMicros: () => world.clock.nowMs() * 1000 });
  const firstStart = !(await world.disk.exists(`${layout.dataDirectory}/identity.json`));
  const bootstrap = shouldBootstrap({ config, firstStart, state: await readBootstrapState(world, layout.dataDirectory) });
  // Recorded before the identity exists: a crash from here on still joins again at the next start.
  if (bootstrap) await writeBootstrapState(world, layout.dataDirectory, 'IN_PROGRESS');
  const identity = await loadOrCreateIdentity(world.disk, layout.dataDirectory, { random: world.random, numTokens: config.numTokens, initialTokens: config.initialTokens });
  // The batchlog opens first: replaying a base table's commit log stores its view updates there
  // (viewReplayObserver). ClusterNode takes it over and closes it when it stops.
  const batchlogStore = await openBatchlogEngine(world, batchlogDirectory(layout.dataDirectory), { syncMode: config.commitlogSync, syncPeriodMs: config.commitlogSyncPeriodMs });
  cleanups.push(() => batchlogStore.close());
  const nowSeconds = () => Math.floor(world.clock.nowMs() / 1000);
  const replayedViewUpdates = new Batchlog({ clock: world.clock, logger, store: batchlogStore, replayAfterMs: 0 });
  // Every table must be open before the commit log replays, or its mutations would be skipped.
  const storage = await StorageEngine.open({
    world, dataDirectory: layout.dataDirectory, commitLogDirectory: layout.commitLogDirectory,
    syncMode: config.commitlogSync, syncPeriodMs: config.commitlogSyncPeriodMs, memtableFlushBytes: config.memtableFlushBytes, ...config.storageTuning,
    ...(config.memtableSpaceBytes === undefined ? {} : { memtableSpaceBytes: config.memtableSpaceBytes }),
    tables: storageTables(schema),
    replayObserver: viewReplayObserver({
      schema, logger: logger.child({ component: 'view' }), nowSeconds,
      storeInBatchlog: (mutations) => replayedViewUpdates.store(encodeBatchStoreRequest({ batchId: timeUuid(world), creationMicros: world.clock.nowMicros(), mutations })),
    }),
  });
  cleanups.push(() => storage.close());
  // Internode traffic, gossip included, goes over server_encryption_options' network.
  // Trace rows are written with CQL through this node's own coordinator (processor, below).
  const tracing = { context: asyncContext<TraceState>(), writer: new CqlTraceWriter((query, values, consistency): Promise<unknown> => processor.internalQuery(query, values, consistency)) };
  const metrics = new NodeMetrics({ defaultMetrics: context.processMetrics });
  const indexes = new SecondaryIndexes({ storage, schema, logger: logger.child({ component: 'index' }), nowSeconds });
  const views = new MaterializedViews({
    store: { apply: (m, e, h) => indexes.apply(m, e, h), read: (c) => indexes.read(c), truncate: (id) => indexes.truncate(id), hasTable: (id) => storage.hasTable(id) },
    schema, logger: logger.child({ component: 'view' }), nowSeconds,
    builtFile: builtViewsFile(world, layout.dataDirectory),
  });
  await views.start();
  const cluster = await ClusterNode.start({ config, world: { ...world, network: networks.internode }, identity, schema, storage, indexes, views, batchlogStore, dataDirectory: layout.dataDirectory, hintsDirectory: layout.hintsDirectory, tracing, bootstrap, requests: metrics });
  // A bootstrap that fails stops without announcing a shutdown: peers must not take a joining node's tokens as owned.
  let clusterStopped: Promise<void> | undefined;
  const stopCluster = () => (clusterStopped ??= cluster.stop());
  cleanups.push(() => { cluster.announceShutdown = membership.mode !== 'JOINING'; return stopCluster(); });
  const membership = new Membership({ world, config, schema, storage, indexes, cluster, streams: cluster.streams, tokens: identity.tokens, dataDirectory: layout.dataDirectory });
  const local = localNodeInfo(config, identity, cluster.generation);
  const security = nodeAuth(config, world, { executor: { execute: (query, values, consistency) => processor.internalQuery(query, values, consistency) }, ...(context.passwords === undefined ? {} : { passwords: context.passwords }) });
  const processor = new QueryProcessor({
    world, schema, storage, coordinator: cluster.proxy, auth: security.auth,
    virtualRows: systemRows({
      schema, local: () => local, peers: () => cluster.peers(), builtIndexes: () => indexes.builtIndexes(), builtViews: () => views.builtViews(),
      views: systemViewRows({
        config, schema, storage, messaging: cluster.services.messaging.stats, coordinatorTables: metrics.coordinatorTables,
        clients: () => native?.clients() ?? [],
        pools: () => threadPools({
          schema, storage, messaging: cluster.services.messaging, proxy: metrics.proxy, hints: () => cluster.hints.stats(),
          localMutations: () => ({ active: cluster.proxy.stats.localMutationsActive, completed: cluster.proxy.stats.localMutationsCompleted }),
          localReads: () => ({ active: cluster.proxy.stats.localReadsActive, completed: cluster.proxy.stats.localReadsCompleted }),
          nativeRequests: () => native?.requestStats() ?? { active: 0, pending: 0, completed: 0 },
        }),
        placement: (endpoint) => placementOf(cluster, endpoint, config),
        uptimeSeconds: () => (world.clock.monotonicMs() - startedMs) / 1000,
      }),
    }),
    describeCluster: () => clusterDescription({ config, schema, ring: cluster.services.ring }),
    tracing: new NodeTracing({ ...tracing, clock: world.clock, random: world.random, logger: logger.child({ component: 'tracing' }), localEndpoint: cluster.services.messaging.localEndpoint }),
    batchGuard: config.batchGuard,
    userFunctions: {
      enabled: config.userDefinedFunctions.enabled, scriptedEnabled: config.userDefinedFunctions.scriptedEnabled,
      runtime: vmScriptRuntime({ timeoutMs: config.userDefinedFunctions.failTimeoutMs }),
    },
    materializedViews: config.materializedViewsEnabled,
    storageSynced: () => { indexes.buildMissing(); views.buildMissing(); },
  });
  cluster.attach({ emit: (event) => processor.emitNodeEvent(event), schemaImported: () => processor.schemaImported() });
  await processor.start();
  const authSetup = security.startSetup();
  cleanups.push(() => Promise.resolve(authSetup?.cancel()));
  await awaitSetup(authSetup, world);
  // The admin channel answers while the node joins (netstats shows the bootstrap's streams).
  const startedMs = world.clock.monotonicMs();
  let native: NativeServer | undefined;
  let draining: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  let stopRunning: () => Promise<void> = () => Promise.resolve();
  metrics.bind(metricSources({ schema, storage, cluster, native: () => native }));
  const audit = new AuditLogger(config.auditLogging, logger.child({ component: 'audit' }));
  cleanups.push(() => audit.close());
  const admin = await startAdminServer({
    network: world.network, clock: world.clock, host: config.listenAddress, port: config.adminPort, logger,
    operations: {
      setAuditLog: async (enabled) => {
        if (enabled) audit.enable();
        else await audit.disable();
        return { ...audit.stats() };
      },
      ...adminOperations({
        config, schema, storage, native: () => native, cluster, identity, membership, logger: world.logger.child({ component: 'repair' }),
        uptimeMs: () => world.clock.monotonicMs() - startedMs, stopSoon: () => world.clock.setTimer(500, () => void stopRunning()),
      }),
      reports: {
        ...nodeReports({
          config, schema, storage, cluster, hostId: identity.hostId, tokens: identity.tokens, mode: () => (draining === undefined ? membership.mode : 'DRAINED'),
          nativeAccepting: () => native?.isAccepting() ?? false, uptimeMs: () => world.clock.monotonicMs() - startedMs,
          errorsLogged: () => context.logLevel?.errorsLogged?.() ?? 0,
        }),
        ...statsReports({
          schema, storage, messaging: cluster.services.messaging, proxy: metrics.proxy, hints: () => cluster.hints.stats(),
          localMutations: () => ({ active: cluster.proxy.stats.localMutationsActive, completed: cluster.proxy.stats.localMutationsCompleted }),
          localReads: () => ({ active: cluster.proxy.stats.localReadsActive, completed: cluster.proxy.stats.localReadsCompleted }),
          nativeRequests: () => native?.requestStats() ?? { active: 0, pending: 0, completed: 0 },
        }),
      },
      ...(context.logLevel === undefined ? {} : { logging: context.logLevel }),
      // nodetool drain: no more clients, no more gossip or replica writes, then every memtable flushed.
      drain: () => (draining ??= (async () => {
        logger.info('draining: closing the native transport, stopping gossip and messaging, flushing memtables');
        await native?.close({ drainMs: drainMsDefault });
        await stopCluster();
        await storage.flush();
        logger.info('drained');
      })()),
      getEndpoints: (keyspace, table, key) => endpointsForKey({ schema, cluster }, keyspace, table, key),
      metrics: () => metrics.text(),
      // Up once clients are served: a joining node is not (yet) healthy.
      health: () => {
        const checks = { nativeTransport: native?.isAccepting() ?? false, stopping: stopping !== undefined, drained: draining !== undefined };
        return { up: checks.nativeTransport && !checks.stopping && !checks.drained, checks };
      },
    },
  });
  cleanups.push(() => admin.close());
  if (bootstrap) await membership.bootstrap();
  else await membership.markNormal();
  native = await startNativeServer({
    network: networks.native, host: config.rpcAddress, port: config.nativeTransportPort, handler: processor, logger, clock: world.clock,
    frameBodyBytesMax: config.nativeTransportMaxFrameSizeBytes, connectionsMax: config.nativeTransportMaxConcurrentConnections,
    requestsRunningMax: config.nativeTransportMaxThreads,
    requestData: config.nativeTransportRequestData, ...(security.authenticator === undefined ? {} : { authenticator: security.authenticator }),
    audit: { logger: audit, host: config.broadcastRpcAddress, nowMs: () => world.clock.nowMs() },
  });
  cleanups.push(() => native.close({ drainMs: 0 }));
  // Peers and drivers reach this node's clients on the port actually bound (port 0 picks one).
  if (native.port !== config.nativeTransportPort) cluster.services.gossiper.setApplicationState('NATIVE_PORT', String(native.port));
  logger.info('node started', { nativePort: native.port, adminPort: admin.port, hostId: identity.hostId, tokens: identity.tokens.length });
  let resolveStopped: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => { resolveStopped = resolve; });
  const running = native;
  const stop = (stopOptions: { drainMs?: number } = {}) => (authSetup?.cancel(), stopping ??= stopNode({ admin, native: running, audit, networks, storage, stopCluster, logger, flushLog: context.flushLog }, stopOptions.drainMs ?? drainMsDefault).finally(resolveStopped));
  // A decommissioned node stops itself (its process then exits).
  stopRunning = () => stop().catch((error: unknown) => logger.error('stopping after decommission failed', { error }));
  return { config, logger, nativePort: native.port, adminPort: admin.port, stop, stopped };
}

/** What /metrics reads at each scrape, from the parts that keep it. */
function metricSources(parts: { schema: Schema; storage: StorageEngine; cluster: ClusterNode; native: () => NativeServer | undefined }): MetricSources {
  const { schema, storage, cluster, native } = parts;
  const { gossiper, messaging } = cluster.services;
  return {
    tables: () => storage.tableStats().map((t) => ({ keyspace: t.keyspace, table: schema.findTableById(t.tableId)?.name ?? t.tableId, memtableBytes: t.memtableBytes, sstableCount: t.sstableCount, sstableBytes: t.sstableBytes })),
    compactions: () => storage.compactionStats(),
    loadBytes: () => storage.sstableBytes(),
    hints: () => cluster.hints.stats(),
    readRepairs: () => cluster.proxy.stats.readRepairs,
    droppedMessages: () => messaging.droppedMessages(),
    endpoints: () => gossiper.endpoints().map((endpoint) => ({ endpoint, alive: endpoint === messaging.localEndpoint || gossiper.isAlive(endpoint) })),
    nativeClients: () => native()?.connectionCount() ?? 0,
    caches: () => storage.cacheStats(),
  };
}

/** views-built.json in the data directory: the ids of the views this node has built. */
function builtViewsFile(world: World, directory: string): BuiltViewsFile {
  const path = `${directory}/views-built.json`;
  return {
    load: async () => {
      if (!(await world.disk.exists(path))) return [];
      const parsed: unknown = JSON.parse((await world.disk.readFile(path)).toString('utf8'));
      return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
    },
    save: (ids) => writeSmallFile(world, path, JSON.stringify(ids), directory),
  };
}

/** The tables the storage engine holds: every non-virtual table of the schema. */
export function storageTables(schema: Schema): EngineTableOptions[] {
  return schema.allKeyspaces()
    .filter((keyspace) => !keyspace.virtual)
    .flatMap((keyspace) => [...keyspace.tables.values()].filter((table) => !table.virtual)
      .flatMap((table) => [
        { keyspace: keyspace.name, tableId: table.id, gcGraceSeconds: table.options.gcGraceSeconds },
        ...tableIndexList(table).map((index) => ({ keyspace: keyspace.name, tableId: indexTableId(table.id, index.name), gcGraceSeconds: table.options.gcGraceSeconds })),
      ]));
}

/** The table ids an admin operation applies to; undefined means every table. */
function targetTableIds(schema: Schema, target: AdminTarget): string[] | undefined {
  if (target.keyspace === undefined) return undefined;
  const keyspace = schema.getKeyspace(target.keyspace);
  if (keyspace.virtual) return [];
  if (target.table === undefined) return [...keyspace.tables.values()].filter((table) => !table.virtual).map((table) => table.id);
  return [schema.getTable(target.keyspace, target.table).id];
}

interface StoppableParts {
  admin: AdminServer;
  native: NativeServer;
  audit: AuditLogger;
  /** Their certificate watchers stop with the node. */
  networks: { close(): void };
  storage: StorageEngine;
  /** Stops gossip, messaging and the cluster's chores; once (a drained node has stopped them already). */
  stopCluster: () => Promise<void>;
  logger: Logger;
  flushLog: () => void;
}

async function stopNode(parts: StoppableParts, drainMs: number): Promise<void> {
  const { admin, native, storage, logger } = parts;
  logger.info('stopping node', { drainMs });
  await admin.close();
  await native.close({ drainMs });
  // Every request has been answered: what the audit log holds goes to disk.
  await parts.audit.close();
  parts.networks.close();
  // Peers hear of the shutdown (gossip) before storage closes.
  await parts.stopCluster();
  // The commit log holds everything the memtables hold, so closing without a flush loses nothing.
  await storage.close();
  logger.info('node stopped');
  parts.flushLog();
}

interface AdminParts {
  config: NodeConfig;
  schema: Schema;
  storage: StorageEngine;
  /** Undefined while the node joins (clients are served once it has joined). */
  native: () => NativeServer | undefined;
  cluster: ClusterNode;
  identity: NodeIdentity;
  membership: Membership;
  uptimeMs: () => number;
  /** Stops the node shortly (after the admin reply went out). */
  stopSoon: () => void;
  logger: Logger;
}

function adminOperations(parts: AdminParts): AdminOperations {
  const { config, schema, storage, native } = parts;
  const eachTable = async (target: AdminTarget, operation: (tableId?: string) => Promise<void>) => {
    const tableIds = targetTableIds(schema, target);
    if (tableIds === undefined) await operation();
    else for (const tableId of tableIds) await operation(tableId);
  };
  return {
    flush: (target) => eachTable(target, (tableId) => storage.flush(tableId)),
    compact: (target) => eachTable(target, (tableId) => storage.compact(tableId)),
    repair: (target) => repairNode({ schema, storage, cluster: parts.cluster, logger: parts.logger }, target),
    setHintedHandoff: (enabled) => { parts.cluster.proxy.hintedHandoffEnabled = enabled; },
    decommission: async () => {
      const result = await parts.membership.decommission();
      // A node that left must not announce a shutdown (peers would take it as a stopped owner).
      parts.cluster.announceShutdown = false;
      parts.stopSoon();
      return result;
    },
    removeNode: (hostId) => parts.membership.removeNode(hostId),
    removalStatus: () => parts.membership.removalStatus(),
    cleanup: (target) => parts.membership.cleanup(target),
    netstats: () => parts.membership.netstats(),
    localData: (target) => parts.membership.localPartitions(target),
    status: (target) =>
      Promise.resolve({
        clusterName: config.clusterName,
        listenAddress: config.listenAddress,
        rpcAddress: config.rpcAddress,
        nativePort: native()?.port ?? config.nativeTransportPort,
        dataCenter: config.dc,
        rack: config.rack,
        hostId: parts.identity.hostId,
        state: parts.membership.mode,
        schemaVersion: schema.schemaVersion(),
        loadBytes: storage.loadBytes(),
        clientConnections: native()?.connectionCount() ?? 0,
        uptimeSeconds: Math.floor(parts.uptimeMs() / 1000),
        ...clusterStatus(parts.cluster, { schema, tokens: parts.identity.tokens, keyspace: target?.keyspace }),
      }),
  };
}

/** A peer endpoint's datacenter and rack as gossip knows them (this node's own for itself). */
function placementOf(cluster: ClusterNode, endpoint: string, config: NodeConfig): { dc: string; rack: string } {
  const state = cluster.services.gossiper.endpointState(endpoint)?.states;
  return { dc: state?.get('DC')?.value ?? config.dc, rack: state?.get('RACK')?.value ?? config.rack };
}
