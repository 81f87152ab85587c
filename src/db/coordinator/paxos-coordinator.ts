// Lightweight transactions on the coordinator (Cassandra's StorageProxy.cas and readWithPaxos,
// classic Paxos v1). A round: prepare a new ballot at the partition's Paxos participants
// (SERIAL: a quorum of all replicas; LOCAL_SERIAL: of the local datacenter's); finish what
// the promises show unfinished (an accepted proposal newer than the latest commit is proposed
// again at the new ballot and committed; replicas that missed the latest commit get it); read
// the current values at QUORUM (LOCAL_QUORUM); test the condition; propose the update at the
// ballot, its timestamps at the ballot's time; on acceptance by the participants' quorum,
// commit it at the write's consistency level. A condition that fails, and a SERIAL read,
// propose an empty update instead, which makes what they read the partition's state at that
// ballot (so nothing older in progress can be completed after it was not seen).
// Contention (a newer ballot promised or accepted elsewhere) retries after a random pause of
// up to 100 ms until cas_contention_timeout, then fails as WriteTimeout with write type CAS.
// A proposal accepted by some participants but not enough may yet be completed by a later
// round, so its outcome is unknown: that is a WriteTimeout (CAS) too, as in Cassandra.

import { ConsistencyLevel } from '../common/consistency.js';
import { readTimeout, writeTimeout } from '../common/errors.js';
import type { Clock, Logger, Random } from '../common/world.js';
import type { Endpoint } from '../cluster/endpoint.js';
import { ballotMicros, compareBallots, isAfter, makeBallot } from '../cluster/paxos/ballot.js';
import type { Commit, PrepareResponse } from '../cluster/paxos/paxos-messages.js';
import { emptyUpdate, isEmptyUpdate } from '../cluster/paxos/paxos-state.js';
import type { Mutation, ReadResult, SinglePartitionReadCommand } from '../storage/types.js';
import { gather, sendCommit, sendPrepare, sendPropose, type PaxosTransport, type RoundAnswer } from './paxos-rounds.js';
import { assureSufficientLive, replicaGroups, satisfies, tally, type ReplicaGroup } from './replica-plan.js';
import type { PlanContext } from './replica-plan.js';
import type { TokenMetadata } from '../cluster/ring/token-metadata.js';
import { mergePartitions } from '../storage/partition.js';

/** What Paxos needs of the StorageProxy: placement, liveness, and its quorum reads. */
export interface PaxosProxy {
  readonly writeTimeoutMs: number;
  readonly options: { ring: Pick<TokenMetadata, 'replicasFor' | 'pendingReplicasFor'> };
  planContext(keyspace: string): PlanContext;
  isAlive(endpoint: Endpoint): boolean;
  read(command: SinglePartitionReadCommand, level: ConsistencyLevel): Promise<ReadResult>;
  /** Keeps a committed update for a participant that is down (Cassandra hints Paxos commits too). */
  hintMutation(endpoint: Endpoint, mutation: Mutation): Promise<boolean>;
}

/** What a conditional statement (or a SERIAL read) asks of the coordinator. */
export interface CasRequest {
  keyspace: string;
  tableId: string;
  key: Buffer;
  token: bigint;
  /** The read of the current values the condition needs. */
  read: SinglePartitionReadCommand;
  /** Whether the condition holds on the current values. */
  applies(current: ReadResult): boolean;
  /** The updates to commit (all of this partition), every timestamp at timestampMicros (the ballot's time). */
  update(timestampMicros: number): Mutation[];
}

export interface CasResult {
  applied: boolean;
  /** The values read inside the round (those the condition was tested on). */
  current: ReadResult;
}

export interface PaxosCoordinatorOptions {
  clock: Clock;
  random: Random;
  logger: Logger;
  proxy: PaxosProxy;
  transport: Omit<PaxosTransport, 'clock' | 'logger' | 'timeoutMs'>;
  /** cas_contention_timeout: how long a round may be retried under contention (Cassandra: 1 s). */
  casContentionTimeoutMs?: number;
}

