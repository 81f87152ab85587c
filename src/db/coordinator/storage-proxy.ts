// The coordinator's distributed write and read paths (Cassandra's StorageProxy). Writes go
// to every live replica of the mutation's token (pending ones included), this node's own
// share applied without the network, and return once the consistency level is met; too few
// live replicas fail with Unavailable before anything is sent, too few answers in time with
// WriteTimeout. Down or failing replicas get hints. Reads ask the closest replica for data
// and the others the level needs for digests, and a spare replica when they are slow (the
// table's speculative_retry, read-round.ts); on a mismatch every contacted replica is read
// in full, the versions merged by timestamp, and the stale replicas repaired (blocking)
// before the answer. Range reads walk the ring's ranges in order (range-read.ts).

import { assert, fail } from '../common/assert.js';
import { ConsistencyLevel } from '../common/consistency.js';
import { CqlError, InternodeError, invalidRequest, readTimeout, truncateError, unavailable, writeTimeout, type WriteType } from '../common/errors.js';
import type { Clock, Logger, Random } from '../common/world.js';
import type { PaxosReplica } from '../cluster/paxos/paxos-state.js';
import { PaxosCoordinator, type CasRequest, type CasResult } from './paxos-coordinator.js';
import { CounterLeader, sendToLeader } from './counters.js';
import type { Endpoint } from '../cluster/endpoint.js';
import type { MessagingService } from '../cluster/messaging/messaging-service.js';
import {
  type ReadResponse,
  decodeReadResponse,
  encodeBatchRemoveRequest,
  encodeBatchStoreRequest,
  encodeMutationBatchPayload,
  encodeMutationPayload,
  encodeReadRequest,
  encodeTruncateRequest,
} from '../cluster/messaging/payloads.js';
import type { ReplicaStore } from '../cluster/replica-verbs.js';
import type { TokenMetadata } from '../cluster/ring/token-metadata.js';
import type { ReplicationOptions } from '../schema/metadata.js';
import { digestReadResult } from '../storage/digest.js';
import type { Mutation, ReadCommand, ReadResult, SinglePartitionReadCommand } from '../storage/types.js';
import type { LocalBatchlog } from './batchlog.js';
import type { HintStore } from './hints.js';
import { outcomeOf, type ClientRequestObserver, type ClientRequestOperation } from './request-metrics.js';
import { readRange } from './range-read.js';
import { readRound, type RoundAnswer } from './read-round.js';
import { parseRetryPolicy, ReadLatencies } from './speculative-retry.js';
import { growLimit, liveView, resolveAnswers, type ReplicaAnswer } from './read-resolver.js';
import { assureSufficientLive, readContacts, replicaGroups, satisfies, sortByProximity, tally, type DataPlan, type PlanContext, type ReplicaGroup } from './replica-plan.js';
import type { ReadSource } from './select-executor.js';
import { shortReadRetriesMax } from '../common/limits.js';


export interface StorageProxyOptions {
  clock: Clock;
  logger: Logger;
  messaging: Pick<MessagingService, 'sendRequest' | 'localEndpoint'>;
  ring: TokenMetadata;
  /** The failure detector's verdict (gossip); this node is always alive to itself. */
  isAlive(endpoint: Endpoint): boolean;
  /** This node's storage, for its own share of writes and reads. */
  store: ReplicaStore;
  replicationOf(keyspace: string): ReplicationOptions | undefined;
  keyspaceOfTable(tableId: string): string | undefined;
  localDataCenter: string;
  hints?: HintStore;
  writeTimeoutMs?: number;
  readTimeoutMs?: number;
  rangeTimeoutMs?: number;
  /** Cassandra's counter_write_request_timeout: the leader reads, writes and replicates (5 s). */
  counterWriteTimeoutMs?: number;
  /** Cassandra's truncate_request_timeout: how long TRUNCATE waits for each node to confirm (60 s). */
  truncateTimeoutMs?: number;
  /** Time-UUIDs for logged batches' batchlog entries. */
  batchIds?: () => Buffer;
  /** This node's batchlog: a logged batch is stored there when no other node is live. */
  localBatchlog?: LocalBatchlog;
  /** A table's speculative_retry option (table-options.ts); reads do not speculate without it. */
  speculativeRetryOf?(tableId: string): string | undefined;
  /** Told of every request this node coordinates (node metrics). */
  requests?: ClientRequestObserver;
  /** Lightweight transactions: this node's Paxos replica and the randomness of ballots and backoff. Without it, they are refused. */
  paxos?: { replica: PaxosReplica; random: Random; casContentionTimeoutMs?: number };
  /** This node's host id, the counter id of the counter shards it leads; without it, counter updates are refused. */
  counterId?: string;
}

