// Joining and leaving the ring (Cassandra's StorageService.joinTokenRing, decommission,
// removeNode and CompactionManager.performCleanup), on top of gossip's STATUS and streaming:
// - bootstrap: a new non-seed node gossips without a STATUS until it has the cluster's schema,
//   then announces BOOT with its tokens, waits ring_delay for every node to count it as a
//   pending replica (writes reach it from then on), fetches each range it
//   gains from a current replica, then announces NORMAL. bootstrap-state in the data directory
//   says IN_PROGRESS until then, so a restart after a failure joins again (streams rewrite
//   nothing newer: last write wins).
// - decommission: LEAVING, ring_delay, every range sent to the endpoints that gain it, hints
//   handed off, LEFT; the node then stops and refuses to start again on the same data.
// - removenode: the dead node's STATUS becomes `removing,<host id>` in gossip (it counts as
//   leaving: writes reach its ranges' new replicas as well, and nodetool status shows DL), its
//   ranges are copied from surviving replicas to their gainers, then it is `removed`.
// - cleanup: each table rewritten without the partitions this node does not replicate.

import { formatRemovalStatus, formatStatus } from '../cluster/gossip/endpoint-state.js';
import { chooseSource, rangeMovements, ringWithJoined, ringWithout, type RangeMovement } from '../cluster/streaming/range-movements.js';
import type { StreamManager, StreamTable } from '../cluster/streaming/stream-manager.js';
import type { Endpoint } from '../cluster/endpoint.js';
import type { TokenMetadata } from '../cluster/ring/token-metadata.js';
import { MIN_TOKEN, type TokenRange } from '../dht/token.js';
import { isEmptyPartition } from '../storage/partition.js';
import type { World } from '../common/world.js';
import type { KeyspaceMetadata, ReplicationOptions } from '../schema/metadata.js';
import { replicationFactors } from '../schema/replication.js';
import type { Schema } from '../schema/schema.js';
import type { StorageEngine } from '../storage/engine.js';
import type { SecondaryIndexes } from './secondary-indexes.js';
import type { ClusterNode } from './cluster-node.js';
import type { NodeConfig } from './config.js';
import type { AdminTarget } from './admin.js';
import { writeSmallFile } from './small-file.js';

export type BootstrapState = 'COMPLETED' | 'IN_PROGRESS' | 'DECOMMISSIONED';
export type OperationMode = 'STARTING' | 'JOINING' | 'NORMAL' | 'LEAVING' | 'DECOMMISSIONED';

/** A membership operation refused or failed for a reason the operator can act on. */
export class MembershipError extends Error {
  override readonly name = 'MembershipError';
}

const bootstrapStateFile = 'bootstrap-state';
/** Tokens GET /localdata lists at most (it counts them all). */
const localTokensListedMax = 200_000;
/** How long a removed node's gossip state is kept (Cassandra's aVeryLongTime, 3 days), in its `removed` STATUS. */
const removedStateKeptMs = 3 * 24 * 3600_000;
/** How long a joining node waits for a live replica of every range it gains before it gives up. */
const liveSourcesWaitMs = 30_000;
/** How long a joining node waits for the schema of its peers before it gives up. */
const schemaWaitMs = 60_000;

export async function readBootstrapState(world: World, dataDirectory: string): Promise<BootstrapState | undefined> {
  const path = `${dataDirectory}/${bootstrapStateFile}`;
  if (!(await world.disk.exists(path))) return undefined;
  const text = (await world.disk.readFile(path)).toString('utf8').trim();
  if (text === 'COMPLETED' || text === 'IN_PROGRESS' || text === 'DECOMMISSIONED') return text;
  throw new MembershipError(`${path} holds '${text.slice(0, 40)}', not COMPLETED, IN_PROGRESS or DECOMMISSIONED`);
}

export function writeBootstrapState(world: World, dataDirectory: string, state: BootstrapState): Promise<void> {
  return writeSmallFile(world, `${dataDirectory}/${bootstrapStateFile}`, state, dataDirectory);
}

/**
 * Whether this start must bootstrap, as Cassandra decides: auto_bootstrap, not a seed, and
 * either a first start (no identity yet) or a bootstrap that did not complete.
 */
