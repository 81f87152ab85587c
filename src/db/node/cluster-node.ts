// The cluster half of a running node, wired from its configuration: gossip and internode
// messaging on the storage port (startClusterServices), the replica verbs, the batchlog, the
// coordinator (StorageProxy) with persisted hints, schema propagation between nodes
// (schema-sync.ts), client events from gossip (TOPOLOGY_CHANGE, STATUS_CHANGE), and the
// periodic chores: LOAD announcements, hint delivery and batchlog replay.

import { registerRepairVerbs, type RepairStore } from '../cluster/repair/repair-verbs.js';
import { registerReplicaVerbs, type ReplicaStore } from '../cluster/replica-verbs.js';
import type { SecondaryIndexes } from './secondary-indexes.js';
import type { MaterializedViews } from './materialized-views.js';
import { viewDelivery } from './view-delivery.js';
import type { TraceContext, TraceWriter } from '../cluster/tracing/trace-state.js';
import { registerTracedVerbs, tracedMessaging, tracedStore } from '../cluster/tracing/traced-verbs.js';
import { startClusterServices, type ClusterServices } from '../cluster/cluster-services.js';
import { formatEndpoint, parseEndpoint, type Endpoint } from '../cluster/endpoint.js';
import type { EndpointState } from '../cluster/gossip/endpoint-state.js';
import { isGoneStatus, parseStatus, statusOf } from '../cluster/gossip/endpoint-state.js';
import { StreamManager } from '../cluster/streaming/stream-manager.js';
import { peersFromGossip } from '../cluster/gossip/peer-info.js';
import { loadSavedRing, RingSaver } from '../cluster/ring/saved-ring.js';
import { gossipEndpointsMax } from '../common/limits.js';
import type { TimerHandle, World } from '../common/world.js';
import { Batchlog, openBatchlogEngine } from '../coordinator/batchlog.js';
import { HintStore } from '../coordinator/hints.js';
import { PaxosReplica, registerPaxosVerbs } from '../cluster/paxos/paxos-state.js';
import { StorageProxy } from '../coordinator/storage-proxy.js';
import type { ClientRequestObserver } from '../coordinator/request-metrics.js';
import { registerCounterVerbs } from '../coordinator/counters.js';
import type { EventMessage } from '../protocol/messages.js';
import type { Schema } from '../schema/schema.js';
import { RELEASE_VERSION, type PeerInfo } from '../schema/system-tables.js';
import type { StorageEngine } from '../storage/engine.js';
import type { NodeConfig } from './config.js';
import type { NodeIdentity } from './identity.js';
import { SchemaSync } from './schema-sync.js';
import { writeSmallFile } from './small-file.js';

export interface ClusterNodeOptions {
  config: NodeConfig;
  world: World;
  identity: NodeIdentity;
  schema: Schema;
  storage: StorageEngine;
  dataDirectory: string;
  hintsDirectory: string;
  /** A joining node: it gossips no STATUS until Membership.bootstrap has the schema and announces BOOT. */
  bootstrap?: boolean;
  /** Query tracing: traced requests' replica work is recorded (cluster/tracing). */
  tracing?: { context: TraceContext; writer: TraceWriter };
  /** Told of every client request the coordinator serves (node metrics). */
  requests?: ClientRequestObserver;
  /** The node's secondary indexes, wrapping storage for the replica paths; storage alone without. */
  indexes?: SecondaryIndexes;
  /** The node's materialized views, wrapping the indexes (or storage) for the replica paths. */
  views?: MaterializedViews;
  /**
   * The batchlog's engine (openBatchlogEngine), when the node opened it before its storage
   * (commit-log replay stores view updates there); opened here otherwise. Closed when this stops.
   */
  batchlogStore?: StorageEngine;
}