export interface ProxyStats {
  writes: number;
  reads: number;
  rangeReads: number;
  readRepairs: number;
  /** Single-partition requests this node coordinated without being a replica of the key. */
  forwardedSinglePartition: number;
  hintsWritten: number;
  /** Single-partition reads that asked a spare replica after the speculative_retry threshold. */
  speculativeRetries: number;
  /**
   * This node's own replica writes of the requests it coordinates, in mutations: applying now
   * and applied. Cassandra runs them as MutationStage tasks (StorageProxy.performLocally), so
   * tpstats counts them there beside the MUTATION messages of other coordinators.
   */
  localMutationsActive: number;
  localMutationsCompleted: number;
  /**
   * This node's own replica reads (data or digest) of the requests it coordinates: running and
   * done. Cassandra runs them as ReadStage tasks (the local read runnable), so tpstats counts
   * them there beside the READ and RANGE_READ messages of other coordinators.
   */
  localReadsActive: number;
  localReadsCompleted: number;
}

/** How long a read waits before speculating while its table has too few latency samples for its percentile. */
export const speculationWithoutSamplesMs = 100;

export class StorageProxy {
  readonly stats: ProxyStats = { writes: 0, reads: 0, rangeReads: 0, readRepairs: 0, forwardedSinglePartition: 0, hintsWritten: 0, speculativeRetries: 0, localMutationsActive: 0, localMutationsCompleted: 0, localReadsActive: 0, localReadsCompleted: 0 };
  private readonly readLatencies = new ReadLatencies();
  private readonly groupCache = new WeakMap<ReplicationOptions, Map<ConsistencyLevel, readonly ReplicaGroup[]>>();
  readonly localEndpoint: Endpoint;
  readonly writeTimeoutMs: number;
  readonly readTimeoutMs: number;
  readonly rangeTimeoutMs: number;
  /** Whether down replicas get hints (hinted_handoff_enabled; nodetool disablehandoff/enablehandoff). */
  hintedHandoffEnabled: boolean;

  constructor(readonly options: StorageProxyOptions) {
    this.localEndpoint = options.messaging.localEndpoint;
    this.writeTimeoutMs = options.writeTimeoutMs ?? 2_000;
    this.readTimeoutMs = options.readTimeoutMs ?? 5_000;
    this.rangeTimeoutMs = options.rangeTimeoutMs ?? 10_000;
    this.hintedHandoffEnabled = options.hints !== undefined;
    this.counterLeader = options.counterId === undefined ? undefined
      : new CounterLeader({ clock: options.clock, logger: options.logger, counterId: options.counterId, store: options.store, writePath: this, read: (command, level) => this.read(command, level) });
  }

  isAlive(endpoint: Endpoint): boolean {
    return endpoint === this.localEndpoint || this.options.isAlive(endpoint);
  }

  planContext(keyspace: string): PlanContext {
    const replication = this.options.replicationOf(keyspace);
    if (replication === undefined) throw invalidRequest(`Keyspace ${keyspace} does not exist`); // dropped since the statement was planned
    return { replication, localDataCenter: this.options.localDataCenter, dataCenterOf: (endpoint) => this.options.ring.location(endpoint).dataCenter };
  }

  /**
   * The level's replica groups without pending replicas, kept per replication (schema changes
   * replace the options object): they depend only on it, the level and the local datacenter.
   */
  groupsFor(level: ConsistencyLevel, context: PlanContext): readonly ReplicaGroup[] {
    let byLevel = this.groupCache.get(context.replication);
    if (byLevel === undefined) {
      byLevel = new Map();
      this.groupCache.set(context.replication, byLevel);
    }
    let groups = byLevel.get(level);
    if (groups === undefined) {
      groups = replicaGroups(level, context);
      byLevel.set(level, groups);
    }
    return groups;
  }

  byProximity(replicas: readonly Endpoint[]): Endpoint[] {
    return sortByProximity(replicas, { localEndpoint: this.localEndpoint, localDataCenter: this.options.localDataCenter, dataCenterOf: (e) => this.options.ring.location(e).dataCenter });
  }

  /** A ReadSource for SelectExecution at one consistency level. */
  source(level: ConsistencyLevel): ReadSource {
    return { read: (command) => this.read(command, level) };
  }

  private paxosCoordinator: PaxosCoordinator | undefined;
  /** This node's part in counter updates as a leader replica (undefined without a counter id). */
  readonly counterLeader: CounterLeader | undefined;

