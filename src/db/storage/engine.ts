// The storage engine (DESIGN.md, "Data model and storage"): commit log, memtables, sstables
// and compaction for every table of a node. Writes go to the commit log, then the memtable;
// memtables past their size bound are flushed to sstables in the background while writes
// continue; reads merge the memtables and the sstables that may hold the key.

import { assert, fail } from '../common/assert.js';
import { type CorruptionError, DiskError, invalidRequest } from '../common/errors.js';
import { commitLogEntryBytesMax as entryPayloadBytesMax, compactionConcurrencyMax, commitLogSegmentBytesDefault, memtablesFlushingMax, mutationBytesMax } from '../common/limits.js';
import type { Clock, Disk, Logger } from '../common/world.js';
import {
  CommitLog, type CommitLogPosition, type SegmentToReplay, type SyncMode, commitLogStart, compareCommitLogPositions, furthestPosition,
} from './commitlog/commit-log.js';
import { effectiveSlices, shapePartition } from './engine-read.js';
import { type SizeTieredOptions, chooseSizeTieredCompaction, compact, sizeTieredDefaults } from './compaction.js';
import { Pacer } from './pacing.js';
import {
  completeObsoleteRecords, readTruncationRecord, removeTruncatedSSTables, tableDirectory, writeObsoleteRecord, writeTruncationRecord,
  type EngineTableOptions, type TableState, type TruncationRecord,
} from './engine-table.js';
import { Memtable } from './memtable.js';
import { encodeMutationBatchChecked } from './mutation-serializer.js';
import { mergePartitionStreams, mergePartitions, purgePartition } from './partition.js';
import { measuredPartitions, TableMetrics } from './table-metrics.js';
import { BlockCache, SSTableReader, blockCacheBytesDefault, keyCacheBytesDefault, type SSTableDescriptor, listSSTables, nextSSTableGeneration, removeTemporarySSTableFiles, sstableFileName, writeSSTable } from './sstable/index.js';
import {
  MIN_TOKEN, type ClusteringSlice, type FlushHold, type Mutation, type Partition, type PartitionPosition, type PartitionRangeReadCommand, type ReadCommand, type ReadResult, type Row, type SinglePartitionReadCommand,
} from './types.js';

export type { EngineTableOptions } from './engine-table.js';

export interface StorageEngineOptions {
  world: { clock: Clock; disk: Disk; logger: Logger };
  dataDirectory: string;
  commitLogDirectory: string;
  syncMode: SyncMode;
  syncPeriodMs: number;
  memtableFlushBytes: number;
  /**
   * Bytes all tables' memtables may hold together (Cassandra's memtable_heap_space); past it the
   * largest memtable is flushed. Absent: only memtableFlushBytes, per table.
   */
  memtableSpaceBytes?: number;
  commitLogSegmentBytes?: number;
  /**
   * Bytes the commit log's segments may take on disk (commitlog_total_space); past it the
   * tables holding the oldest segments are flushed so those segments can be deleted. Absent:
   * no bound (a table written too rarely to fill its memtable then keeps every segment).
   */
  commitLogTotalBytes?: number;
  /** Target size of sstable data blocks (tests use small ones). */
  sstableBlockBytes?: number;
  /** Size-tiered compaction settings (compaction-strategy.ts defaults otherwise). */
  sizeTiered?: Partial<SizeTieredOptions>;
  /** Budget of the block cache shared by every sstable (file_cache_size_in_mb). */
  blockCacheBytes?: number;
  /** Budget of the key cache: partition index entries of keys read (key_cache_size_in_mb). */
  keyCacheBytes?: number;
  /** Compaction's write rate limit (compaction_throughput); 0 or absent: unthrottled. */
  compactionThroughputBytesPerSecond?: number;
  tables: EngineTableOptions[];
  /** Sees the replayed mutations of the tables it observes (a base table's views: node/materialized-views.ts). */
  replayObserver?: ReplayObserver;
}

/**
 * Commit-log replay of a table whose writes have consequences beyond the table (a base table
 * with materialized views): the observer applies each replayed mutation itself, with reads of
 * the table before and after it, as a live write is applied. Cassandra's commit-log replay also
 * applies mutations through their view updates.
 */
export interface ReplayObserver {
  observes(tableId: string): boolean;
  replay(mutation: Mutation, access: ReplayAccess): Promise<void>;
  /**
   * Makes durable what the observer holds back. Called before replay flushes a memtable (the
   * flushed mutations are not replayed again) and when replay ends.
   */
  settle(): Promise<void>;
}

/** What an observer may do while replay runs: apply the replayed mutation (once), read, and ask which tables are open. */
export interface ReplayAccess {
  apply(): void;
  read(command: ReadCommand): Promise<ReadResult>;
  hasTable(tableId: string): boolean;
}

const ringStart = { token: MIN_TOKEN };
/** The commit log holder that pins the segment replay is applying. */
const replayingHolder = 'replaying';

/** Cassandra's OperationType names for what sstable_tasks lists. */
export type SSTableTaskKind = 'compaction' | 'flush' | 'cleanup';

export interface SSTableTask {
  /** A time-based UUID, as Cassandra's compaction ids. */
  id: string;
  keyspace: string;
  tableId: string;
  kind: SSTableTaskKind;
  progressBytes: number;
  totalBytes: number;
}

interface RunningTask extends Omit<SSTableTask, 'progressBytes'> {
  pacer: Pacer;
}

/** A version-1 (time-based) UUID from the clock and a per-engine sequence: unique within the node. */
function taskId(nowMs: number, sequence: number): string {
  const ticks = (BigInt(Math.max(0, Math.floor(nowMs))) + 12_219_292_800_000n) * 10_000n + BigInt(sequence % 10_000);
  const hex = (value: bigint, digits: number) => value.toString(16).padStart(digits, '0');
  const low = ticks & 0xffffffffn;
  const mid = (ticks >> 32n) & 0xffffn;
  const high = ((ticks >> 48n) & 0x0fffn) | 0x1000n;
  const clockSequence = 0x8000n | BigInt(Math.floor(sequence / 10_000) % 0x4000);
  return `${hex(low, 8)}-${hex(mid, 4)}-${hex(high, 4)}-${hex(clockSequence, 4)}-${hex(BigInt(sequence), 12).slice(-12)}`;
}