interface Participants {
  live: Endpoint[];
  /** The serial level's groups (quorum of natural replicas, plus the pending ones). */
  groups: readonly ReplicaGroup[];
  all: Endpoint[];
}

type Attempt = { kind: 'retry'; minMicros: number } | { kind: 'prepared'; ballot: Buffer; responders: Endpoint[] };

/** Cassandra pauses up to 100 ms between contended rounds. */
const contentionPauseMsMax = 100;

export class PaxosCoordinator {
  readonly stats = { casWrites: 0, casReads: 0, contentions: 0, unfinishedCommits: 0 };
  private readonly node: Buffer;
  private lastBallotMicros = 0;
  private readonly transport: PaxosTransport;
  readonly casContentionTimeoutMs: number;

  constructor(private readonly options: PaxosCoordinatorOptions) {
    this.node = options.random.bytes(8);
    this.casContentionTimeoutMs = options.casContentionTimeoutMs ?? 1_000;
    this.transport = { ...options.transport, clock: options.clock, logger: options.logger, timeoutMs: options.proxy.writeTimeoutMs };
  }

  /** A conditional write: serial is SERIAL or LOCAL_SERIAL, commit the level the update is committed at. */
  async cas(request: CasRequest, { serial, commit }: { serial: ConsistencyLevel; commit: ConsistencyLevel }): Promise<CasResult> {
    this.stats.casWrites++;
    return this.run(request, { serial, commit, reading: false });
  }

  /** A SERIAL or LOCAL_SERIAL read of one partition: what is in progress is finished first. */
  async readSerial(command: SinglePartitionReadCommand, { keyspace, serial }: { keyspace: string; serial: ConsistencyLevel }): Promise<ReadResult> {
    this.stats.casReads++;
    const request: CasRequest = {
      keyspace, tableId: command.tableId, key: command.key, token: command.token, read: command,
      applies: () => false, update: () => [],
    };
    return (await this.run(request, { serial, commit: ConsistencyLevel.ONE, reading: true })).current;
  }

  private async run(request: CasRequest, levels: { serial: ConsistencyLevel; commit: ConsistencyLevel; reading: boolean }): Promise<CasResult> {
    const participants = this.participants(request, levels.serial);
    const quorumRead = levels.serial === ConsistencyLevel.LOCAL_SERIAL ? ConsistencyLevel.LOCAL_QUORUM : ConsistencyLevel.QUORUM;
    const startMs = this.options.clock.monotonicMs();
    let minMicros = 0;
    while (this.options.clock.monotonicMs() - startMs < this.casContentionTimeoutMs) {
      const attempt = await this.beginAndRepair(request, { participants, minMicros, serial: levels.serial, reading: levels.reading });
      if (attempt.kind === 'retry') {
        minMicros = Math.max(minMicros, attempt.minMicros);
        await this.pause();
        continue;
      }
      const current = await this.options.proxy.read(request.read, quorumRead);
      const applies = request.applies(current);
      const micros = ballotMicros(attempt.ballot);
      const update = applies ? mergedUpdate(request, micros) : emptyUpdate(request);
      const outcome = await this.propose(participants, { ballot: attempt.ballot, update });
      if (outcome === 'accepted') {
        if (applies) await this.commit(participants, { ballot: attempt.ballot, update }, { level: levels.commit, request });
        return { applied: applies, current };
      }
      // Partly accepted: a later round may still complete it, so its fate is unknown.
      if (outcome === 'partial' && applies) throw writeTimeout(levels.serial, 0, tally(participants.groups, []).blockFor, 'CAS');
      this.stats.contentions++;
      minMicros = Math.max(minMicros, micros + 1);
      await this.pause();
    }
    const { blockFor } = tally(participants.groups, []);
    throw levels.reading ? readTimeout(levels.serial, 0, blockFor, false) : writeTimeout(levels.serial, 0, blockFor, 'CAS');
  }