  /**
   * Counter updates (cells of 8-byte deltas): each partition's go to a leader replica, which
   * adds them to its own shards and replicates those at the level (counters.ts).
   */
  async mutateCounters(mutations: readonly Mutation[], level: ConsistencyLevel): Promise<void> {
    await Promise.all(mutations.map(async (mutation) => {
      const context = this.planContext(mutation.keyspace);
      const natural = this.options.ring.replicasFor(context.replication, mutation.token);
      const live = this.byProximity(natural.filter((endpoint) => this.isAlive(endpoint)));
      const groups = this.groupsFor(level, context);
      if (level !== ConsistencyLevel.ANY) assureSufficientLive(level, groups, live, { write: true });
      this.stats.writes++;
      await sendToLeader(mutation, {
        level, blockFor: tally(groups, []).blockFor, replicas: live, localEndpoint: this.localEndpoint, leader: this.counterLeader,
        messaging: this.options.messaging, logger: this.options.logger, timeoutMs: this.options.counterWriteTimeoutMs ?? 5_000,
      });
    }));
  }

  /** The lightweight-transaction coordinator (created on first use). */
  get paxos(): PaxosCoordinator {
    const paxos = this.options.paxos;
    if (paxos === undefined) throw invalidRequest('Conditional updates and SERIAL reads are not available on this node');
    this.paxosCoordinator ??= new PaxosCoordinator({
      clock: this.options.clock, random: paxos.random, logger: this.options.logger, proxy: this,
      transport: { messaging: this.options.messaging, replica: paxos.replica },
      ...(paxos.casContentionTimeoutMs === undefined ? {} : { casContentionTimeoutMs: paxos.casContentionTimeoutMs }),
    });
    return this.paxosCoordinator;
  }

  /** A conditional write (Paxos): serial is SERIAL or LOCAL_SERIAL, commit the level of the commit. */
  cas(request: CasRequest, levels: { serial: ConsistencyLevel; commit: ConsistencyLevel }): Promise<CasResult> {
    return this.observed('cas_write', levels.serial, () => this.paxos.cas(request, levels));
  }

  /** Writes mutations at the level (each partition independently, as an unlogged batch is). */
  mutate(mutations: readonly Mutation[], level: ConsistencyLevel, options: { writeType?: WriteType } = {}): Promise<void> {
    return this.observed('write', level, () => this.mutateNow(mutations, level, options), mutations.map((m) => m.tableId));
  }

  /** Reports the request's latency and outcome to the node's metrics. */
  private async observed<T>(operation: ClientRequestOperation, level: ConsistencyLevel, work: () => Promise<T>, tableIds?: readonly string[]): Promise<T> {
    const observer = this.options.requests;
    if (observer === undefined) return work();
    const clock = this.options.clock;
    const startedMs = clock.monotonicMs();
    try {
      const result = await work();
      observer.completed(operation, level, 'ok', clock.monotonicMs() - startedMs, tableIds);
      return result;
    } catch (error) {
      observer.completed(operation, level, outcomeOf(error), clock.monotonicMs() - startedMs, tableIds);
      throw error;
    }
  }

  private async mutateNow(mutations: readonly Mutation[], level: ConsistencyLevel, options: { writeType?: WriteType }): Promise<void> {
    const writeType = options.writeType ?? (mutations.length > 1 ? 'UNLOGGED_BATCH' : 'SIMPLE');
    // Every Unavailable is raised before anything is sent.
    const plans = mutations.map((mutation) => this.writePlan(mutation, level));
    if (plans.every((plan) => plan.targets.length === 1 && plan.targets[0] === this.localEndpoint)) {
      // Only this node replicates them (a single node): one local apply keeps a batch atomic.
      this.stats.writes += plans.length;
      const stats = this.stats;
      stats.localMutationsActive += mutations.length;
      try {
        await this.options.store.apply([...mutations]);
      } finally {
        stats.localMutationsActive -= mutations.length;
        stats.localMutationsCompleted += mutations.length;
      }
      return;
    }
    await this.writeAll(plans, level, writeType);
  }

  /**
   * A logged batch: stored first in the batchlog of up to two other live nodes (this node's
   * own when no other is live), then applied, then removed from those batchlogs; a coordinator
   * dying midway leaves the entry to be replayed (batchlog.ts), so every statement of the
   * batch applies eventually.
   */
  mutateLogged(mutations: readonly Mutation[], level: ConsistencyLevel): Promise<void> {
    return this.observed('write', level, () => this.mutateLoggedNow(mutations, level), mutations.map((m) => m.tableId));
  }