/** One table's storage figures (nodetool tablestats). */
export interface TableStats {
  keyspace: string;
  tableId: string;
  /** The live memtable's estimated bytes and operations (cells and deletions written). */
  memtableBytes: number;
  memtableCells: number;
  flushingMemtables: number;
  sstableCount: number;
  sstableBytes: number;
  bloomFilterBytes: number;
  /** Partitions in the live memtable plus in each sstable (a partition in several counts once per source, as Cassandra estimates). */
  partitionsEstimate: number;
}

/** Ascending single-partition reads with a row limit up to this many read each source only as far as the page needs (mergedPartitionHead). */
const headReadRowsMax = 100_000;
/** The first number of rows read from each source for such a read. */
const headReadRowsMin = 256;

export class StorageEngine {
  private readonly tables = new Map<string, TableState>();
  /** The caches every sstable reader of the node shares: sstable blocks and partition index entries. */
  private readonly caches: { blockCache: BlockCache; keyCache: BlockCache };
  private memtableCounter = 0;
  /** Memtables written to sstables since start (tpstats' MemtableFlushWriter). */
  private flushesCompleted = 0;
  private compactionsRunning = 0;
  private readonly compactions = { completed: 0, bytesCompacted: 0 };
  /** Flushes and compactions writing now (system_views.sstable_tasks, nodetool compactionstats). */
  private readonly tasks = new Map<string, RunningTask>();
  private tasksStarted = 0;
  private readonly background = new Set<Promise<unknown>>();
  /** Latencies and histograms by table id (table-metrics.ts), kept while the node runs. */
  private readonly metrics = new Map<string, TableMetrics>();
  private closed = false;
  /** Set by a write that failed for want of space; cleared (and logged) by the next that succeeds. */
  private diskFull = false;
  /** Torn or corrupt commit log entries met by the last replay (each was logged). */
  readonly replayIssues: CorruptionError[] = [];

  private log: CommitLog | null = null;
  /**
   * While replay runs: the position after the last entry applied, the replay bound of a
   * memtable flushed then (the log's own replayPosition is past every replayed segment).
   */
  private replayBound: CommitLogPosition | null = null;

  private constructor(private readonly options: StorageEngineOptions) {
    this.caches = {
      blockCache: new BlockCache({ bytesMax: options.blockCacheBytes ?? blockCacheBytesDefault }),
      keyCache: new BlockCache({ bytesMax: options.keyCacheBytes ?? keyCacheBytesDefault }),
    };
  }

  private get commitLog(): CommitLog {
    assert(this.log !== null, 'storage engine used before its commit log opened');
    return this.log;
  }

  private get disk(): Disk {
    return this.options.world.disk;
  }

  private get logger(): Logger {
    return this.options.world.logger;
  }

  /**
   * Opens every table's sstables (removing unfinished writes), then replays the commit log,
   * skipping per table what a truncation discarded and what its sstables already hold.
   */
  static async open(options: StorageEngineOptions): Promise<StorageEngine> {
    const { disk, clock, logger } = options.world;
    await disk.makeDirectory(options.dataDirectory);
    const engine = new StorageEngine(options);
    const truncations = new Map<string, TruncationRecord>();
    for (const table of options.tables) truncations.set(table.tableId, await readTruncationRecord(disk, tableDirectory(options.dataDirectory, table)));
    const flushedUpTo = new Map<string, CommitLogPosition>();
    for (const table of options.tables) {
      const state = await engine.openTable(table, truncations.get(table.tableId));
      flushedUpTo.set(table.tableId, furthestPosition(state.sstables.map((reader) => reader.metadata.commitLogUpperBound)));
    }
    // New segments get ids above every recorded bound, or later writes could be mistaken for flushed (or truncated) ones.
    const firstSegmentId = Math.max(1, ...[...truncations.values()].map((t) => t.segmentId), ...[...flushedUpTo.values()].map((p) => p.segmentId + 1));
    const { log, replay } = await CommitLog.open({
      disk, clock, logger, directory: options.commitLogDirectory, syncMode: options.syncMode, syncPeriodMs: options.syncPeriodMs,
      segmentBytes: options.commitLogSegmentBytes ?? commitLogSegmentBytesDefault, firstSegmentId,
      ...(options.commitLogTotalBytes === undefined ? {} : { totalBytes: options.commitLogTotalBytes }),
      onOverTotalSpace: (holders) => engine.flushHolders(holders),
    });
    engine.log = log;
    const skipped = await engine.replay(replay, { truncations, flushedUpTo });
    await log.collect();
    logger.info('commit log replayed', { segments: replay.length, skippedMutations: skipped, issues: engine.replayIssues.length });
    for (const state of engine.tables.values()) engine.maybeFlush(state);
    log.reclaimOverTotalSpace();
    return engine;
  }