/** The store the coordinator and the replica verbs use: recording storage events while a trace session is current. */
function replicaStore(options: ClusterNodeOptions): ReplicaStore {
  const { schema, tracing } = options;
  // Writes, reads and truncations go through the secondary indexes, which keep their tables in step.
  const storage = options.views ?? options.indexes ?? options.storage;
  if (tracing === undefined) return storage;
  return tracedStore(storage, { context: tracing.context, tableName: (tableId) => schema.findTableById(tableId)?.name ?? tableId });
}

/**
 * Where repaired partitions land: through the materialized views when the node has them, so a
 * base table's repaired rows update its views (Cassandra's REPAIR stream operation requires a
 * view build: CassandraStreamReceiver sends such tables through the write path), else the
 * secondary indexes, else storage.
 */
function repairStoreOf(options: ClusterNodeOptions): RepairStore {
  const data = options.indexes ?? options.storage;
  const views = options.views;
  if (views === undefined) return data;
  return { scan: (tableId, start, end) => data.scan(tableId, start, end), apply: (mutations) => views.apply(mutations) };
}

/** What the node learns from the rest of the process once the query processor exists. */
export interface ClusterNodeHooks {
  emit(event: EventMessage): void;
  schemaImported(): Promise<void>;
}

const loadIntervalMs = 10_000;
const choresIntervalMs = 5_000;

export class ClusterNode {
  readonly proxy: StorageProxy;
  readonly hints: HintStore;
  readonly batchlog: Batchlog;
  /** This node's Paxos acceptor state, in the batchlog's engine (system.paxos). */
  readonly paxos: PaxosReplica;
  readonly schemaSync: SchemaSync;
  readonly streams: StreamManager;
  /**
   * Where streamed partitions land: through the secondary indexes when the node has them, not the
   * views. Bootstrap, decommission and removenode move every table of a keyspace, views' tables
   * too, as Cassandra's BOOTSTRAP, DECOMMISSION and RESTORE_REPLICA_COUNT streams (no view build).
   */
  readonly dataStore: RepairStore;
  /** Where repaired partitions land (repairStoreOf): through the views. */
  readonly repairStore: RepairStore;
  /**
   * Whether stopping announces a shutdown in gossip. A joining node must not (peers would take
   * its TOKENS as owned), nor a node that left (it would look like an owner that stopped).
   */
  announceShutdown = true;
  /** Peers announced to clients as NEW_NODE (a joining one only once it is NORMAL). */
  private readonly announced = new Set<Endpoint>();
  private hooks: ClusterNodeHooks | undefined;
  private readonly timers = new Map<string, TimerHandle>();
  private stopped = false;
  private readonly known = new Set<Endpoint>();