  private async mutateLoggedNow(mutations: readonly Mutation[], level: ConsistencyLevel): Promise<void> {
    const plans = mutations.map((mutation) => this.writePlan(mutation, level));
    const endpoints = this.batchlogEndpoints();
    const batchId = this.options.batchIds?.() ?? Buffer.alloc(16);
    const payload = encodeBatchStoreRequest({ batchId, creationMicros: this.options.clock.nowMicros(), mutations: [...mutations] });
    const local = this.options.localBatchlog;
    if (endpoints.length === 0 && local !== undefined) {
      await local.store(payload);
      await this.writeAll(plans, level, 'BATCH');
      await local.remove(batchId);
      return;
    }
    // The batch goes on once one batchlog holds it: a batchlog node that died a moment ago (not
    // yet convicted) would otherwise hold every logged batch for the whole write timeout. The
    // other store still runs, and each store that succeeds, late or not, gets its removal.
    let outcome: 'pending' | 'applied' | 'failed' = 'pending';
    const removeFrom = (endpoint: Endpoint) => {
      this.options.messaging.sendRequest(endpoint, 'BATCH_REMOVE', encodeBatchRemoveRequest(batchId), { timeoutMs: this.writeTimeoutMs })
        .catch((error: unknown) => this.options.logger.debug('batchlog removal failed; the entry will be replayed', { endpoint, reason: String(error) }));
    };
    const stored: Endpoint[] = [];
    const stores = endpoints.map((endpoint) => this.options.messaging.sendRequest(endpoint, 'BATCH_STORE', payload, { timeoutMs: this.writeTimeoutMs }).then(() => {
      if (outcome === 'applied') removeFrom(endpoint);
      else if (outcome === 'pending') stored.push(endpoint);
    }));
    if (stores.length > 0) await Promise.any(stores).catch(() => { throw writeTimeout(level, 0, 1, 'BATCH_LOG'); });
    try {
      await this.writeAll(plans, level, 'BATCH');
    } catch (error) {
      // A failed write leaves the entries for replay, as before; only an applied batch removes them.
      outcome = 'failed';
      throw error;
    }
    outcome = 'applied';
    for (const endpoint of stored) removeFrom(endpoint);
  }

  /** Up to two live nodes other than this one, in different racks when the ring has them. */
  private batchlogEndpoints(): Endpoint[] {
    const candidates = this.options.ring.endpoints().filter((endpoint) => endpoint !== this.localEndpoint && this.isAlive(endpoint));
    const chosen: Endpoint[] = [];
    const racks = new Set<string>();
    for (const endpoint of candidates) {
      const rack = this.options.ring.location(endpoint).rack;
      if (!racks.has(rack) && chosen.length < 2) { chosen.push(endpoint); racks.add(rack); }
    }
    for (const endpoint of candidates) if (chosen.length < 2 && !chosen.includes(endpoint)) chosen.push(endpoint);
    return chosen;
  }

  /** TRUNCATE on every node of the ring: all must be up (Cassandra's rule). */
  async truncate(keyspace: string, tableId: string): Promise<void> {
    const endpoints = this.options.ring.endpoints();
    const down = endpoints.filter((endpoint) => !this.isAlive(endpoint));
    if (down.length > 0) throw unavailable(ConsistencyLevel.ALL, endpoints.length, endpoints.length - down.length);
    await Promise.all(endpoints.map(async (endpoint) => {
      if (endpoint === this.localEndpoint) await this.options.store.truncate(tableId);
      else await this.options.messaging.sendRequest(endpoint, 'TRUNCATE', encodeTruncateRequest({ keyspace, tableId }), {
        timeoutMs: this.options.truncateTimeoutMs ?? 60_000,
      }).catch((error: unknown) => {
        // Cassandra's TruncateException: a replica that did not truncate is TRUNCATE_ERROR (0x1003), not a server fault.
        throw error instanceof InternodeError ? truncateError(`Error during truncate: ${error.message}`) : error;
      });
    }));
    if (!endpoints.includes(this.localEndpoint)) await this.options.store.truncate(tableId);
  }

  private writePlan(mutation: Mutation, level: ConsistencyLevel): WritePlan {
    const context = this.planContext(mutation.keyspace);
    const natural = this.options.ring.replicasFor(context.replication, mutation.token);
    const pending = this.options.ring.pendingReplicasFor(context.replication, mutation.token);
    const targets = [...natural, ...pending];
    const live = targets.filter((endpoint) => this.isAlive(endpoint));
    const groups = pending.length === 0 ? this.groupsFor(level, context) : replicaGroups(level, context, pending);
    assureSufficientLive(level, groups, live, { write: true });
    if (natural.length > 0 && !natural.includes(this.localEndpoint)) this.stats.forwardedSinglePartition++;
    return { mutation, targets, live, groups };
  }