  /**
   * Applies the log's segments to memtables, one segment at a time, except mutations truncated
   * or already in sstables; returns how many were skipped. A memtable that fills up on the way
   * (memtable_flush_bytes, memtable_heap_space) is flushed then, with the position after the
   * last entry applied as its replay bound: replay holds one segment and the memtables, so a
   * node that went down with its whole commitlog_total_space written starts again. The segment
   * being applied is pinned: a flush must not delete it before its later entries are applied.
   */
  private async replay(segments: SegmentToReplay[], bounds: { truncations: Map<string, TruncationRecord>; flushedUpTo: Map<string, CommitLogPosition> }): Promise<number> {
    let skipped = 0;
    for (const toReplay of segments) {
      const segment = await toReplay.read();
      if (segment.corruption !== null) this.replayIssues.push(segment.corruption);
      this.commitLog.reference(segment.id, replayingHolder);
      for (const [index, batch] of segment.batches.entries()) {
        const position = { segmentId: segment.id, offset: segment.offsets[index] as number };
        const touched = new Set<TableState>();
        for (const mutation of batch) {
          const state = this.tables.get(mutation.tableId);
          const truncated = segment.id < (bounds.truncations.get(mutation.tableId)?.segmentId ?? 0);
          if (state === undefined || truncated || compareCommitLogPositions(position, bounds.flushedUpTo.get(mutation.tableId) ?? commitLogStart) < 0) {
            skipped++;
            continue;
          }
          const observer = this.options.replayObserver;
          if (observer?.observes(mutation.tableId) === true) {
            let applied = false;
            try {
              await observer.replay(mutation, {
                apply: () => { if (!applied) state.memtable.apply(mutation); applied = true; },
                read: (command) => this.read(command),
                hasTable: (tableId) => this.hasTable(tableId),
              });
            } catch (error) {
              this.logger.error('the consequences of a replayed mutation (view updates) failed; the mutation itself is replayed', { tableId: mutation.tableId, error });
            }
            // The mutation is in the memtable whatever the observer did: it was acknowledged.
            if (!applied) state.memtable.apply(mutation);
          } else {
            state.memtable.apply(mutation);
          }
          this.commitLog.reference(segment.id, state.memtable.id);
          touched.add(state);
        }
        // Entries start after the segment header, so (next id, 0) is below every later entry.
        const next = segment.offsets[index + 1];
        this.replayBound = next === undefined ? { segmentId: segment.id + 1, offset: 0 } : { segmentId: segment.id, offset: next };
        for (const state of touched) {
          if (state.memtable.sizeBytes < this.options.memtableFlushBytes) continue;
          await this.settleReplayObserver();
          await this.flushTable(state);
        }
        const largest = this.largestOverSpace();
        if (largest !== undefined) {
          await this.settleReplayObserver();
          await this.flushTable(largest);
        }
      }
      await this.commitLog.release(replayingHolder);
    }
    await this.settleReplayObserver();
    this.replayBound = null;
    return skipped;
  }

  private async settleReplayObserver(): Promise<void> {
    try {
      await this.options.replayObserver?.settle();
    } catch (error) {
      this.logger.error('the consequences of replayed mutations (view updates) could not be stored', { error });
    }
  }

  private newMemtable(tableId: string): Memtable {
    return new Memtable(`${tableId}#${++this.memtableCounter}`);
  }

  private async openTable(options: EngineTableOptions, truncation: TruncationRecord = { segmentId: 0, generation: 0 }): Promise<TableState> {
    if (!(!this.tables.has(options.tableId))) fail(`table ${options.tableId} opened twice`);
    const directory = tableDirectory(this.options.dataDirectory, options);
    await this.disk.makeDirectory(directory);
    await removeTemporarySSTableFiles(this.disk, directory);
    await completeObsoleteRecords(this.disk, directory, (generation) => `${directory}/${sstableFileName(generation)}`);
    await removeTruncatedSSTables(this.disk, directory, truncation.generation);
    const sstables: SSTableReader[] = [];
    try {
      for (const file of await listSSTables(this.disk, directory)) {
        sstables.push(await SSTableReader.open(this.disk, file.path, this.caches));
      }
    } catch (error) {
      this.logger.error('could not open an sstable', { table: options.tableId, error: String(error) });
      for (const reader of sstables) await reader.close();
      throw error;
    }
    const state: TableState = {
      options, directory, memtable: this.newMemtable(options.tableId), flushing: [], sstables, compacting: new Set(),
      nextGeneration: Math.max(truncation.generation, await nextSSTableGeneration(this.disk, directory)), flushQueue: Promise.resolve(), reads: new Set(), epoch: 0, dropped: false, holds: new Set(),
    };
    this.tables.set(options.tableId, state);
    return state;
  }

  private table(tableId: string): TableState {
    const state = this.tables.get(tableId);
    if (state === undefined) throw invalidRequest(`unknown table id ${tableId}`);
    return state;
  }

  /** Whether the engine holds the table (opened by addTable or at open). */
  hasTable(tableId: string): boolean {
    return this.tables.has(tableId);
  }

  async addTable(options: EngineTableOptions): Promise<void> {
    if (this.tables.has(options.tableId)) return;
    await this.openTable(options);
  }

  updateTable(options: EngineTableOptions): void {
    this.table(options.tableId).options = options;
  }

  async dropTable(tableId: string): Promise<void> {
    const state = this.tables.get(tableId);
    if (state === undefined) return;
    this.tables.delete(tableId);
    this.metrics.delete(tableId);
    state.dropped = true;
    state.epoch++;
    await this.discardData(state);
    await this.disk.remove(state.directory);
    await this.disk.syncDirectory(state.directory.slice(0, state.directory.lastIndexOf('/')));
  }

  /** Removes every row of a table; replay will not bring back what was written before. */
  async truncate(tableId: string): Promise<void> {
    const state = this.table(tableId);
    // Every sstable generation allocated so far (including running flushes and compactions) is below this one.
    const generation = state.nextGeneration++;
    const segmentId = await this.commitLog.forceNewSegment();
    await writeTruncationRecord(this.disk, state.directory, { segmentId, generation });
    state.epoch++;
    await this.discardData(state);
  }

  private async discardData(state: TableState): Promise<void> {
    const memtables = [state.memtable, ...state.flushing];
    state.memtable = this.newMemtable(state.options.tableId);
    state.flushing = [];
    await state.flushQueue;
    const sstables = state.sstables;
    state.sstables = [];
    if (state.dropped) {
      // The whole directory goes next; only close the files once reads are done with them.
      await Promise.allSettled([...state.reads]);
      for (const reader of sstables) await reader.close();
    } else if (sstables.length > 0) {
      await this.deleteSSTables(state, sstables, state.nextGeneration++);
    }
    for (const memtable of memtables) await this.commitLog.release(memtable.id);
  }