  private constructor(readonly services: ClusterServices, private readonly options: ClusterNodeOptions, private readonly batchlogStore: StorageEngine) {
    const { world, config, schema, storage } = options;
    // Cassandra replays batchlog entries older than twice the write timeout.
    this.batchlog = new Batchlog({ clock: world.clock, logger: world.logger.child({ component: 'batchlog' }), store: batchlogStore, replayAfterMs: 4_000 });
    this.paxos = new PaxosReplica({ clock: world.clock, state: batchlogStore, data: replicaStore(options) });
    this.hints = new HintStore({ clock: world.clock, logger: world.logger, disk: world.disk, directory: options.hintsDirectory, hintWindowMs: config.maxHintWindowMs });
    this.proxy = new StorageProxy({
      clock: world.clock, logger: world.logger.child({ component: 'coordinator' }), ring: services.ring,
      messaging: options.tracing === undefined ? services.messaging : tracedMessaging(services.messaging, options.tracing.context),
      isAlive: (endpoint) => services.gossiper.isAlive(endpoint), store: replicaStore(options),
      replicationOf: (keyspace) => schema.findKeyspace(keyspace)?.replication,
      keyspaceOfTable: (tableId) => schema.findTableById(tableId)?.keyspace,
      speculativeRetryOf: (tableId) => schema.findTableById(tableId)?.options.speculativeRetry,
      localDataCenter: config.dc,
      writeTimeoutMs: config.requestTimeouts.writeMs, readTimeoutMs: config.requestTimeouts.readMs,
      rangeTimeoutMs: config.requestTimeouts.rangeMs, counterWriteTimeoutMs: config.requestTimeouts.counterWriteMs,
      truncateTimeoutMs: config.requestTimeouts.truncateMs,
      batchIds: () => timeUuid(world), hints: this.hints, localBatchlog: this.batchlog,
      ...(options.requests === undefined ? {} : { requests: options.requests }),
      paxos: { replica: this.paxos, random: world.random, casContentionTimeoutMs: config.casContentionTimeoutMs },
      counterId: options.identity.hostId,
    });
    // View mutations go from each base replica to its paired view replica (view-delivery.ts).
    options.views?.setDelivery(viewDelivery({
      localEndpoint: services.messaging.localEndpoint, replicasFor: (replication, token) => services.ring.replicasFor(replication, token),
      pendingReplicasFor: (replication, token) => services.ring.pendingReplicasFor(replication, token),
      replicationOf: (keyspace) => schema.findKeyspace(keyspace)?.replication, isAlive: (endpoint) => services.gossiper.isAlive(endpoint),
      messaging: services.messaging, hint: (endpoint, mutation) => this.proxy.hintMutation(endpoint, mutation),
      logger: world.logger.child({ component: 'view' }), timeoutMs: config.requestTimeouts.writeMs,
      batchlog: this.batchlog, batchIds: () => timeUuid(world), clock: world.clock,
    }));
    // Hints already stored are still delivered when handoff is off; only new ones stop.
    this.proxy.hintedHandoffEnabled = config.hintedHandoffEnabled;
    this.dataStore = options.indexes ?? storage;
    this.repairStore = repairStoreOf(options);
    this.streams = new StreamManager({
      messaging: services.messaging, store: this.dataStore, clock: world.clock, logger: world.logger.child({ component: 'streaming' }),
      throughputBytesPerSecond: config.streamThroughputOutboundBytesPerSecond, isAlive: (endpoint) => services.gossiper.isAlive(endpoint),
    });
    this.schemaSync = new SchemaSync({
      world, schema, gossiper: services.gossiper, messaging: services.messaging,
      imported: () => this.hooks?.schemaImported() ?? Promise.resolve(),
    });
  }

  static async start(options: ClusterNodeOptions): Promise<ClusterNode> {
    const { config, world, identity, schema, storage } = options;
    const generationPath = `${options.dataDirectory}/gossip-generation`;
    const previousGeneration = (await world.disk.exists(generationPath)) ? Number((await world.disk.readFile(generationPath)).toString('utf8')) || 0 : 0;
    const savedPeers = await loadSavedRing(world.disk, `${options.dataDirectory}/saved-ring.json`, world.logger);
    const services = await startClusterServices({
      clock: world.clock, random: world.random, network: world.network, logger: world.logger,
      clusterName: config.clusterName,
      localEndpoint: formatEndpoint(config.broadcastAddress, config.storagePort),
      listenHost: config.listenAddress,
      seeds: config.seeds.map((seed) => formatEndpoint(seed.host, seed.port)),
      tokens: identity.tokens, previousGeneration, savedPeers,
      dataCenter: config.dc, rack: config.rack, hostId: identity.hostId,
      rpcAddress: config.broadcastRpcAddress, nativePort: config.nativeTransportPort,
      releaseVersion: RELEASE_VERSION, schemaVersion: schema.schemaVersion(),
      initialStatus: options.bootstrap === true ? 'none' : 'NORMAL',
    });
    let batchlogStore: StorageEngine | undefined;
    try {
      batchlogStore = options.batchlogStore ?? await openBatchlogEngine(world, batchlogDirectory(options.dataDirectory), { syncMode: config.commitlogSync, syncPeriodMs: config.commitlogSyncPeriodMs });
      return await ClusterNode.wire(services, options, { generationPath, batchlogStore });
    } catch (error) {
      await services.stop({ announce: false });
      await batchlogStore?.close();
      throw error;
    }
  }