  private participants(request: CasRequest, serial: ConsistencyLevel): Participants {
    const proxy = this.options.proxy;
    const context = proxy.planContext(request.keyspace);
    const natural = proxy.options.ring.replicasFor(context.replication, request.token);
    const pending = proxy.options.ring.pendingReplicasFor(context.replication, request.token);
    const all = [...natural, ...pending];
    const groups = replicaGroups(serial, context, pending);
    const live = all.filter((endpoint) => proxy.isAlive(endpoint));
    assureSufficientLive(serial, groups, live, { write: false });
    return { live, groups, all };
  }

  /** A new ballot, newer than any this coordinator made and than minMicros. */
  private nextBallot(minMicros: number): Buffer {
    const micros = Math.max(this.options.clock.nowMicros(), minMicros, this.lastBallotMicros + 1);
    this.lastBallotMicros = micros;
    return makeBallot(micros, this.node);
  }

  private pause(): Promise<void> {
    return this.options.clock.sleep(this.options.random.nextInt(contentionPauseMsMax));
  }

  /**
   * Prepares a ballot; finishes an unfinished proposal the promises show (then retries with a
   * newer ballot); brings responders that missed the latest commit up to date.
   */
  private async beginAndRepair(
    request: CasRequest,
    { participants, minMicros, serial, reading }: { participants: Participants; minMicros: number; serial: ConsistencyLevel; reading: boolean },
  ): Promise<Attempt> {
    const ballot = this.nextBallot(minMicros);
    const prepare: Commit = { ballot, update: emptyUpdate(request) };
    const answers = await gather(this.transport, participants.live, {
      send: (endpoint) => sendPrepare(this.transport, endpoint, prepare),
      decided: (so) => so.some((a) => !a.value.promised) || satisfies(participants.groups, so.map((a) => a.endpoint)),
    });
    const refused = answers.filter((a) => !a.value.promised);
    if (refused.length > 0) {
      this.stats.contentions++;
      const newest = refused.reduce((max, a) => Math.max(max, ballotMicros(a.value.promisedBallot)), 0);
      return { kind: 'retry', minMicros: newest + 1 };
    }
    if (!satisfies(participants.groups, answers.map((a) => a.endpoint))) {
      const { received, blockFor } = tally(participants.groups, answers.map((a) => a.endpoint));
      throw reading ? readTimeout(serial, received, blockFor, false) : writeTimeout(serial, received, blockFor, 'CAS');
    }
    const { accepted, mostRecentCommit } = summarize(answers);
    if (accepted !== null && !isEmptyUpdate(accepted.update) && (mostRecentCommit === null || isAfter(accepted.ballot, mostRecentCommit.ballot))) {
      // Someone's proposal may have been chosen: finish it at this ballot before anything else.
      this.stats.unfinishedCommits++;
      const refreshed: Commit = { ballot, update: withTimestamp(accepted.update, ballotMicros(ballot)) };
      const outcome = await this.propose(participants, refreshed);
      if (outcome === 'accepted') await this.commit(participants, refreshed, { level: serial === ConsistencyLevel.LOCAL_SERIAL ? ConsistencyLevel.LOCAL_QUORUM : ConsistencyLevel.QUORUM, request });
      return { kind: 'retry', minMicros: ballotMicros(ballot) + 1 };
    }
    if (mostRecentCommit !== null) {
      const missing = answers.filter((a) => a.value.mostRecentCommit === null || compareBallots(a.value.mostRecentCommit.ballot, mostRecentCommit.ballot) < 0).map((a) => a.endpoint);
      if (missing.length > 0) {
        const done = await gather(this.transport, missing, { send: (endpoint) => sendCommit(this.transport, endpoint, mostRecentCommit), decided: () => false });
        if (done.length < missing.length) return { kind: 'retry', minMicros: ballotMicros(ballot) + 1 };
      }
    }
    return { kind: 'prepared', ballot, responders: answers.map((a) => a.endpoint) };
  }