export function shouldBootstrap(options: { config: NodeConfig; firstStart: boolean; state: BootstrapState | undefined }): boolean {
  const { config } = options;
  if (options.state === 'DECOMMISSIONED') {
    throw new MembershipError('this node was decommissioned and will not rejoin the ring; remove its data directory to add it as a new node');
  }
  if (options.state === 'IN_PROGRESS') return true;
  if (options.state === 'COMPLETED' || !options.firstStart || !config.autoBootstrap) return false;
  return !config.seeds.some((seed) => seed.host === config.broadcastAddress && seed.port === config.storagePort);
}

export interface MembershipParts {
  world: World;
  config: NodeConfig;
  schema: Schema;
  storage: StorageEngine;
  /** The node's secondary indexes: cleanup drops their entries of dropped ranges too. */
  indexes?: Pick<SecondaryIndexes, 'cleanup'>;
  cluster: ClusterNode;
  streams: StreamManager;
  tokens: readonly bigint[];
  dataDirectory: string;
}

/** Keyspaces whose data lives on several nodes (LocalStrategy and virtual ones stay put). */
function replicatedKeyspaces(schema: Schema): KeyspaceMetadata[] {
  return schema.allKeyspaces().filter((keyspace) => !keyspace.virtual && !keyspace.replication.class.endsWith('LocalStrategy'));
}

function tablesOf(keyspace: KeyspaceMetadata): StreamTable[] {
  return [...keyspace.tables.values()].filter((table) => !table.virtual).map((table) => ({ keyspace: keyspace.name, table: table.name, tableId: table.id }));
}

/** Ranges grouped by one endpoint (a source or a target). */
function byEndpoint(pairs: Array<{ endpoint: Endpoint; range: TokenRange }>): Map<Endpoint, TokenRange[]> {
  const grouped = new Map<Endpoint, TokenRange[]>();
  for (const { endpoint, range } of pairs) {
    const ranges = grouped.get(endpoint) ?? [];
    ranges.push(range);
    grouped.set(endpoint, ranges);
  }
  return grouped;
}

export class Membership {
  mode: OperationMode = 'STARTING';
  private operation: Promise<unknown> | undefined;
  /** The removal this node coordinates (nodetool removenode), while it runs. */
  private removal: { endpoint: Endpoint; hostId: string; phase: string } | undefined;

  constructor(private readonly parts: MembershipParts) {}

  private get local(): Endpoint {
    return this.parts.cluster.services.messaging.localEndpoint;
  }

  private get logger() {
    return this.parts.world.logger;
  }

  private status(status: 'BOOT' | 'NORMAL' | 'LEAVING' | 'LEFT'): void {
    this.parts.cluster.services.gossiper.setApplicationState('STATUS', formatStatus(status, this.parts.tokens));
  }

  /**
   * Joins the ring, in Cassandra's order (StorageService.joinTokenRing): gossip without a STATUS
   * until a peer is seen and the schema agrees (a node that announced BOOT earlier would be a
   * pending replica refusing writes to tables it does not know yet), the check that no other
   * node joins or leaves, then BOOT, ring_delay for every node to count it as a pending
   * replica, the streams, and NORMAL.
   */
  async bootstrap(): Promise<void> {
    const { world, config } = this.parts;
    this.mode = 'JOINING';
    this.logger.info('bootstrap: waiting for the ring and the schema before announcing BOOT', { ringDelayMs: config.ringDelayMs });
    await this.awaitAnyPeer();
    await this.awaitSchemaAgreement();
    this.refuseConcurrentMovement();
    this.status('BOOT');
    this.logger.info('bootstrap: announced BOOT, waiting ring_delay for peers to count this node as a pending replica', { ringDelayMs: config.ringDelayMs });
    await world.clock.sleep(config.ringDelayMs);
    const ring = this.parts.cluster.services.ring.clone();
    const others = ring.endpoints().filter((endpoint) => endpoint !== this.local);
    if (others.length === 0) {
      this.logger.warn('bootstrap: the nodes gossip knows own no tokens yet (a new cluster); nothing to stream');
    } else {
      const future = ringWithJoined(ring, this.local, this.parts.tokens);
      await this.awaitLiveSources(ring, future);
      let partitions = 0;
      for (const keyspace of replicatedKeyspaces(this.parts.schema)) {
        const sources = this.fetchPlan(rangeMovements(ring, future, keyspace.replication), keyspace.name);
        for (const table of tablesOf(keyspace)) {
          for (const [peer, ranges] of sources) partitions += (await this.parts.streams.fetch('Bootstrap', { ...table, peer, ranges })).partitions;
        }
      }
      this.logger.info('bootstrap: streamed every gained range', { partitions });
    }
    this.status('NORMAL');
    await writeBootstrapState(world, this.parts.dataDirectory, 'COMPLETED');
    this.mode = 'NORMAL';
    this.logger.info('bootstrap complete: NORMAL', { tokens: this.parts.tokens.length });
  }