  private static async wire(services: ClusterServices, options: ClusterNodeOptions, parts: { generationPath: string; batchlogStore: StorageEngine }): Promise<ClusterNode> {
    const { config, world, storage } = options;
    await writeSmallFile(world, parts.generationPath, String(services.gossiper.generation), options.dataDirectory);
    registerReplicaVerbs(services.messaging, { store: replicaStore(options), logger: world.logger.child({ component: 'replica' }) });
    if (options.tracing !== undefined) {
      registerTracedVerbs(services.messaging, { ...options.tracing, clock: world.clock, random: world.random, logger: world.logger.child({ component: 'tracing' }) });
    }
    registerRepairVerbs(services.messaging, { store: repairStoreOf(options), logger: world.logger.child({ component: 'repair' }) });
    const node = new ClusterNode(services, options, parts.batchlogStore);
    node.streams.register();
    await node.batchlog.load();
    node.batchlog.register(services.messaging);
    registerPaxosVerbs(services.messaging, node.paxos);
    if (node.proxy.counterLeader !== undefined) registerCounterVerbs(services.messaging, node.proxy.counterLeader);
    await node.hints.load();
    await node.schemaSync.start();
    services.gossiper.subscribe({
      onAlive: (endpoint, state) => node.peerUp(endpoint, state),
      onDead: (endpoint, state) => node.statusEvent('DOWN', endpoint, state),
      onJoin: (endpoint, state) => node.joined(endpoint, state),
      // nodetool removenode advertises 'removed' under a newer generation: a restart into it.
      onRestart: (endpoint, state) => { if (isGoneStatus(statusOf(state))) node.left(endpoint); },
      onChange: (endpoint, key, value) => {
        if (key !== 'STATUS') return;
        const status = parseStatus(value.value);
        if (isGoneStatus(status)) node.left(endpoint);
        else if (status === 'NORMAL') node.turnedNormal(endpoint);
      },
    });
    node.every('load', loadIntervalMs, () => services.gossiper.setApplicationState('LOAD', String(storage.loadBytes())));
    node.every('hints and batchlog', choresIntervalMs, () => node.chores());
    // The ring as last known, so that after a restart replicas are placed right at once.
    const ringSaver = new RingSaver({ disk: world.disk, path: `${options.dataDirectory}/saved-ring.json`, directory: options.dataDirectory, ring: services.ring, localEndpoint: services.messaging.localEndpoint });
    node.every('saved ring', choresIntervalMs, async () => { await ringSaver.saveIfChanged(); });
    world.logger.info('cluster services started', { endpoint: services.messaging.localEndpoint, generation: services.gossiper.generation, seeds: config.seeds.length });
    return node;
  }

  /** Connects events and schema imports to the query processor. */
  attach(hooks: ClusterNodeHooks): void {
    this.hooks = hooks;
  }

  get generation(): number {
    return this.services.gossiper.generation;
  }