  /**
   * Applies mutations atomically per call: commit log first (durable per the sync mode), then
   * memtables. `encoded`, when given, is these mutations already in the commit log's batch layout
   * (a replica receives them so in a MUTATION_BATCH, checked by its decoder): it is appended as
   * is instead of encoding them again.
   */
  async apply(mutations: Mutation[], encoded?: Buffer, flushHold?: FlushHold): Promise<void> {
    assert(!this.closed, 'apply on a closed storage engine');
    if (mutations.length === 0) return;
    const startedMs = this.options.world.clock.monotonicMs();
    await this.applyNow(mutations, encoded, flushHold);
    const micros = (this.options.world.clock.monotonicMs() - startedMs) * 1000;
    if (mutations.length === 1) this.tableMetrics((mutations[0] as Mutation).tableId).writeLatency.add(micros);
    else for (const tableId of new Set(mutations.map((mutation) => mutation.tableId))) this.tableMetrics(tableId).writeLatency.add(micros);
  }

  /** The measured figures of a table (zeros until it is read or written). */
  tableMetrics(tableId: string): TableMetrics {
    let metrics = this.metrics.get(tableId);
    if (metrics === undefined) {
      metrics = new TableMetrics();
      this.metrics.set(tableId, metrics);
    }
    return metrics;
  }

  /**
   * `flushHold`: the memtables this write lands in, of the hold's tables, are not written to
   * sstables before it settles. A base write with views holds its memtable until its view updates are stored: a
   * flush in between, then a crash, skipped the write at replay and lost its view updates. The
   * hold is taken in the same synchronous step as the memtable write, after every wait of the
   * write (back-pressure, commit log), so a write never waits on a flush its own hold blocks.
   */
  private async applyNow(mutations: Mutation[], encoded: Buffer | undefined, flushHold?: FlushHold): Promise<void> {
    for (const mutation of mutations) {
      const state = this.table(mutation.tableId);
      // Back-pressure: when flushes fall behind, writes wait for them (or fail with their error) rather than fill memory.
      if (state.flushing.length >= memtablesFlushingMax) await this.flushTable(state);
    }
    const payload = encoded ?? encodeMutationBatchChecked(mutations, (bytes) => {
      if (bytes > mutationBytesMax) throw invalidRequest(`mutation of ${bytes} bytes is larger than the maximum of ${mutationBytesMax}`);
    });
    if (payload.length > entryPayloadBytesMax) throw invalidRequest(`a batch of ${payload.length} bytes is larger than the maximum of ${entryPayloadBytesMax}`);
    const position = await this.commitLog.add(payload, mutations.length).catch((error: unknown) => {
      this.noteDiskError(error, 'commit log write');
      throw error;
    });
    this.noteDiskWritten();
    const touched = new Set<TableState>();
    try {
      for (const mutation of mutations) {
        const state = this.tables.get(mutation.tableId);
        if (state === undefined) continue; // dropped while the commit log wrote
        state.memtable.apply(mutation);
        this.commitLog.reference(position.segmentId, state.memtable.id);
        touched.add(state);
      }
      if (flushHold !== undefined) for (const state of touched) if (flushHold.tableIds.has(state.options.tableId)) holdFlushes(state, flushHold.until);
    } finally {
      await this.commitLog.settle(position);
    }
    for (const state of touched) this.maybeFlush(state);
    this.flushLargestOverSpace();
  }

  private maybeFlush(state: TableState): void {
    if (state.memtable.sizeBytes < this.options.memtableFlushBytes) return;
    this.track(this.flushTable(state));
  }

  /**
   * Flushes the tables whose live memtable is one of these commit log holders (memtable ids
   * `tableId#n`), so that the oldest segments can be deleted (commitlog_total_space). A holder
   * that is already flushing, or whose table is gone, needs nothing.
   */
  private flushHolders(holders: string[]): void {
    if (this.closed) return;
    const ids = new Set(holders);
    const states = [...this.tables.values()].filter((state) => ids.has(state.memtable.id) && state.memtable.sizeBytes > 0);
    if (states.length === 0) return;
    this.logger.info('commit log over commitlog_total_space: flushing the tables that hold its oldest segments', { tables: states.map((state) => `${state.options.keyspace}/${state.options.tableId}`) });
    // Called while the commit log opens a segment: the flushes start after it, not inside it.
    queueMicrotask(() => {
      if (!this.closed) for (const state of states) this.track(this.flushTable(state));
    });
  }

  /** Over memtable_heap_space, the largest memtable goes to disk (Cassandra's MemtableCleaner picks the largest too). */
  private flushLargestOverSpace(): void {
    const largest = this.largestOverSpace();
    if (largest !== undefined) this.track(this.flushTable(largest));
  }

  /** The table whose memtable to flush when all memtables together are over memtable_heap_space. */
  private largestOverSpace(): TableState | undefined {
    const spaceBytes = this.options.memtableSpaceBytes;
    if (spaceBytes === undefined) return undefined;
    let total = 0;
    let largest: TableState | undefined;
    for (const state of this.tables.values()) {
      total += state.memtable.sizeBytes;
      if (largest === undefined || state.memtable.sizeBytes > largest.memtable.sizeBytes) largest = state;
    }
    if (total <= spaceBytes || largest === undefined || largest.memtable.sizeBytes === 0) return undefined;
    return largest;
  }

  /**
   * Logs the start of a disk-full episode once (Cassandra logs each FSWriteError; one line per
   * episode keeps a full disk from flooding the log): writes fail until space is freed.
   */
  private noteDiskError(error: unknown, operation: string): void {
    if (!(error instanceof DiskError) || error.systemCode !== 'ENOSPC' || this.diskFull) return;
    this.diskFull = true;
    this.logger.error(`disk full: ${operation} failed (No space left on device); writes fail until space is freed, then resume by themselves`, { path: error.path });
  }

  private noteDiskWritten(): void {
    if (!this.diskFull) return;
    this.diskFull = false;
    this.logger.info('disk space available again: writes resumed');
  }

  private track(work: Promise<unknown>): void {
    const guarded = work.catch((error: unknown) => {
      this.noteDiskError(error, 'flush or compaction');
      this.logger.error('background storage work failed', { error: String(error) });
    });
    this.background.add(guarded);
    void guarded.finally(() => this.background.delete(guarded));
  }