  /**
   * One range movement at a time (Cassandra's consistent range movement): streams planned
   * against a ring that another join or leave changes meanwhile would miss data. Checked before
   * BOOT, as Cassandra's joinTokenRing does: a node that announced BOOT and then gave up would
   * be a pending replica in the others' rings, and two nodes that checked after their own BOOT
   * would refuse each other, again at every restart.
   */
  private refuseConcurrentMovement(): void {
    const ring = this.parts.cluster.services.ring;
    const moving = [...ring.bootstrappingEndpoints(), ...ring.leavingEndpoints()].filter((endpoint) => endpoint !== this.local);
    if (moving.length > 0) {
      throw new MembershipError(`Other bootstrapping/leaving nodes detected (${moving.join(', ')}), cannot bootstrap while another node joins or leaves; start this node again once they are done`);
    }
  }

  /**
   * Waits (at most ring_delay) until gossip has a live peer, whose schema the node can then
   * agree with. Cassandra's "Unable to contact any seeds" when none answered: joining nothing
   * would claim ranges without their data.
   */
  private async awaitAnyPeer(): Promise<void> {
    const { config } = this.parts;
    const gossiper = this.parts.cluster.services.gossiper;
    const seen = () => gossiper.liveEndpoints().some((endpoint) => endpoint !== this.local);
    if (!(await this.pollUntil(seen, config.ringDelayMs, 200))) {
      throw new MembershipError(`bootstrap: no seed answered within ring_delay_ms (${config.ringDelayMs} ms); seeds: ${config.seeds.map((seed) => `${seed.host}:${seed.port}`).join(', ')}`);
    }
  }

  /** Records a start that needs no bootstrap (a seed, auto_bootstrap off, or a restart). */
  async markNormal(): Promise<void> {
    if ((await readBootstrapState(this.parts.world, this.parts.dataDirectory)) === undefined) {
      await writeBootstrapState(this.parts.world, this.parts.dataDirectory, 'COMPLETED');
    }
    this.mode = 'NORMAL';
  }

  /**
   * Waits (at most liveSourcesWaitMs) until every range this node gains has a live replica to
   * fetch it from: after a restart, gossip knows the peers at once but marks them up only after
   * a few rounds, which ring_delay need not cover. fetchPlan then names what is still missing.
   */
  private async awaitLiveSources(ring: TokenMetadata, future: TokenMetadata): Promise<void> {
    const isAlive = (endpoint: Endpoint) => this.parts.cluster.services.gossiper.isAlive(endpoint);
    const sourceless = () => replicatedKeyspaces(this.parts.schema).some((keyspace) => rangeMovements(ring, future, keyspace.replication)
      .some((movement) => movement.gainers.includes(this.local) && chooseSource(movement, { gainer: this.local, isAlive }) === undefined));
    await this.pollUntil(() => !sourceless(), liveSourcesWaitMs, 250);
  }

  /** For each range this node gains: the live replica it fetches it from. */
  private fetchPlan(movements: RangeMovement[], keyspace: string): Map<Endpoint, TokenRange[]> {
    const isAlive = (endpoint: Endpoint) => this.parts.cluster.services.gossiper.isAlive(endpoint);
    const pairs = movements.filter((movement) => movement.gainers.includes(this.local)).map((movement) => {
      const source = chooseSource(movement, { gainer: this.local, isAlive });
      if (source === undefined) {
        throw new MembershipError(`no live replica holds range (${movement.range.left}, ${movement.range.right}] of ${keyspace} (replicas: ${movement.before.join(', ') || 'none'})`);
      }
      return { endpoint: source, range: movement.range };
    });
    return byEndpoint(pairs);
  }

  /** Waits until every live peer announces this node's schema version (the tables must exist here before data streams in). */
  private async awaitSchemaAgreement(): Promise<void> {
    const { schema, cluster } = this.parts;
    const gossiper = cluster.services.gossiper;
    const disagreeing = () => gossiper.liveEndpoints().filter((peer) => gossiper.endpointState(peer)?.states.get('SCHEMA')?.value !== schema.schemaVersion());
    if (!(await this.pollUntil(() => disagreeing().length === 0, schemaWaitMs, 200))) {
      throw new MembershipError(`the schema of ${disagreeing().join(', ')} did not reach this node within ${schemaWaitMs / 1000} s`);
    }
  }

