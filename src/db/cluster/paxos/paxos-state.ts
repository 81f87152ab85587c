// The replica side of Paxos (Cassandra's PaxosState, classic Paxos v1): per partition, the
// ballot promised, the proposal accepted (with its ballot) and the most recent commit. Kept
// in a table of the storage engine (system.paxos, one row per table and partition key), so
// a promise or an acceptance survives a restart: it is answered only once durable (commit
// log first); it expires after paxosStateTtlSeconds. Each cell is written at its ballot's
// time, so storage reconciliation agrees with ballot order. Operations on one partition run
// one at a time (a read, a decision, a write): a queue per partition key, dropped once idle.

import { KeyedQueue } from '../../common/keyed-queue.js';
import { murmur3Token } from '../../dht/murmur3.js';
import { CLUSTERING_RANGE_END, CLUSTERING_RANGE_START, EMPTY_CLUSTERING } from '../../schema/clustering-key.js';
import { SYSTEM_KEYSPACE, systemTableId } from '../../schema/system-keyspaces.js';
import { type Cell, type Mutation, type ReadCommand, type ReadResult } from '../../storage/types.js';
import type { Clock } from '../../common/world.js';
import { ballotMicros, compareBallots, isAfter, NO_BALLOT } from './ballot.js';
import type { MessagingService } from '../messaging/messaging-service.js';
import { decodeCommit, encodeCommit, encodePrepareResponse, encodeProposeResponse, type Commit, type PrepareResponse } from './paxos-messages.js';

/** The storage table of Paxos state (Cassandra's system.paxos). */
export const paxosTable = { keyspace: SYSTEM_KEYSPACE, tableId: systemTableId(SYSTEM_KEYSPACE, 'paxos'), gcGraceSeconds: 864_000 };

/**
 * Paxos state expires as Cassandra's does (its TTL is the table's gc_grace_seconds, 10 days by
 * default): a partition untouched that long starts afresh, and system.paxos does not grow forever.
 */
const paxosStateTtlSeconds = 864_000;
const promiseColumn = 'in_progress_ballot';
const proposalColumn = 'proposal';
const commitColumn = 'most_recent_commit';

export interface PaxosStateStore {
  apply(mutations: Mutation[]): Promise<void>;
  read(command: ReadCommand): Promise<ReadResult>;
}

interface State {
  promised: Buffer;
  accepted: Commit | null;
  mostRecentCommit: Commit | null;
}

export interface PaxosReplicaOptions {
  clock: Clock;
  /** Where the Paxos state lives. */
  state: PaxosStateStore;
  /** Where committed updates are applied (the node's data). */
  data: { apply(mutations: Mutation[]): Promise<void> };
}

export class PaxosReplica {
  private readonly queue = new KeyedQueue();

  constructor(private readonly options: PaxosReplicaOptions) {}

  /** Promises not to accept ballots older than this one, if none newer was promised. */
  prepare(request: Commit): Promise<PrepareResponse> {
    return this.serially(request.update, async () => {
      const state = await this.load(request.update);
      const promised = isAfter(request.ballot, state.promised);
      if (promised) await this.save(request.update, { column: promiseColumn, ballot: request.ballot, value: request.ballot });
      return { promised, promisedBallot: promised ? request.ballot : state.promised, accepted: state.accepted, mostRecentCommit: state.mostRecentCommit };
    });
  }

  /** Accepts the proposal unless a newer ballot was promised meanwhile. */
  propose(proposal: Commit): Promise<boolean> {
    return this.serially(proposal.update, async () => {
      const state = await this.load(proposal.update);
      if (compareBallots(proposal.ballot, state.promised) < 0) return false;
      // Accepting is also promising: no older ballot may be accepted after this one.
      await this.save(proposal.update, { column: proposalColumn, ballot: proposal.ballot, value: encodeCommit(proposal) },
        isAfter(proposal.ballot, state.promised) ? { column: promiseColumn, ballot: proposal.ballot, value: proposal.ballot } : undefined);
      return true;
    });
  }