  /** Switches the memtable and writes it (and any earlier failed flush) to an sstable. */
  private flushTable(state: TableState): Promise<void> {
    if (!state.memtable.isEmpty()) {
      state.memtable.commitLogUpperBound = this.replayBound ?? this.commitLog.replayPosition();
      state.memtable.flushHolds = [...state.holds];
      state.flushing.push(state.memtable);
      state.memtable = this.newMemtable(state.options.tableId);
      this.tableMetrics(state.options.tableId).memtableSwitches++;
    }
    const run = state.flushQueue.then(async () => {
      for (const memtable of [...state.flushing]) await this.writeMemtable(state, memtable);
    });
    state.flushQueue = run.catch((error: unknown) => this.noteDiskError(error, 'memtable flush'));
    return run;
  }

  private async writeMemtable(state: TableState, memtable: Memtable): Promise<void> {
    if (!state.flushing.includes(memtable)) return;
    const epoch = state.epoch;
    const bound = memtable.commitLogUpperBound;
    assert(bound !== null, 'flushing a memtable that was not switched out');
    // Writes in this memtable whose follow-up (view updates) is not stored yet: the sstable
    // would let replay skip them (a hold's failure is its writer's to report).
    if (memtable.flushHolds.length > 0) await Promise.all(memtable.flushHolds.map((hold) => hold.catch(() => undefined)));
    const reader = await this.writeSSTableFrom(state, measuredPartitions(cleaned(memtable.scan(ringStart, ringStart)), this.tableMetrics(state.options.tableId)), bound, memtable.sizeBytes);
    if (state.epoch !== epoch) {
      await reader?.delete();
      return;
    }
    if (reader !== null) state.sstables.push(reader);
    state.flushing = state.flushing.filter((m) => m !== memtable);
    this.flushesCompleted++;
    await this.commitLog.release(memtable.id);
    this.track(this.compactInBackground(state));
  }

  private async writeSSTableFrom(state: TableState, partitions: AsyncIterable<Partition>, commitLogUpperBound: CommitLogPosition, totalBytes: number): Promise<SSTableReader | null> {
    const generation = state.nextGeneration++;
    const pacer = new Pacer(this.options.world.clock);
    const descriptor = await this.runTask(state, 'flush', totalBytes, pacer, () => writeSSTable({
      disk: this.disk, directory: state.directory, tableId: state.options.tableId, generation, partitions, commitLogUpperBound, pacer,
      ...(this.options.sstableBlockBytes === undefined ? {} : { blockBytes: this.options.sstableBlockBytes }),
    }));
    return this.openOutput(descriptor);
  }

  /** Runs one flush or compaction, listed in sstableTasks() while it writes. */
  private async runTask<T>(state: TableState, kind: SSTableTaskKind, totalBytes: number, pacer: Pacer, work: () => Promise<T>): Promise<T> {
    const id = taskId(this.options.world.clock.nowMs(), this.tasksStarted++);
    this.tasks.set(id, { id, keyspace: state.options.keyspace, tableId: state.options.tableId, kind, totalBytes, pacer });
    try {
      return await work();
    } finally {
      this.tasks.delete(id);
    }
  }

  /**
   * The flushes and compactions writing now, as Cassandra's CompactionInfo: progress is the
   * bytes written so far, total the bytes of the memtable or of the input sstables (an output
   * smaller than its inputs, purged or deduplicated, ends below its total).
   */
  sstableTasks(): SSTableTask[] {
    // A memtable's sstable may come out larger than the memtable: the total grows with it, so progress never passes it.
    return [...this.tasks.values()].map(({ pacer, ...task }) => ({ ...task, progressBytes: pacer.doneBytes, totalBytes: Math.max(task.totalBytes, pacer.doneBytes) }));
  }

  /** Opens a new sstable; an empty one (everything purged) is deleted instead. */
  private async openOutput(descriptor: SSTableDescriptor): Promise<SSTableReader | null> {
    const reader = await SSTableReader.open(this.disk, descriptor, this.caches);
    if (reader.metadata.partitionCount > 0) return reader;
    await reader.delete();
    return null;
  }

  /** Flushes the memtables of one table or of all; resolves when they are sstables. */
  async flush(tableId?: string): Promise<void> {
    const states = tableId === undefined ? [...this.tables.values()] : [this.table(tableId)];
    await Promise.all(states.map((state) => this.flushTable(state)));
  }

  /** Major compaction: merges all sstables of one table (or of each table) into one, now. */
  async compact(tableId?: string): Promise<void> {
    const states = tableId === undefined ? [...this.tables.values()] : [this.table(tableId)];
    for (const state of states) {
      const inputs = state.sstables.filter((r) => !state.compacting.has(r));
      if (inputs.length > 0) await this.compactSSTables(state, inputs);
    }
  }

  /**
   * nodetool cleanup of one table: flushes it, then rewrites all its sstables without the
   * partitions whose token `keep` refuses (data this node no longer replicates). Returns how
   * many partitions were dropped. With keepRow (tables whose rows each belong to a token, as
   * secondary index tables), the rows it refuses are dropped too, and counted instead.
   */
  async cleanup(tableId: string, keep: (token: bigint) => boolean, options: { keepRow?: (row: Row) => boolean } = {}): Promise<number> {
    const state = this.table(tableId);
    await this.flushTable(state);
    // Background compactions started by the flush finish first, so that every sstable is an input.
    await this.idle();
    let dropped = 0;
    const inputs = state.sstables.filter((r) => !state.compacting.has(r));
    const { keepRow } = options;
    if (inputs.length > 0) {
      await this.compactSSTables(state, inputs, (partition) => {
        if (!keep(partition.token)) {
          dropped++;
          return null;
        }
        if (keepRow === undefined) return partition;
        const rows = partition.rows.filter((row) => keepRow(row));
        dropped += partition.rows.length - rows.length;
        return rows.length === partition.rows.length ? partition : { ...partition, rows };
      });
    }
    return dropped;
  }

  private async compactInBackground(state: TableState): Promise<void> {
    while (!this.closed && !state.dropped && this.compactionsRunning < compactionConcurrencyMax) {
      const candidates = state.sstables.filter((r) => !state.compacting.has(r));
      const chosen = chooseSizeTieredCompaction(candidates.map((r) => ({ generation: r.generation, sizeBytes: r.sizeBytes })), this.sizeTiered());
      if (chosen === null) return;
      await this.compactSSTables(state, candidates.filter((r) => chosen.includes(r.generation)));
    }
  }