  peers(): PeerInfo[] {
    return peersFromGossip(this.services.gossiper);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers.values()) timer.cancel();
    this.schemaSync.stop();
    await this.services.stop({ announce: this.announceShutdown });
    await this.batchlogStore.close();
  }

  private every(name: string, intervalMs: number, chore: () => void | Promise<void>): void {
    const run = () => {
      if (this.stopped) return;
      Promise.resolve(chore())
        .catch((error: unknown) => this.options.world.logger.warn('cluster chore failed', { chore: name, error }))
        .finally(() => { if (!this.stopped) this.timers.set(name, this.options.world.clock.setTimer(intervalMs, run)); });
    };
    this.timers.set(name, this.options.world.clock.setTimer(intervalMs, run));
  }

  private async chores(): Promise<void> {
    for (const endpoint of this.hints.endpointsWithHints()) {
      if (this.services.gossiper.isAlive(endpoint)) await this.proxy.replayHints(endpoint);
    }
    await this.batchlog.replayOrphans((mutations) => this.proxy.replayBatch(mutations));
  }

  private peerUp(endpoint: Endpoint, state: EndpointState): void {
    // A joining node (no STATUS yet, or BOOT) is UP for clients once it has joined (turnedNormal), as in Cassandra.
    const status = statusOf(state);
    if (status !== undefined && status !== 'BOOT') this.statusEvent('UP', endpoint, state);
    this.proxy.replayHints(endpoint).catch((error: unknown) => this.options.world.logger.info('hint replay failed', { endpoint, error }));
  }

  /** A node new to this one (not a restart of one it knew) is a NEW_NODE for clients. */
  private joined(endpoint: Endpoint, state: EndpointState): void {
    if (this.known.has(endpoint) || this.known.size >= gossipEndpointsMax) return;
    this.known.add(endpoint);
    const status = state.states.get('STATUS')?.value;
    if (status !== undefined && parseStatus(status) === 'NORMAL') {
      this.announced.add(endpoint);
      this.topologyEvent('NEW_NODE', endpoint, state);
    }
  }

  /** A peer that joined (BOOT, then NORMAL): NEW_NODE, then UP, for drivers. */
  private turnedNormal(endpoint: Endpoint): void {
    if (endpoint === this.services.messaging.localEndpoint || this.announced.has(endpoint) || this.announced.size >= gossipEndpointsMax) return;
    this.announced.add(endpoint);
    this.known.add(endpoint);
    const state = this.services.gossiper.endpointState(endpoint);
    this.topologyEvent('NEW_NODE', endpoint, state);
    if (state !== undefined && this.services.gossiper.isAlive(endpoint)) this.statusEvent('UP', endpoint, state);
  }

  private left(endpoint: Endpoint): void {
    this.announced.delete(endpoint);
    this.known.delete(endpoint);
    this.topologyEvent('REMOVED_NODE', endpoint);
  }

  private statusEvent(change: 'UP' | 'DOWN', endpoint: Endpoint, state: EndpointState): void {
    const address = this.nativeAddress(endpoint, state);
    if (address !== undefined) this.hooks?.emit({ type: 'STATUS_CHANGE', change, ...address });
  }

  private topologyEvent(change: 'NEW_NODE' | 'REMOVED_NODE', endpoint: Endpoint, state?: EndpointState): void {
    const address = this.nativeAddress(endpoint, state ?? this.services.gossiper.endpointState(endpoint));
    if (address !== undefined) this.hooks?.emit({ type: 'TOPOLOGY_CHANGE', change, ...address });
  }

  /** A peer's client address (RPC_ADDRESS, NATIVE_PORT), as drivers name hosts in events. */
  private nativeAddress(endpoint: Endpoint, state: EndpointState | undefined): { address: string; port: number } | undefined {
    if (endpoint === this.services.messaging.localEndpoint) return undefined;
    const host = state?.states.get('RPC_ADDRESS')?.value ?? parseEndpoint(endpoint)?.host;
    const port = Number(state?.states.get('NATIVE_PORT')?.value ?? this.options.config.nativeTransportPort);
    if (host === undefined || !Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
    return { address: host, port };
  }
}

/** Where the batchlog's engine keeps its data and commit log, under the data directory. */
export function batchlogDirectory(dataDirectory: string): string {
  return `${dataDirectory}/batchlog`;
}

/** A version-1 (time-based) UUID's bytes for batchlog ids. */
export function timeUuid(world: Pick<World, 'clock' | 'random'>): Buffer {
  const bytes = world.random.bytes(16);
  const ticks = BigInt(world.clock.nowMs()) * 10_000n + 0x01b21dd213814000n;
  bytes.writeUInt32BE(Number(ticks & 0xffffffffn), 0);
  bytes.writeUInt16BE(Number((ticks >> 32n) & 0xffffn), 4);
  bytes.writeUInt16BE(Number((ticks >> 48n) & 0x0fffn) | 0x1000, 6);
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return bytes;
}