  /** Applies a chosen update to the data and remembers it as the most recent commit. */
  commit(commit: Commit): Promise<void> {
    return this.serially(commit.update, async () => {
      if (!isEmptyUpdate(commit.update)) await this.options.data.apply([commit.update]);
      const state = await this.load(commit.update);
      if (state.mostRecentCommit === null || isAfter(commit.ballot, state.mostRecentCommit.ballot)) {
        await this.save(commit.update, { column: commitColumn, ballot: commit.ballot, value: encodeCommit(commit) });
      }
    });
  }

  private serially<T>(update: Mutation, work: () => Promise<T>): Promise<T> {
    return this.queue.run(`${update.tableId}:${update.key.toString('hex')}`, work);
  }

  private async load(update: Mutation): Promise<State> {
    const key = stateKey(update);
    const result = await this.options.state.read({
      kind: 'single', tableId: paxosTable.tableId, key, token: murmur3Token(key), slices: [{ start: CLUSTERING_RANGE_START, end: CLUSTERING_RANGE_END }],
      reversed: false, columns: 'all', rowLimit: 1, perPartitionRowLimit: 1, nowSeconds: Math.floor(this.options.clock.nowMs() / 1000), includeTombstones: false,
    });
    const cells = result.partitions[0]?.rows[0]?.cells ?? [];
    const value = (column: string) => cells.find((cell) => cell.column === column)?.value ?? null;
    const promise = value(promiseColumn);
    const proposal = value(proposalColumn);
    const commit = value(commitColumn);
    const source = `paxos state of ${update.tableId}`;
    return {
      promised: promise ?? NO_BALLOT,
      accepted: proposal === null ? null : decodeCommit(proposal, source),
      mostRecentCommit: commit === null ? null : decodeCommit(commit, source),
    };
  }

  private async save(update: Mutation, ...writes: Array<{ column: string; ballot: Buffer; value: Buffer } | undefined>): Promise<void> {
    const key = stateKey(update);
    const nowSeconds = Math.floor(this.options.clock.nowMs() / 1000);
    const cells: Cell[] = writes.filter((w) => w !== undefined)
      .map((w) => ({ column: w.column, timestampMicros: ballotMicros(w.ballot), ttlSeconds: paxosStateTtlSeconds, localDeletionTime: nowSeconds + paxosStateTtlSeconds, value: w.value }))
      .sort((a, b) => (a.column < b.column ? -1 : a.column > b.column ? 1 : 0));
    await this.options.state.apply([{
      keyspace: paxosTable.keyspace, tableId: paxosTable.tableId, key, token: murmur3Token(key),
      partitionDeletion: null, rangeTombstones: [], rows: [{ clustering: EMPTY_CLUSTERING, liveness: null, deletion: null, cells }],
    }]);
  }
}

/** The system.paxos partition of a table's partition: the table id, then the key. */
function stateKey(update: Mutation): Buffer {
  const id = Buffer.from(update.tableId, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(id.length, 0);
  return Buffer.concat([length, id, update.key]);
}

export function isEmptyUpdate(update: Mutation): boolean {
  return update.partitionDeletion === null && update.rangeTombstones.length === 0 && update.rows.length === 0;
}

/** An empty update of the partition: what a prepare names, and what a read or a failed condition proposes. */
export function emptyUpdate(of: Pick<Mutation, 'keyspace' | 'tableId' | 'key' | 'token'>): Mutation {
  return { keyspace: of.keyspace, tableId: of.tableId, key: of.key, token: of.token, partitionDeletion: null, rangeTombstones: [], rows: [] };
}

/** The Paxos verbs of a replica. */
export function registerPaxosVerbs(messaging: Pick<MessagingService, 'registerHandler'>, replica: PaxosReplica): void {
  messaging.registerHandler('PAXOS_PREPARE', async (message) =>
    encodePrepareResponse(await replica.prepare(decodeCommit(message.payload, `PAXOS_PREPARE from ${message.from}`))));
  messaging.registerHandler('PAXOS_PROPOSE', async (message) =>
    encodeProposeResponse(await replica.propose(decodeCommit(message.payload, `PAXOS_PROPOSE from ${message.from}`))));
  messaging.registerHandler('PAXOS_COMMIT', async (message) => {
    await replica.commit(decodeCommit(message.payload, `PAXOS_COMMIT from ${message.from}`));
    return undefined;
  });
}