  /**
   * Size-tiered settings. Cassandra lumps every sstable under 50 MiB into one bucket, sized for
   * its large memtables; with small memtables that bucket re-merges everything compacted so far
   * with each few new flushes (write amplification growing with the data). Below one memtable's
   * size the bucket holds only fresh flushes; above it sstables tier by size as usual.
   */
  private sizeTiered(): Partial<SizeTieredOptions> {
    return { minSSTableBytes: Math.min(sizeTieredDefaults.minSSTableBytes, this.options.memtableFlushBytes), ...this.options.sizeTiered };
  }

  private async compactSSTables(state: TableState, inputs: SSTableReader[], keep?: (partition: Partition) => Partition | null): Promise<void> {
    const kind: SSTableTaskKind = keep === undefined ? 'compaction' : 'cleanup';
    for (const reader of inputs) state.compacting.add(reader);
    this.compactionsRunning++;
    const inputBytes = inputs.reduce((sum, reader) => sum + reader.sizeBytes, 0);
    try {
      const epoch = state.epoch;
      const nowSeconds = Math.floor(this.options.world.clock.nowMs() / 1000);
      const maxPurgeableTimestampMicros = this.minTimestampOutside(state, inputs);
      const pacer = new Pacer(this.options.world.clock, { bytesPerSecond: this.options.compactionThroughputBytesPerSecond ?? 0 });
      const descriptor = await this.runTask(state, kind, inputBytes, pacer, () => compact({
        disk: this.disk, directory: state.directory, tableId: state.options.tableId, inputs, outputGeneration: state.nextGeneration++,
        nowSeconds, gcBeforeSeconds: Math.min(nowSeconds, nowSeconds - state.options.gcGraceSeconds),
        purge: (partition, options) => {
          const kept = keep === undefined ? partition : keep(partition);
          return kept === null ? emptyPartition(partition) : purgePartition(kept, { ...options, maxPurgeableTimestampMicros });
        },
        pacer,
        ...(this.options.sstableBlockBytes === undefined ? {} : { blockBytes: this.options.sstableBlockBytes }),
      }));
      const output = await this.openOutput(descriptor);
      if (state.epoch !== epoch) {
        await output?.delete();
        return;
      }
      state.sstables = state.sstables.filter((r) => !inputs.includes(r));
      if (output !== null) state.sstables.push(output);
      await this.deleteSSTables(state, inputs, descriptor.generation);
      this.compactions.completed++;
      this.compactions.bytesCompacted += inputBytes;
    } finally {
      this.compactionsRunning--;
      for (const reader of inputs) state.compacting.delete(reader);
    }
  }

  /** Deletes replaced sstables all-or-nothing across crashes (engine-table.ts, obsolescence records), after in-flight reads. */
  private async deleteSSTables(state: TableState, readers: SSTableReader[], recordId: number): Promise<void> {
    const record = await writeObsoleteRecord(this.disk, state.directory, { id: recordId, generations: readers.map((r) => r.generation) });
    await Promise.allSettled([...state.reads]);
    for (const reader of readers) await reader.delete();
    await this.disk.remove(record);
    await this.disk.syncDirectory(state.directory);
  }

  /** The lowest timestamp of data not in the compaction: tombstones at or above it must stay. */
  private minTimestampOutside(state: TableState, inputs: SSTableReader[]): number {
    let min = state.memtable.minTimestampMicros;
    for (const memtable of state.flushing) min = Math.min(min, memtable.minTimestampMicros);
    for (const reader of state.sstables) if (!inputs.includes(reader)) min = Math.min(min, reader.minTimestampMicros);
    return min;
  }

  /** Reads one partition or a token range, merging every source, honouring the command's limits. */
  async read(command: ReadCommand): Promise<ReadResult> {
    assert(!this.closed, 'read on a closed storage engine');
    const state = this.table(command.tableId);
    const startedMs = this.options.world.clock.monotonicMs();
    const work = command.kind === 'single' ? this.readSingle(state, command) : this.readRange(state, command);
    state.reads.add(work);
    try {
      const result = await work;
      const micros = (this.options.world.clock.monotonicMs() - startedMs) * 1000;
      (command.kind === 'single' ? this.tableMetrics(command.tableId).readLatency : this.tableMetrics(command.tableId).rangeLatency).add(micros);
      return result;
    } finally {
      state.reads.delete(work);
    }
  }

  /**
   * Every partition of (start, end] (positions as in a range read), merged across sources but
   * unshaped: tombstones and shadowed data included, one partition held at a time (repair's
   * validation and sync stream over it). Compaction waits for an open scan, as for a read.
   */
  async *scan(tableId: string, start: PartitionPosition, end: PartitionPosition): AsyncGenerator<Partition> {
    assert(!this.closed, 'scan on a closed storage engine');
    const state = this.table(tableId);
    let finish = (): void => {};
    const open = new Promise<void>((resolve) => { finish = resolve; });
    state.reads.add(open);
    try {
      yield* mergePartitionStreams(sourceStreams(state, start, end));
    } finally {
      state.reads.delete(open);
      finish();
    }
  }

  private async readSingle(state: TableState, command: SinglePartitionReadCommand): Promise<ReadResult> {
    const metrics = this.tableMetrics(command.tableId);
    const slices = effectiveSlices(command, command.afterClustering);
    const rowsMax = Math.min(command.rowLimit, command.perPartitionRowLimit);
    const merged = command.reversed || rowsMax > headReadRowsMax
      ? await this.mergedPartition(state, command.key, command.token, slices, metrics)
      : await this.mergedPartitionHead(state, command.key, command.token, { command, slices, rowsMax }, metrics);
    if (merged === null) {
      metrics.read(null, 0);
      return { partitions: [] };
    }
    const shaped = shapePartition(merged, { command, slices, rowsMax });
    metrics.read(merged, shaped.liveRows);
    return { partitions: shaped.partition === null ? [] : [shaped.partition] };
  }