  /**
   * Sends the mutations of some plans (one statement, or the partitions of a batch) to their
   * live replicas, one message per replica: MUTATION for one mutation, MUTATION_BATCH for
   * several (applied there as one commit-log entry). Resolves once every plan's level is met;
   * a plan that can no longer meet it, or the write timeout, fails the whole write with that
   * plan's WriteTimeout. A replica whose message fails gets hints for its mutations.
   */
  private async writeAll(plans: readonly WritePlan[], level: ConsistencyLevel, writeType: WriteType): Promise<void> {
    for (const plan of plans) {
      // A replica counted twice, or a plan that skipped assureSufficientLive, would let too few acknowledgements meet the level.
      assert(new Set(plan.targets).size === plan.targets.length, 'a replica is listed twice (natural and pending overlap)');
      assert(plan.live.every((endpoint) => plan.targets.includes(endpoint)), 'a live replica that is not a target');
      assert(level === ConsistencyLevel.ANY || satisfies(plan.groups, plan.live), 'a write planned with fewer live replicas than the level needs');
    }
    this.stats.writes += plans.length;
    // Encoded once each, and only when a replica elsewhere or a hint needs the bytes: this
    // node's own share is applied as the Mutations they are.
    const encoded: Array<Buffer | undefined> = plans.map(() => undefined);
    const payloadOf = (index: number) => () => (encoded[index] ??= encodeMutationPayload((plans[index] as WritePlan).mutation));
    const hintWrites: Array<Promise<boolean>> = [];
    const byEndpoint = new Map<Endpoint, number[]>();
    plans.forEach((plan, index) => {
      for (const endpoint of plan.targets) {
        if (!plan.live.includes(endpoint)) hintWrites.push(this.hint(endpoint, payloadOf(index)));
      }
      for (const endpoint of plan.live) {
        const indexes = byEndpoint.get(endpoint);
        if (indexes === undefined) byEndpoint.set(endpoint, [index]);
        else indexes.push(index);
      }
    });
    if (level === ConsistencyLevel.ANY && byEndpoint.size === 0) {
      // ANY is met by the hints this coordinator keeps.
      if (!(await Promise.all(hintWrites)).some(Boolean)) throw writeTimeout(level, 0, 1, writeType);
      return;
    }
    const acked: Endpoint[][] = plans.map(() => []);
    const outstanding = plans.map((plan) => plan.live.length);
    await new Promise<void>((resolve, reject) => {
      let settled = false;
      let unmet = plans.length;
      const met = plans.map(() => false);
      const fail = (index: number) => {
        settled = true;
        timer.cancel();
        const { received, blockFor } = tally((plans[index] as WritePlan).groups, acked[index] as Endpoint[]);
        reject(writeTimeout(level, received, blockFor, writeType));
      };
      const check = (indexes: readonly number[]) => {
        if (settled) return;
        for (const index of indexes) {
          if (met[index]) continue;
          const plan = plans[index] as WritePlan;
          const ackedHere = acked[index] as Endpoint[];
          if (satisfies(plan.groups, ackedHere) || (level === ConsistencyLevel.ANY && ackedHere.length > 0)) {
            met[index] = true;
            unmet--;
          } else if (outstanding[index] === 0) {
            fail(index);
            return;
          }
        }
        if (unmet === 0) {
          settled = true;
          timer.cancel();
          resolve();
        }
      };
      const timer = this.options.clock.setTimer(this.writeTimeoutMs, () => {
        if (settled) return;
        fail(Math.max(0, met.indexOf(false)));
      });
      for (const [endpoint, indexes] of byEndpoint) {
        this.sendMutations(endpoint, indexes.map((index) => (plans[index] as WritePlan).mutation), indexes.length === 1 ? payloadOf(indexes[0] as number) : undefined).then(
          () => {
            for (const index of indexes) {
              (outstanding[index] as number)--;
              (acked[index] as Endpoint[]).push(endpoint);
            }
            check(indexes);
          },
          (error: unknown) => {
            for (const index of indexes) (outstanding[index] as number)--;
            if (!(error instanceof InternodeError) && !settled) {
              // This node's own storage failed (a disk error): the client hears of it as it is.
              settled = true;
              timer.cancel();
              reject(error);
              return;
            }
            this.options.logger.debug('write to replica failed; hinting', { endpoint, reason: String(error) });
            for (const index of indexes) void this.hint(endpoint, payloadOf(index));
            check(indexes);
          },
        );
      }
    });
  }