  /**
   * 'accepted' by the serial level's quorum; 'refused' only when every participant answered
   * and none accepted; otherwise 'partial'. A participant that did not answer (its reply lost,
   * a timeout) may have accepted: were that silence counted as a refusal, the coordinator
   * would retry an update a quorum may already hold, and apply it twice or report it not
   * applied (Cassandra's ProposeCallback.isFullyRefused waits for every participant too).
   */
  private async propose(participants: Participants, proposal: Commit): Promise<'accepted' | 'refused' | 'partial'> {
    const acceptedBy = (answers: readonly RoundAnswer<boolean>[]) => answers.filter((a) => a.value).map((a) => a.endpoint);
    const answers = await gather(this.transport, participants.live, {
      send: (endpoint) => sendPropose(this.transport, endpoint, proposal),
      decided: (so) => satisfies(participants.groups, acceptedBy(so)),
    });
    const accepted = acceptedBy(answers);
    if (satisfies(participants.groups, accepted)) return 'accepted';
    return accepted.length === 0 && answers.length === participants.live.length ? 'refused' : 'partial';
  }

  /** Commits at every live participant, waiting for the commit level (ANY: none). */
  private async commit(participants: Participants, commit: Commit, { level, request }: { level: ConsistencyLevel; request: CasRequest }): Promise<void> {
    const groups = level === ConsistencyLevel.ANY ? [] : replicaGroups(level, this.options.proxy.planContext(request.keyspace));
    if (!isEmptyUpdate(commit.update)) {
      for (const endpoint of participants.all) {
        if (!participants.live.includes(endpoint)) void this.options.proxy.hintMutation(endpoint, commit.update);
      }
    }
    const answers = await gather(this.transport, participants.live, {
      send: (endpoint) => sendCommit(this.transport, endpoint, commit),
      decided: (so) => satisfies(groups, so.map((a) => a.endpoint)),
    });
    if (!satisfies(groups, answers.map((a) => a.endpoint))) {
      const { received, blockFor } = tally(groups, answers.map((a) => a.endpoint));
      throw writeTimeout(level, received, blockFor, 'SIMPLE');
    }
  }
}

/** The request's updates as one, at the ballot's time. */
function mergedUpdate(request: CasRequest, micros: number): Mutation {
  const updates = request.update(micros);
  if (updates.length === 0) return emptyUpdate(request);
  const merged = mergePartitions(updates);
  return withTimestamp({ keyspace: request.keyspace, tableId: request.tableId, ...merged }, micros);
}

/** The newest accepted proposal and the newest commit among the promises. */
function summarize(answers: readonly RoundAnswer<PrepareResponse>[]): { accepted: Commit | null; mostRecentCommit: Commit | null } {
  let accepted: Commit | null = null;
  let mostRecentCommit: Commit | null = null;
  for (const { value } of answers) {
    if (value.accepted !== null && (accepted === null || isAfter(value.accepted.ballot, accepted.ballot))) accepted = value.accepted;
    if (value.mostRecentCommit !== null && (mostRecentCommit === null || isAfter(value.mostRecentCommit.ballot, mostRecentCommit.ballot))) mostRecentCommit = value.mostRecentCommit;
  }
  return { accepted, mostRecentCommit };
}

/**
 * The update with every timestamp at micros, deletions one microsecond before (Cassandra's
 * rule: a batch that deletes a row and writes it again keeps the write), collection
 * overwrites' column deletions too.
 */
export function withTimestamp(update: Mutation, micros: number): Mutation {
  const deletion = <T extends { markedForDeleteAtMicros: number } | null>(d: T): T => (d === null ? d : { ...d, markedForDeleteAtMicros: micros - 1 });
  return {
    ...update,
    partitionDeletion: deletion(update.partitionDeletion),
    rangeTombstones: update.rangeTombstones.map((t) => ({ ...t, deletion: deletion(t.deletion) })),
    rows: update.rows.map((row) => ({
      ...row,
      liveness: row.liveness === null ? null : { ...row.liveness, timestampMicros: micros },
      deletion: deletion(row.deletion),
      // A collection overwrite's column deletion (a pathless tombstone followed by the column's
      // path cells) stays one microsecond before the new elements, or it would shadow them.
      cells: row.cells.map((cell, index) => {
        const next = row.cells[index + 1];
        const overwrite = cell.path === undefined && cell.value === null && next !== undefined && next.column === cell.column && next.path !== undefined;
        return { ...cell, timestampMicros: overwrite ? micros - 1 : micros };
      }),
    })),
  };
}