  /**
   * The merged partition as far as its first `rowsMax` live rows (ascending reads with a row
   * limit: a page). Each source gives at most `cap` rows in clustering order; where a source
   * stopped early, merged rows after its last one are not final (another source's row there
   * may be shadowed by, or shadow, one it did not give), so the merge is cut there. If the rows
   * before the cut hold `rowsMax` live ones, they are the answer; otherwise the cap grows and
   * the sources are read again. Without it, each page of a big partition merged the whole rest
   * of the partition before its limit applied (a million rows paged in 306 s, 100,000 in 2.5 s).
   */
  private async mergedPartitionHead(state: TableState, key: Buffer, token: bigint, shape: { command: ReadCommand; slices: ClusteringSlice[]; rowsMax: number }, metrics?: TableMetrics): Promise<Partition | null> {
    const { slices, rowsMax } = shape;
    for (let cap = Math.max(headReadRowsMin, 2 * rowsMax), firstRound = true; ; cap *= 4, firstRound = false) {
      const sources: Partition[] = [];
      let cut: Buffer | null = null;
      const stoppedAt = (rows: Row[]) => {
        const last = rows[rows.length - 1];
        if (last !== undefined && (cut === null || Buffer.compare(last.clustering, cut) < 0)) cut = last.clustering;
      };
      for (const memtable of [state.memtable, ...state.flushing]) {
        const found = memtable.readPartition(key, token, slices, cap);
        if (found === null) continue;
        if (found.rows.length >= cap) stoppedAt(found.rows);
        sources.push(found);
      }
      let sstablesRead = 0;
      for (const reader of [...state.sstables]) {
        if (!reader.mayContain(key, token)) continue;
        sstablesRead++;
        const found = await reader.readPartitionHead(key, token, slices, cap);
        if (firstRound && metrics !== undefined) {
          if (found === null) metrics.bloomFalsePositives++;
          else metrics.bloomTruePositives++;
        }
        if (found === null) continue;
        if (found.truncated) stoppedAt(found.partition.rows);
        sources.push(found.partition);
      }
      if (sources.length === 0) {
        metrics?.sstablesPerRead.add(sstablesRead);
        return null;
      }
      const merged = mergePartitions(sources);
      const limit: Buffer | null = cut;
      if (limit === null) {
        metrics?.sstablesPerRead.add(sstablesRead);
        return merged;
      }
      const certain = { ...merged, rows: merged.rows.filter((row) => Buffer.compare(row.clustering, limit) <= 0) };
      if (shapePartition(certain, shape).liveRows >= rowsMax) {
        metrics?.sstablesPerRead.add(sstablesRead);
        return certain;
      }
    }
  }

  private async mergedPartition(state: TableState, key: Buffer, token: bigint, slices: ReadCommand['slices'], metrics?: TableMetrics): Promise<Partition | null> {
    const sources: Partition[] = [];
    let sstablesRead = 0;
    for (const memtable of [state.memtable, ...state.flushing]) {
      const found = memtable.readPartition(key, token, slices);
      if (found !== null) sources.push(found);
    }
    for (const reader of [...state.sstables]) {
      if (!reader.mayContain(key, token)) continue;
      sstablesRead++;
      const options = { slices, reversed: false };
      const cached = reader.readPartitionCached(key, token, options);
      const found = cached === undefined ? await reader.readPartition(key, token, options) : cached;
      if (found !== null) sources.push(found);
      if (metrics !== undefined) {
        if (found === null) metrics.bloomFalsePositives++;
        else metrics.bloomTruePositives++;
      }
    }
    metrics?.sstablesPerRead.add(sstablesRead);
    return sources.length === 0 ? null : mergePartitions(sources);
  }

  private async readRange(state: TableState, command: PartitionRangeReadCommand): Promise<ReadResult> {
    const partitions: Partition[] = [];
    let rowsLeft = command.rowLimit;
    let partitionsLeft = command.partitionLimit;
    const add = (merged: Partition, afterClustering: Buffer | undefined): void => {
      const slices = effectiveSlices(command, afterClustering);
      const shaped = shapePartition(merged, { command, slices, rowsMax: Math.min(rowsLeft, command.perPartitionRowLimit) });
      if (shaped.partition === null) return;
      partitions.push(shaped.partition);
      rowsLeft -= shaped.liveRows;
      if (shaped.liveRows > 0) partitionsLeft--;
    };
    // Paging: with afterClustering, the partition at `start` is resumed (Cassandra's inclusive
    // paging start), read only as far as the page needs: merging the whole rest of a big
    // partition on every page made paging through it quadratic.
    if (command.afterClustering !== undefined && command.start.key !== undefined) {
      const { key, token } = command.start;
      const slices = effectiveSlices(command, command.afterClustering);
      const rowsMax = Math.min(rowsLeft, command.perPartitionRowLimit);
      const merged = command.reversed || rowsMax > headReadRowsMax
        ? await this.mergedPartition(state, key, token, command.slices)
        : await this.mergedPartitionHead(state, key, token, { command, slices, rowsMax });
      if (merged !== null) add(merged, command.afterClustering);
    }
    if (rowsLeft <= 0 || partitionsLeft <= 0) return { partitions };
    // A partition met by the scan is read only as far as the page can need: sstable scans keep
    // its first rows (twice the page, as mergedPartitionHead's first round) and name those they
    // cut, which are then read again through mergedPartitionHead (merged rows past a source's
    // cut are not final). A partition of millions of rows was otherwise merged whole.
    const pageRows = Math.min(command.rowLimit, command.perPartitionRowLimit);
    const bounded = !command.reversed && pageRows <= headReadRowsMax;
    const cut = new Set<string>();
    const bound = bounded ? { rowsMax: Math.max(headReadRowsMin, 2 * pageRows), truncated: (partition: Partition) => cut.add(partition.key.toString('hex')) } : {};
    for await (const merged of mergePartitionStreams(sourceStreams(state, command.start, command.end, bound))) {
      if (cut.size > 0 && cut.has(merged.key.toString('hex'))) {
        const rowsMax = Math.min(rowsLeft, command.perPartitionRowLimit);
        const head = await this.mergedPartitionHead(state, merged.key, merged.token, { command, slices: command.slices, rowsMax });
        if (head !== null) add(head, undefined);
      } else {
        add(merged, undefined);
      }
      if (rowsLeft <= 0 || partitionsLeft <= 0) break;
    }
    return { partitions };
  }