  /** Checks done() every everyMs of the node's clock until it holds (true) or limitMs have passed (false). */
  private async pollUntil(done: () => boolean, limitMs: number, everyMs: number): Promise<boolean> {
    const clock = this.parts.world.clock;
    const startedMs = clock.monotonicMs();
    while (!done()) {
      if (clock.monotonicMs() - startedMs >= limitMs) return false;
      await clock.sleep(everyMs);
    }
    return true;
  }

  /** nodetool decommission: streams this node's ranges away and leaves the ring. */
  decommission(): Promise<Record<string, unknown>> {
    return this.exclusive(() => this.runDecommission());
  }

  private async runDecommission(): Promise<Record<string, unknown>> {
    const { world, config, cluster } = this.parts;
    if (this.mode !== 'NORMAL') throw new MembershipError(`cannot decommission a node in mode ${this.mode}`);
    const ring = cluster.services.ring.clone();
    // One range movement at a time, as Cassandra requires: the streams are planned against a ring that must hold still.
    const moving = [...ring.bootstrappingEndpoints(), ...ring.leavingEndpoints()].filter((endpoint) => endpoint !== this.local);
    if (moving.length > 0) throw new MembershipError(`cannot decommission while ${moving.join(', ')} ${moving.length === 1 ? 'is' : 'are'} joining or leaving; wait until it finishes`);
    const future = ringWithout(ring, this.local);
    for (const keyspace of replicatedKeyspaces(this.parts.schema)) this.checkReplicas(keyspace, future);
    this.mode = 'LEAVING';
    this.status('LEAVING');
    this.logger.info('decommission: announced LEAVING, waiting ring_delay', { ringDelayMs: config.ringDelayMs });
    await world.clock.sleep(config.ringDelayMs);
    let partitions = 0;
    try {
      for (const keyspace of replicatedKeyspaces(this.parts.schema)) partitions += await this.sendAway(keyspace, { ring, future });
      for (const endpoint of cluster.hints.endpointsWithHints()) {
        if (cluster.services.gossiper.isAlive(endpoint)) await cluster.proxy.replayHints(endpoint);
      }
    } catch (error) {
      // Still an owner: back to NORMAL, so that the operator can run it again.
      this.status('NORMAL');
      this.mode = 'NORMAL';
      throw error;
    }
    await writeBootstrapState(world, this.parts.dataDirectory, 'DECOMMISSIONED');
    this.status('LEFT');
    this.mode = 'DECOMMISSIONED';
    // A few gossip rounds for LEFT to reach every node before this one stops.
    await world.clock.sleep(Math.min(config.ringDelayMs, 2_000) + 1_000);
    this.logger.info('decommission complete: LEFT', { partitions });
    return { partitionsStreamed: partitions };
  }

  /** Refuses a decommission that would leave a keyspace with fewer nodes than its replication factor. */
  private checkReplicas(keyspace: KeyspaceMetadata, future: TokenMetadata): void {
    const wanted = replicationTotal(keyspace.replication);
    const remaining = future.endpoints().length;
    if (wanted > remaining) {
      throw new MembershipError(`cannot decommission: keyspace ${keyspace.name} has replication factor ${wanted} but only ${remaining} node(s) would remain`);
    }
  }

  private async sendAway(keyspace: KeyspaceMetadata, rings: { ring: TokenMetadata; future: TokenMetadata }): Promise<number> {
    const movements = rangeMovements(rings.ring, rings.future, keyspace.replication).filter((movement) => movement.before.includes(this.local));
    const targets = byEndpoint(movements.flatMap((movement) => movement.gainers.map((endpoint) => ({ endpoint, range: movement.range }))));
    const down = [...targets.keys()].filter((endpoint) => !this.parts.cluster.services.gossiper.isAlive(endpoint));
    if (down.length > 0) throw new MembershipError(`cannot stream ${keyspace.name} away: ${down.join(', ')} down`);
    let partitions = 0;
    for (const table of tablesOf(keyspace)) {
      for (const [peer, ranges] of targets) partitions += (await this.parts.streams.send('Unbootstrap', { ...table, peer, ranges })).partitions;
    }
    return partitions;
  }