  /** One replica's share of a write: applied here, or one MUTATION / MUTATION_BATCH message. */
  private async sendMutations(endpoint: Endpoint, mutations: Mutation[], singlePayload: (() => Buffer) | undefined): Promise<void> {
    if (endpoint === this.localEndpoint) {
      // MutationStage work (tpstats, ProxyStats): counters updated inline, no promise or closure added to the write path.
      const stats = this.stats;
      stats.localMutationsActive += mutations.length;
      try {
        await this.options.store.apply(mutations);
      } finally {
        stats.localMutationsActive -= mutations.length;
        stats.localMutationsCompleted += mutations.length;
      }
      return;
    }
    if (singlePayload !== undefined) {
      await this.options.messaging.sendRequest(endpoint, 'MUTATION', singlePayload(), { timeoutMs: this.writeTimeoutMs });
      return;
    }
    await this.options.messaging.sendRequest(endpoint, 'MUTATION_BATCH', encodeMutationBatchPayload(mutations), { timeoutMs: this.writeTimeoutMs });
  }

  /** Keeps a mutation for a replica that is down (a Paxos commit it missed), when hints are on. */
  hintMutation(endpoint: Endpoint, mutation: Mutation): Promise<boolean> {
    return this.hint(endpoint, () => encodeMutationPayload(mutation));
  }

  /**
   * A batchlog entry's mutations, replayed as Cassandra's BatchlogManager replays them: each to
   * every replica of its token (pending ones included), this node's share applied here, live
   * replicas sent a MUTATION, and a replica that is down or does not answer in time given a
   * hint, whatever hinted_handoff_enabled and the hint window say (the entry is removed after
   * the replay, so the hint then carries its promise). A mutation whose keyspace was dropped is
   * skipped. Throws, so that the entry stays for the next replay, when a hint was not stored.
   */
  async replayBatch(mutations: readonly Mutation[]): Promise<void> {
    const missed: Endpoint[] = [];
    await Promise.all(mutations.map(async (mutation) => {
      const replication = this.options.replicationOf(mutation.keyspace);
      if (replication === undefined) return;
      const targets = new Set([...this.options.ring.replicasFor(replication, mutation.token), ...this.options.ring.pendingReplicasFor(replication, mutation.token)]);
      let encoded: Buffer | undefined;
      const payload = () => (encoded ??= encodeMutationPayload(mutation));
      await Promise.all([...targets].map(async (endpoint) => {
        if (endpoint === this.localEndpoint) return this.options.store.apply([mutation]);
        if (this.isAlive(endpoint)) {
          try {
            await this.options.messaging.sendRequest(endpoint, 'MUTATION', payload(), { timeoutMs: this.writeTimeoutMs });
            return;
          } catch (error) {
            if (!(error instanceof InternodeError)) throw error;
          }
        }
        if (!(await this.hint(endpoint, payload, { replay: true }))) missed.push(endpoint);
      }));
    }));
    if (missed.length > 0) throw writeTimeout(ConsistencyLevel.ONE, 0, 1, 'BATCH');
  }

  private async hint(endpoint: Endpoint, payload: () => Buffer, { replay = false }: { replay?: boolean } = {}): Promise<boolean> {
    const hints = this.options.hints;
    if (hints === undefined || (!this.hintedHandoffEnabled && !replay) || endpoint === this.localEndpoint) return false;
    try {
      const stored = await hints.add(endpoint, payload(), { ignoreWindow: replay });
      if (stored) this.stats.hintsWritten++;
      return stored;
    } catch (error) {
      this.options.logger.warn('hint not stored', { endpoint, reason: String(error) });
      return false;
    }
  }

  /** Delivers the hints this node holds for a replica that came back (gossip marked it up). */
  async replayHints(endpoint: Endpoint): Promise<number> {
    const hints = this.options.hints;
    if (hints === undefined || hints.pending(endpoint) === 0) return 0;
    return hints.replay(endpoint, async (payload) => {
      await this.options.messaging.sendRequest(endpoint, 'HINT', payload, { timeoutMs: this.writeTimeoutMs });
    });
  }

  /** Reads at the level: single partitions with digests and read repair, ranges along the ring; SERIAL through Paxos. */
  read(command: ReadCommand, level: ConsistencyLevel): Promise<ReadResult> {
    return this.observed(command.kind === 'range' ? 'range' : 'read', level, () => this.readNow(command, level), [command.tableId]);
  }