  /** The shared caches as system_views.caches lists them (Cassandra's names for their counterparts). */
  cacheStats(): Array<{ name: string; capacityBytes: number; sizeBytes: number; entries: number; hits: number; misses: number }> {
    const { blockCache, keyCache } = this.caches;
    return [
      { name: 'chunks', capacityBytes: blockCache.bytesMax, sizeBytes: blockCache.sizeBytes, entries: blockCache.size, hits: blockCache.hits, misses: blockCache.misses },
      { name: 'keys', capacityBytes: keyCache.bytesMax, sizeBytes: keyCache.sizeBytes, entries: keyCache.size, hits: keyCache.hits, misses: keyCache.misses },
    ];
  }

  /** Memtables waiting for or being written to sstables, and those written since start. */
  flushStats(): { flushing: number; completed: number } {
    let flushing = 0;
    for (const state of this.tables.values()) flushing += state.flushing.length;
    return { flushing, completed: this.flushesCompleted };
  }

  /** Bytes of live sstables on disk (the Storage.Load metric, which counts sstables only). */
  sstableBytes(): number {
    let total = 0;
    for (const state of this.tables.values()) for (const reader of state.sstables) total += reader.sizeBytes;
    return total;
  }

  /**
   * The live data this node holds, sstables and memtables (being flushed or not): nodetool
   * status and info, gossip LOAD. With sstables alone a node whose writes still sit in its
   * memtables showed "0 bytes" however much it held.
   */
  loadBytes(): number {
    let total = this.sstableBytes();
    for (const state of this.tables.values()) {
      total += state.memtable.sizeBytes;
      for (const memtable of state.flushing) total += memtable.sizeBytes;
    }
    return total;
  }

  /** Per-table figures for nodetool-style status and metrics. */
  tableStats(): TableStats[] {
    return [...this.tables.values()].map((state) => {
      let sstableBytes = 0;
      let bloomFilterBytes = 0;
      let partitions = state.memtable.partitionCount;
      for (const reader of state.sstables) {
        sstableBytes += reader.sizeBytes;
        bloomFilterBytes += reader.bloomFilterBytes;
        partitions += reader.metadata.partitionCount;
      }
      return {
        keyspace: state.options.keyspace,
        tableId: state.options.tableId,
        memtableBytes: state.memtable.sizeBytes,
        memtableCells: state.memtable.cellCount,
        flushingMemtables: state.flushing.length,
        sstableCount: state.sstables.length,
        sstableBytes,
        bloomFilterBytes,
        partitionsEstimate: partitions,
      };
    });
  }

  /**
   * Compactions (nodetool compactionstats, Cassandra's Compaction metrics): running now,
   * pending (running plus one per table whose sstables size-tiered compaction would merge
   * next; by table too, as PendingTasksByTableName), completed since start and the bytes they read.
   */
  compactionStats(): { running: number; pending: number; completed: number; bytesCompacted: number; pendingByTable: Array<{ keyspace: string; tableId: string; pending: number }> } {
    const runningByTable = new Map<string, number>();
    for (const task of this.tasks.values()) if (task.kind !== 'flush') runningByTable.set(task.tableId, (runningByTable.get(task.tableId) ?? 0) + 1);
    const pendingByTable: Array<{ keyspace: string; tableId: string; pending: number }> = [];
    let waiting = 0;
    for (const state of this.tables.values()) {
      const candidates = state.sstables.filter((r) => !state.compacting.has(r));
      const next = chooseSizeTieredCompaction(candidates.map((r) => ({ generation: r.generation, sizeBytes: r.sizeBytes })), this.sizeTiered()) !== null ? 1 : 0;
      waiting += next;
      const pending = next + (runningByTable.get(state.options.tableId) ?? 0);
      if (pending > 0) pendingByTable.push({ keyspace: state.options.keyspace, tableId: state.options.tableId, pending });
    }
    return { running: this.compactionsRunning, pending: this.compactionsRunning + waiting, ...this.compactions, pendingByTable };
  }

  /** Waits for background flushes and compactions (tests, orderly shutdown). */
  async idle(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
  }

  /** Closes files; flushes nothing (the commit log holds whatever the memtables hold). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.idle();
    for (const state of this.tables.values()) {
      await state.flushQueue;
      for (const reader of state.sstables) await reader.close();
    }
    await this.commitLog.close();
  }
}

/**
 * The memtables' and the overlapping sstables' scans of (start, end]. With `bound`, sstable
 * scans keep only the first rowsMax rows of each partition and name the partitions they cut.
 */
function sourceStreams(state: TableState, start: PartitionPosition, end: PartitionPosition, bound: { rowsMax?: number; truncated?: (partition: Partition) => void } = {}): AsyncIterable<Partition>[] {
  const endOfRing = end.token === MIN_TOKEN && end.key === undefined;
  const streams: AsyncIterable<Partition>[] = [state.memtable, ...state.flushing].map((m) => m.scan(start, end));
  for (const reader of [...state.sstables]) {
    if (reader.maxToken >= start.token && (endOfRing || reader.minToken <= end.token)) streams.push(reader.scan(start, end, bound));
  }
  return streams;
}

/** Holds the table's flushes (of memtables switched from now on) until `hold` settles. */
function holdFlushes(state: TableState, hold: Promise<unknown>): void {
  if (state.holds.has(hold)) return;
  state.holds.add(hold);
  const release = () => { state.holds.delete(hold); };
  hold.then(release, release);
}

/** A memtable's partitions with shadowed data removed (the memtable keeps updates unmerged). */
async function* cleaned(partitions: AsyncIterable<Partition>): AsyncGenerator<Partition> {
  for await (const partition of partitions) yield mergePartitions([partition]);
}

/** A partition with nothing in it: compaction writes none. */
function emptyPartition(partition: Partition): Partition {
  return { ...partition, partitionDeletion: null, rangeTombstones: [], rows: [] };
}
