// The batchlog of logged batches (Cassandra's system.batches): a coordinator stores the whole
// batch on two other live nodes (BATCH_STORE), or in its own batchlog when it is alone,
// before applying it, and removes it after (BATCH_REMOVE). An entry still here well after
// its creation means the coordinator died midway: this node then replays the batch itself,
// so every statement applies eventually. Replaying twice is harmless: the mutations carry
// their timestamps, so a second application changes nothing.
//
// Entries live in a table of the storage engine (commit log first, so an acknowledged store
// survives a crash), one partition per batch id: the BATCH_STORE payload as it came, written
// at this node's clock, and removed by a partition deletion. gc_grace_seconds is 0, as
// Cassandra's, so compaction drops removed entries at once. An index of ids and creation
// times stays in memory (bounded by batchlogEntriesMax); load() rebuilds it after a restart.

import { CorruptionError, overloaded } from '../common/errors.js';
import { batchlogEntriesMax } from '../common/limits.js';
import type { Clock, Disk, Logger } from '../common/world.js';
import type { MessagingService } from '../cluster/messaging/messaging-service.js';
import { decodeBatchRemoveRequest, decodeBatchStoreRequest } from '../cluster/messaging/payloads.js';
import { murmur3Token } from '../dht/murmur3.js';
import { CLUSTERING_RANGE_END, CLUSTERING_RANGE_START, EMPTY_CLUSTERING } from '../schema/clustering-key.js';
import { SYSTEM_KEYSPACE, systemTableId } from '../schema/system-keyspaces.js';
import type { SyncMode } from '../storage/commitlog/commit-log.js';
import { StorageEngine } from '../storage/engine.js';
import { paxosTable } from '../cluster/paxos/paxos-state.js';
import { MIN_TOKEN, NO_DELETION_TIME, type Mutation, type ReadCommand, type ReadResult } from '../storage/types.js';

/** The storage table of batchlog entries. */
export const batchlogTable = { keyspace: SYSTEM_KEYSPACE, tableId: systemTableId(SYSTEM_KEYSPACE, 'batches'), gcGraceSeconds: 0 };
const batchColumn = 'batch';

/** What the batchlog needs of the storage engine. */
export interface BatchlogStore {
  apply(mutations: Mutation[]): Promise<void>;
  read(command: ReadCommand): Promise<ReadResult>;
}

/** The coordinator's use of its own batchlog when no other node is live. */
export interface LocalBatchlog {
  store(payload: Buffer): Promise<void>;
  remove(batchId: Buffer): Promise<void>;
}

export interface BatchlogOptions {
  clock: Clock;
  logger: Logger;
  store: BatchlogStore;
  /** Entries older than this (by their creation time) are orphans to replay. */
  replayAfterMs: number;
  /** Entries held before more are refused as overload; batchlogEntriesMax unless a test sets fewer. */
  entriesMax?: number;
}

/**
 * Opens a storage engine of its own for the batchlog under directory (data and commit log),
 * synced as the node's commit log is (commitlog_sync: with batch, an entry is durable before
 * BATCH_STORE is answered; with periodic, as every other write, it survives a killed
 * process). Its own engine because the node's engine opens the schema's tables only, and an
 * entry must be replayed from the commit log with its table open. The replica's Paxos state
 * (system.paxos, cluster/paxos/paxos-state.ts) lives in the same engine, for the same reasons.
 */
export function openBatchlogEngine(
  world: { clock: Clock; disk: Disk; logger: Logger },
  directory: string,
  sync: { syncMode: SyncMode; syncPeriodMs: number },
): Promise<StorageEngine> {
  return StorageEngine.open({
    world, dataDirectory: `${directory}/data`, commitLogDirectory: `${directory}/commitlog`, ...sync,
    memtableFlushBytes: 4 * 1024 * 1024, commitLogSegmentBytes: 8 * 1024 * 1024, tables: [batchlogTable, paxosTable],
    // Paxos state trickles in and rarely fills a memtable: without a bound it would hold every segment.
    commitLogTotalBytes: 64 * 1024 * 1024,
  });
}

export class Batchlog implements LocalBatchlog {
  /** Batch id (hex) -> creation time in microseconds (the coordinator's clock). */
  private readonly index = new Map<string, number>();
  replayed = 0;

  constructor(private readonly options: BatchlogOptions) {}