  /** nodetool removenode: restores the replication of a dead node's ranges, then removes it from the ring. */
  removeNode(hostId: string): Promise<Record<string, unknown>> {
    return this.exclusive(() => this.runRemoveNode(hostId));
  }

  private async runRemoveNode(hostId: string): Promise<Record<string, unknown>> {
    const { cluster } = this.parts;
    const gossiper = cluster.services.gossiper;
    const endpoint = gossiper.endpoints().find((candidate) => gossiper.endpointState(candidate)?.states.get('HOST_ID')?.value === hostId);
    if (endpoint === undefined) throw new MembershipError(`no node has host id ${hostId}`);
    if (endpoint === this.local) throw new MembershipError('cannot remove this node itself; use decommission');
    if (gossiper.isAlive(endpoint)) throw new MembershipError(`node ${endpoint} (${hostId}) is up; decommission it instead, or stop it first`);
    const ring = cluster.services.ring.clone();
    if (!ring.isMember(endpoint)) throw new MembershipError(`node ${endpoint} (${hostId}) owns no tokens`);
    const future = ringWithout(ring, endpoint);
    const statusBefore = gossiper.endpointState(endpoint)?.states.get('STATUS')?.value ?? formatStatus('NORMAL', ring.tokensOf(endpoint));
    // Cassandra's phases, in gossip on the dead node's behalf: removing (a leaving owner whose
    // new replicas take writes too), then removed once its ranges are restored.
    gossiper.advertiseRemoved(endpoint, formatRemovalStatus('removing', hostId));
    this.removal = { endpoint, hostId, phase: 'restoring replicas' };
    this.logger.info('removenode: announced removing; restoring the replicas of a dead node', { endpoint, hostId });
    // A few gossip rounds, so that every coordinator sends the removed node's writes to its gainers as well.
    await this.parts.world.clock.sleep(Math.min(this.parts.config.ringDelayMs, 2_000) + 1_000);
    let partitions = 0;
    const unrestored = { count: 0 };
    try {
      for (const keyspace of replicatedKeyspaces(this.parts.schema)) {
        const movements = rangeMovements(ring, future, keyspace.replication).filter((movement) => movement.before.includes(endpoint));
        for (const table of tablesOf(keyspace)) partitions += await this.restore(table, { movements, removed: endpoint, unrestored });
      }
    } catch (error) {
      // Still an owner, as before: the operator can run removenode again.
      gossiper.advertiseRemoved(endpoint, statusBefore);
      this.removal = undefined;
      throw error;
    }
    const state = gossiper.endpointState(endpoint);
    gossiper.advertiseRemoved(endpoint, formatRemovalStatus('removed', hostId, this.parts.world.clock.nowMs() + removedStateKeptMs));
    this.removal = undefined;
    this.logger.info('removenode complete: removed', { endpoint, hostId, partitions, rangesWithoutSource: unrestored.count, generation: state?.heartbeat.generation });
    return { removed: endpoint, hostId, partitionsStreamed: partitions, rangesWithoutSource: unrestored.count };
  }

  /** nodetool removenode status: the removal this node coordinates, if any (Cassandra's RemovalStatus line). */
  removalStatus(): string {
    const removal = this.removal;
    if (removal === undefined) return 'RemovalStatus: No removals in process.';
    return `RemovalStatus: Removing host ${removal.hostId} (${removal.endpoint}): ${removal.phase}.`;
  }

  /** Copies each range of a removed node to its gainers: fetched when this node gains it, sent when it is the source, relayed otherwise. */
  private async restore(table: StreamTable, job: { movements: RangeMovement[]; removed: Endpoint; unrestored: { count: number } }): Promise<number> {
    const isAlive = (endpoint: Endpoint) => this.parts.cluster.services.gossiper.isAlive(endpoint);
    let partitions = 0;
    for (const movement of job.movements) {
      for (const gainer of movement.gainers) {
        const source = chooseSource(movement, { gainer, isAlive, exclude: job.removed });
        if (source === undefined) {
          // The dead node held the only copy (replication factor 1, or every other replica down):
          // nothing can restore it, and the other ranges still can be (Cassandra warns likewise).
          this.logger.warn('removenode: no live replica left to copy a range from; its data is lost', { keyspace: table.keyspace, table: table.table, left: String(movement.range.left), right: String(movement.range.right) });
          job.unrestored.count++;
          continue;
        }
        if (!isAlive(gainer)) throw new MembershipError(`${gainer} must receive (${movement.range.left}, ${movement.range.right}] of ${table.keyspace} but is down`);
        const ranges = [movement.range];
        if (gainer === this.local) partitions += (await this.parts.streams.fetch('Removenode', { ...table, peer: source, ranges })).partitions;
        else if (source === this.local) partitions += (await this.parts.streams.send('Removenode', { ...table, peer: gainer, ranges })).partitions;
        else partitions += await this.relay(table, { source, gainer, ranges });
      }
    }
    return partitions;
  }