  private async readNow(command: ReadCommand, level: ConsistencyLevel): Promise<ReadResult> {
    const keyspace = this.options.keyspaceOfTable(command.tableId);
    if (keyspace === undefined) throw invalidRequest(`unconfigured table (id ${command.tableId})`); // dropped since the statement was planned
    if (level === ConsistencyLevel.SERIAL || level === ConsistencyLevel.LOCAL_SERIAL) {
      if (command.kind === 'range') throw invalidRequest('SERIAL/LOCAL_SERIAL consistency may only be requested for one partition at a time');
      return this.paxos.readSerial(command, { keyspace, serial: level });
    }
    if (command.kind === 'range') {
      this.stats.rangeReads++;
      return readRange(this, { command, level, keyspace });
    }
    this.stats.reads++;
    const context = this.planContext(keyspace);
    const natural = this.options.ring.replicasFor(context.replication, command.token);
    if (natural.length > 0 && !natural.includes(this.localEndpoint)) this.stats.forwardedSinglePartition++;
    const groups = this.groupsFor(level, context);
    const live = this.byProximity(natural.filter((endpoint) => this.isAlive(endpoint)));
    assureSufficientLive(level, groups, live, { write: false });
    const contacts = readContacts(groups, live);
    const fail = (received: number, dataPresent: boolean) => readTimeout(level, received, tally(groups, contacts).blockFor, dataPresent);
    return this.readSingle(command, { keyspace, groups, contacts, spares: live.filter((endpoint) => !contacts.includes(endpoint)), fail });
  }

  private async readSingle(command: SinglePartitionReadCommand, plan: DataPlan & { keyspace: string }): Promise<ReadResult> {
    if (plan.contacts.length === 0) return { partitions: [] };
    // One replica's answer needs no merge: ask it for the client's view directly.
    const single = plan.contacts.length === 1;
    const thresholdMs = plan.spares.length === 0 ? undefined : this.speculationThresholdMs(command.tableId);
    // Nothing to speculate with (RF 1, or the table's NONE): the one replica's answer, no round.
    if (single && thresholdMs === undefined) return (await this.dataFromAll(plan, command))[0]?.result ?? { partitions: [] };
    const replicaCommand: ReadCommand = single ? command : { ...command, includeTombstones: true };
    const round = await readRound({
      clock: this.options.clock, contacts: plan.contacts, spares: plan.spares, groups: plan.groups, thresholdMs,
      ask: (endpoint, digestOnly) => this.readFrom(endpoint, replicaCommand, digestOnly),
    });
    if (round.speculated) this.stats.speculativeRetries++;
    const spares = plan.spares.filter((endpoint) => !round.asked.includes(endpoint));
    const answered = round.answers.map((answer) => answer.endpoint);
    if (single) {
      const data = round.answers.find((answer) => answer.response.kind === 'data')?.response;
      if (data?.kind === 'data') return data.result;
      return (await this.dataFromAll({ ...plan, contacts: answered, spares }, command))[0]?.result ?? { partitions: [] };
    }
    const agreed = round.complete ? agreedResult(round.answers) : undefined;
    if (agreed !== undefined) return liveView(command, agreed);
    // A mismatch, or a replica that did not answer (down but not yet convicted): full data
    // from the replicas that answered, topped up from the spare live replicas.
    return this.resolveWithRepair(command, { ...plan, contacts: answered, spares });
  }

  /** When a read of this table speculates (its speculative_retry), or undefined. */
  private speculationThresholdMs(tableId: string): number | undefined {
    const text = this.options.speculativeRetryOf?.(tableId);
    if (text === undefined) return undefined;
    const policy = parseRetryPolicy(text);
    // A percentile needs latencySamplesMin samples of the table on this coordinator first.
    // Cassandra starts from half the read timeout meanwhile (2.5 s); a replica that died a
    // moment ago (not yet convicted) would then stall reads of a quiet table that long, so
    // until the samples are in, speculate after a short fixed time instead.
    const threshold = this.readLatencies.thresholdMs(tableId, policy) ?? (policy.kind === 'none' ? undefined : speculationWithoutSamplesMs);
    // A threshold past the read timeout would never fire before the read fails anyway.
    return threshold === undefined || threshold >= this.readTimeoutMs ? undefined : threshold;
  }

  /** Full data reads from every contacted replica, merge, blocking repair, then the live view. */
  private async resolveWithRepair(command: ReadCommand, plan: DataPlan & { keyspace: string }): Promise<ReadResult> {
    let attempt: ReadCommand = command;
    for (let retry = 0; ; retry++) {
      const answers = await this.dataFromAll(plan, { ...attempt, includeTombstones: true });
      const resolution = resolveAnswers(command, answers, plan.keyspace);
      await this.repair(resolution.repairs, plan.fail);
      if (!resolution.short || retry >= shortReadRetriesMax) return resolution.result;
      attempt = { ...attempt, rowLimit: growLimit(attempt.rowLimit), perPartitionRowLimit: growLimit(attempt.perPartitionRowLimit) };
    }
  }