  /** Rebuilds the index from the table (at start, after the commit log replayed). */
  async load(): Promise<number> {
    const result = await this.options.store.read({
      kind: 'range', tableId: batchlogTable.tableId, slices: [{ start: CLUSTERING_RANGE_START, end: CLUSTERING_RANGE_END }],
      reversed: false, columns: [batchColumn], rowLimit: batchlogEntriesMax, perPartitionRowLimit: 1, partitionLimit: batchlogEntriesMax,
      nowSeconds: Math.floor(this.options.clock.nowMs() / 1000), includeTombstones: false, start: { token: MIN_TOKEN }, end: { token: MIN_TOKEN },
    });
    for (const partition of result.partitions) {
      const value = partition.rows[0]?.cells[0]?.value;
      if (value === null || value === undefined) continue;
      try {
        this.index.set(partition.key.toString('hex'), decodeBatchStoreRequest(value, `batchlog entry ${partition.key.toString('hex')}`).creationMicros);
      } catch (error) {
        // Checked when stored, so this is damage: the batch cannot be replayed; say so loudly.
        if (!(error instanceof CorruptionError)) throw error;
        this.options.logger.error('corrupt batchlog entry skipped', { error: error.message });
      }
    }
    if (this.index.size > 0) this.options.logger.info('batchlog entries loaded', { count: this.index.size });
    return this.index.size;
  }

  register(messaging: MessagingService): void {
    messaging.registerHandler('BATCH_STORE', async (message) => {
      await this.storeFrom(message.payload, `BATCH_STORE from ${message.from}`);
      return undefined;
    });
    messaging.registerHandler('BATCH_REMOVE', async (message) => {
      await this.remove(decodeBatchRemoveRequest(message.payload, `BATCH_REMOVE from ${message.from}`));
      return undefined;
    });
  }

  size(): number {
    return this.index.size;
  }

  /** Stores a batch (a BATCH_STORE payload) durably. */
  store(payload: Buffer): Promise<void> {
    return this.storeFrom(payload, 'local batch');
  }

  /** Removes an entry; unknown ids are ignored (a removal can overtake its store: the entry is then replayed, harmlessly). */
  async remove(batchId: Buffer): Promise<void> {
    const id = batchId.toString('hex');
    if (!this.index.has(id)) return;
    const deletion = { markedForDeleteAtMicros: this.options.clock.nowMicros(), localDeletionTime: Math.floor(this.options.clock.nowMs() / 1000) };
    await this.options.store.apply([{ ...entryKey(batchId), partitionDeletion: deletion, rangeTombstones: [], rows: [] }]);
    this.index.delete(id);
  }

  /** Replays entries older than the replay delay through `apply` (the coordinator's write path); kept on failure. */
  async replayOrphans(apply: (mutations: Mutation[]) => Promise<void>): Promise<number> {
    const cutoffMicros = this.options.clock.nowMicros() - this.options.replayAfterMs * 1000;
    let count = 0;
    for (const [id, creationMicros] of [...this.index]) {
      if (creationMicros > cutoffMicros) continue;
      const batchId = Buffer.from(id, 'hex');
      try {
        const mutations = await this.readEntry(batchId);
        if (mutations !== undefined) await apply(mutations);
        await this.remove(batchId);
      } catch (error) {
        this.options.logger.info('batchlog replay failed; will retry', { batch: id, reason: String(error) });
        continue;
      }
      count++;
    }
    this.replayed += count;
    if (count > 0) this.options.logger.info('replayed orphaned batches', { count });
    return count;
  }

  private async storeFrom(payload: Buffer, source: string): Promise<void> {
    const request = decodeBatchStoreRequest(payload, source);
    const id = request.batchId.toString('hex');
    const entriesMax = Math.min(this.options.entriesMax ?? batchlogEntriesMax, batchlogEntriesMax);
    if (!this.index.has(id) && this.index.size >= entriesMax) throw overloaded(`batchlog full (${entriesMax} entries)`);
    const timestampMicros = this.options.clock.nowMicros();
    await this.options.store.apply([{
      ...entryKey(request.batchId), partitionDeletion: null, rangeTombstones: [],
      rows: [{
        clustering: EMPTY_CLUSTERING, liveness: { timestampMicros, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME }, deletion: null,
        cells: [{ column: batchColumn, timestampMicros, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: payload }],
      }],
    }]);
    this.index.set(id, request.creationMicros);
  }

  /** The entry's mutations, or undefined when it is gone (removed meanwhile). */
  private async readEntry(batchId: Buffer): Promise<Mutation[] | undefined> {
    const key = entryKey(batchId);
    const result = await this.options.store.read({
      kind: 'single', tableId: batchlogTable.tableId, key: key.key, token: key.token, slices: [{ start: CLUSTERING_RANGE_START, end: CLUSTERING_RANGE_END }],
      reversed: false, columns: [batchColumn], rowLimit: 1, perPartitionRowLimit: 1, nowSeconds: Math.floor(this.options.clock.nowMs() / 1000), includeTombstones: false,
    });
    const value = result.partitions[0]?.rows[0]?.cells[0]?.value;
    if (value === null || value === undefined) return undefined;
    return decodeBatchStoreRequest(value, `batchlog entry ${batchId.toString('hex')}`).mutations;
  }
}

function entryKey(batchId: Buffer): Pick<Mutation, 'keyspace' | 'tableId' | 'key' | 'token'> {
  return { keyspace: batchlogTable.keyspace, tableId: batchlogTable.tableId, key: Buffer.from(batchId), token: murmur3Token(batchId) };
}