  /**
   * Neither end is this node: it fetches the range from the source into its own store and
   * sends it on to the gainer, page by page (cleanup later drops what it does not replicate).
   */
  private async relay(table: StreamTable, job: { source: Endpoint; gainer: Endpoint; ranges: TokenRange[] }): Promise<number> {
    const fetched = await this.parts.streams.fetch('Removenode', { ...table, peer: job.source, ranges: job.ranges });
    await this.parts.streams.send('Removenode', { ...table, peer: job.gainer, ranges: job.ranges });
    return fetched.partitions;
  }

  /** nodetool cleanup: drops the partitions of ranges this node neither replicates nor is about to. */
  cleanup(target: AdminTarget): Promise<Record<string, unknown>> {
    return this.exclusive(async () => {
      const ring = this.parts.cluster.services.ring;
      let dropped = 0;
      let indexEntriesDropped = 0;
      let tables = 0;
      const keyspaces = target.keyspace === undefined ? replicatedKeyspaces(this.parts.schema) : [this.parts.schema.getKeyspace(target.keyspace)];
      for (const keyspace of keyspaces) {
        if (keyspace.virtual || keyspace.replication.class.endsWith('LocalStrategy')) continue;
        const replication = keyspace.replication;
        const keep = (token: bigint) => ring.replicasFor(replication, token).includes(this.local) || ring.pendingReplicasFor(replication, token).includes(this.local);
        for (const table of tablesOf(keyspace)) {
          if (target.table !== undefined && table.table !== target.table) continue;
          tables++;
          if (this.parts.indexes === undefined) {
            dropped += await this.parts.storage.cleanup(table.tableId, keep);
            continue;
          }
          const cleaned = await this.parts.indexes.cleanup(table.tableId, keep);
          dropped += cleaned.partitions;
          indexEntriesDropped += cleaned.indexEntries;
        }
      }
      this.logger.info('cleanup finished', { ...target, tables, partitionsDropped: dropped, indexEntriesDropped });
      return { tables, partitionsDropped: dropped, indexEntriesDropped };
    });
  }

  /**
   * The tokens of the partitions this node stores of one table (GET /localdata), and how many
   * lie outside the ranges it replicates: what tests and operators check placement with.
   */
  async localPartitions(target: AdminTarget): Promise<Record<string, unknown>> {
    if (target.keyspace === undefined || target.table === undefined) throw new MembershipError('localdata needs a keyspace and a table');
    const table = this.parts.schema.getTable(target.keyspace, target.table);
    const replication = this.parts.schema.getKeyspace(target.keyspace).replication;
    const ring = this.parts.cluster.services.ring;
    const tokens: string[] = [];
    let partitions = 0;
    let notReplicated = 0;
    for await (const partition of this.parts.storage.scan(table.id, { token: MIN_TOKEN }, { token: MIN_TOKEN })) {
      if (isEmptyPartition(partition)) continue;
      partitions++;
      if (!ring.replicasFor(replication, partition.token).includes(this.local)) notReplicated++;
      if (tokens.length < localTokensListedMax) tokens.push(String(partition.token));
    }
    return { partitions, notReplicated, tokens, truncated: partitions > tokens.length };
  }

  /** nodetool netstats: the mode and every stream session remembered. */
  netstats(): Record<string, unknown> {
    return { mode: this.mode, throughputBytesPerSecond: this.parts.streams.throttle.bytesPerSecond, totals: { ...this.parts.streams.totals }, sessions: this.parts.streams.snapshot() };
  }

  /** One membership operation at a time. */
  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.operation !== undefined) throw new MembershipError('another membership operation (decommission, removenode or cleanup) is running');
    const running = work();
    this.operation = running;
    try {
      return await running;
    } finally {
      this.operation = undefined;
    }
  }
}

/** The largest replication factor of a keyspace (of any datacenter): the nodes it needs at least. */
function replicationTotal(replication: ReplicationOptions): number {
  return Math.max(0, ...[...replicationFactors(replication).values()].filter(Number.isInteger));
}