  /**
   * Data from the contacts (the range path uses it too) until the level is met: a contact that
   * fails is replaced by the next spare live replica; too few answers fail the read.
   */
  async dataFromAll(plan: DataPlan, command: ReadCommand): Promise<ReplicaAnswer[]> {
    const answers: ReplicaAnswer[] = [];
    const spares = [...plan.spares];
    const attempt = async (endpoint: Endpoint): Promise<void> => {
      try {
        const response = await this.readFrom(endpoint, command, false);
        if (response.kind === 'data') answers.push({ endpoint, result: response.result });
      } catch (error) {
        if (!(error instanceof InternodeError) && !(error instanceof CqlError)) throw error;
        const next = spares.shift();
        if (next !== undefined) await attempt(next);
      }
    };
    await Promise.all(plan.contacts.map(attempt));
    const answered = () => answers.map((answer) => answer.endpoint);
    while (!satisfies(plan.groups, answered()) && spares.length > 0) await attempt(spares.shift() as Endpoint);
    if (!satisfies(plan.groups, answered())) throw plan.fail(tally(plan.groups, answered()).received, answers.length > 0);
    return answers;
  }

  /** Sends each stale replica its repair and waits for all (a read at QUORUM then sees it everywhere it read). */
  async repair(repairs: Map<Endpoint, Mutation[]>, fail: (received: number, dataPresent: boolean) => Error): Promise<void> {
    if (repairs.size === 0) return;
    const sends: Promise<void>[] = [];
    for (const [endpoint, mutations] of repairs) {
      for (const mutation of mutations) {
        this.stats.readRepairs++;
        sends.push(this.sendMutations(endpoint, [mutation], () => encodeMutationPayload(mutation)));
      }
    }
    const outcomes = await Promise.allSettled(sends);
    const failed = outcomes.filter((o) => o.status === 'rejected').length;
    if (failed > 0) {
      this.options.logger.info('read repair incomplete', { failed });
      throw fail(outcomes.length - failed, true);
    }
  }

  async dataFrom(endpoint: Endpoint, command: ReadCommand): Promise<ReadResult> {
    const response = await this.readFrom(endpoint, command, false);
    if (response.kind !== 'data') fail('a data read answered with a digest');
    return response.result;
  }

  private async readFrom(endpoint: Endpoint, command: ReadCommand, digestOnly: boolean): Promise<ReadResponse> {
    if (endpoint === this.localEndpoint) {
      const stats = this.stats;
      stats.localReadsActive++;
      let result: ReadResult;
      try {
        result = await this.options.store.read(command);
      } finally {
        stats.localReadsActive--;
        stats.localReadsCompleted++;
      }
      return digestOnly ? { kind: 'digest', digest: digestReadResult(result) } : { kind: 'data', result };
    }
    const verb = command.kind === 'range' ? 'RANGE_READ' : 'READ';
    const timeoutMs = command.kind === 'range' ? this.rangeTimeoutMs : this.readTimeoutMs;
    const startedMs = this.options.clock.monotonicMs();
    const response = await this.options.messaging.sendRequest(endpoint, verb, encodeReadRequest({ command, digestOnly }), { timeoutMs });
    if (command.kind === 'single') this.readLatencies.record(command.tableId, Math.max(0, this.options.clock.monotonicMs() - startedMs));
    const decoded = decodeReadResponse(response.payload, `${verb}_RSP from ${endpoint}`);
    if (digestOnly !== (decoded.kind === 'digest')) throw new InternodeError('failure', endpoint, verb, 'answered the wrong kind of response');
    return decoded;
  }
}

/**
 * The data answer when every answer of the round agrees with it (digests equal to its digest;
 * a second data answer, from speculation, compared by its digest too), else undefined.
 */
function agreedResult(answers: readonly RoundAnswer[]): ReadResult | undefined {
  const data = answers.find((answer) => answer.response.kind === 'data');
  if (data === undefined || data.response.kind !== 'data') return undefined;
  const digest = digestReadResult(data.response.result);
  const agree = answers.every(({ response }) => response === data.response || (response.kind === 'digest' ? response.digest : digestReadResult(response.result)).equals(digest));
  return agree ? data.response.result : undefined;
}

interface WritePlan {
  mutation: Mutation;
  targets: Endpoint[];
  live: Endpoint[];
  groups: readonly ReplicaGroup[];
}
