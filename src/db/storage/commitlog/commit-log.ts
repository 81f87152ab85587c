// The commit log: every write is appended (and, in batch mode, fsynced) here before it is
// acknowledged, so that memtables can be rebuilt after a crash. Group commit: concurrent
// add() calls queue up and the writer appends a whole group with one append and one fsync.
// In periodic mode the group is what the current event-loop turn queued (the writer starts at
// the end of the turn), appended on the event loop into the page cache
// (DiskFile.appendNow): a thread-pool round trip per group cost more CPU than the write, and
// what a process crash keeps is the same (Cassandra's periodic mode writes to a mapped segment).
// Only a group larger than commitLogInlineAppendBytesMax goes through the thread pool.
//
// Segment lifetime: a segment is "held" by each memtable that holds one of its mutations
// (reference) and by writes appended but not yet in a memtable (pending). Once it is no
// longer the current segment and nothing holds it, its file is deleted.

import { assert, fail } from '../../common/assert.js';
import type { CorruptionError } from '../../common/errors.js';
import { commitLogGroupMutationsMax, commitLogInlineAppendBytesMax } from '../../common/limits.js';
import type { Clock, Disk, DiskFile, Logger, TimerHandle } from '../../common/world.js';
import { decodeMutationBatch } from '../mutation-serializer.js';
import type { Mutation } from '../types.js';
import { ENTRY_HEADER_BYTES, SEGMENT_HEADER_BYTES, encodeEntry, encodeSegmentHeader, parseSegmentFileName, readSegment, segmentFileName } from './segment-format.js';

export type SyncMode = 'batch' | 'periodic';

/**
 * Where an entry starts in the log: its segment and the byte offset of its header there.
 * Positions order the log (segment first); Cassandra's CommitLogPosition.
 */
export interface CommitLogPosition {
  readonly segmentId: number;
  readonly offset: number;
}

export const commitLogStart: CommitLogPosition = { segmentId: 0, offset: 0 };

export function compareCommitLogPositions(a: CommitLogPosition, b: CommitLogPosition): number {
  return a.segmentId !== b.segmentId ? a.segmentId - b.segmentId : a.offset - b.offset;
}

/** The furthest of some positions (commitLogStart for none). */
export function furthestPosition(positions: Iterable<CommitLogPosition>): CommitLogPosition {
  let furthest = commitLogStart;
  for (const position of positions) if (compareCommitLogPositions(position, furthest) > 0) furthest = position;
  return furthest;
}

export interface CommitLogOptions {
  disk: Disk;
  clock: Clock;
  logger: Logger;
  directory: string;
  syncMode: SyncMode;
  syncPeriodMs: number;
  segmentBytes: number;
  /**
   * Lowest id for new segments. Ids restart above the highest segment on disk, which after
   * every segment was released could fall below a truncation record's boundary: the engine
   * passes the highest boundary here so later writes are never mistaken for truncated ones.
   */
  firstSegmentId?: number;
  /**
   * Bytes the segments on disk may take together (Cassandra's commitlog_total_space). Past it,
   * each new segment asks, through onOverTotalSpace, for the memtables holding the oldest
   * segments to be flushed, so that a table written too rarely to fill its memtable cannot keep
   * every segment (and the next start's replay) growing. Absent: no bound.
   */
  totalBytes?: number;
  /** Called with the holders (memtable ids) whose flush brings the segments back under totalBytes. */
  onOverTotalSpace?: (holders: string[]) => void;
}

/** A segment found at open, to be read for replay. */
export interface SegmentToReplay {
  id: number;
  path: string;
  read(): Promise<ReplayedSegment>;
}

/** What replay found in one segment. */
export interface ReplayedSegment {
  id: number;
  path: string;
  /** Batches in log order; each was one add() and must be applied atomically. */
  batches: Mutation[][];
  /** offsets[i]: where batches[i]'s entry starts in the segment (its CommitLogPosition offset). */
  offsets: number[];
  /** Why reading stopped early, if it did. */
  corruption: CorruptionError | null;
}

interface Segment {
  id: number;
  path: string;
  file: DiskFile | null;
  current: boolean;
  /** A failed append may have left a partial entry: nothing more is written here. */
  broken: boolean;
  pending: number;
  holders: Set<string>;
}

interface QueuedEntry {
  entry: Buffer;
  mutationCount: number;
  resolve: (position: CommitLogPosition) => void;
  reject: (error: unknown) => void;
}

function pathOf(directory: string, name: string): string {
  return directory === '' ? name : `${directory}/${name}`;
}

export class CommitLog {
  private readonly segments = new Map<number, Segment>();
  private current: Segment | null = null;
  private queue: QueuedEntry[] = [];
  private draining: Promise<void> | null = null;
  /** A drain waits for the queue to stop growing (periodic mode). */
  private drainScheduled = false;
  private unsynced = false;
  private timer: TimerHandle | null = null;
  private closed = false;
  /** Set by forceNewSegment: the next write starts a new segment. */
  private rollRequested = false;
  /**
   * Entries being appended or appended but not yet applied to memtables (settle() ends it),
   * in log order: the first one bounds what memtables are known to hold (replayPosition).
   */
  private readonly unsettled = new Set<CommitLogPosition>();

  private constructor(
    private readonly options: CommitLogOptions,
    private nextId: number,
  ) {
    assert(options.segmentBytes > SEGMENT_HEADER_BYTES, 'commit log segments too small');
  }

  /**
   * Opens the log directory; new writes go to a new segment. The segments found are returned
   * unread, oldest first: replay reads and applies them one at a time (read()), so that memory
   * holds one segment's mutations, not the whole log's.
   */
  static async open(options: CommitLogOptions): Promise<{ log: CommitLog; replay: SegmentToReplay[] }> {
    await options.disk.makeDirectory(options.directory);
    const ids: number[] = [];
    for (const name of await options.disk.list(options.directory)) {
      const id = parseSegmentFileName(name);
      if (id !== null) ids.push(id);
    }
    ids.sort((a, b) => a - b);
    const log = new CommitLog(options, Math.max((ids[ids.length - 1] ?? 0) + 1, options.firstSegmentId ?? 1));
    const replay: SegmentToReplay[] = [];
    for (const id of ids) {
      const path = pathOf(options.directory, segmentFileName(id));
      replay.push({ id, path, read: () => log.readForReplay(id, path) });
      log.segments.set(id, { id, path, file: null, current: false, broken: true, pending: 0, holders: new Set() });
    }
    if (options.syncMode === 'periodic') log.scheduleSync();
    return { log, replay };
  }

  private async readForReplay(id: number, path: string): Promise<ReplayedSegment> {
    const bytes = await this.options.disk.readFile(path);
    const read = readSegment(bytes, { path, id });
    const batches: Mutation[][] = [];
    const offsets: number[] = [];
    let corruption = read.corruption;
    for (const entry of read.entries) {
      try {
        batches.push(decodeMutationBatch(entry.payload, { source: path, offset: entry.offset }));
        offsets.push(entry.offset - ENTRY_HEADER_BYTES);
      } catch (error) {
        // A checksummed entry that does not parse: stop this segment exactly as for a bad checksum.
        corruption = error as CorruptionError;
        break;
      }
    }
    if (corruption !== null) {
      this.options.logger.warn('commit log replay stopped at a torn or corrupt entry; later entries of this segment are skipped', {
        file: corruption.path,
        offset: corruption.offset,
        detail: corruption.message,
      });
    }
    return { id, path, batches, offsets, corruption };
  }

  /**
   * Appends one entry (a batch of mutations). Resolves with its position, after fsync in batch
   * mode or after the append in periodic mode; the caller must then reference() its segment
   * for each memtable it applied to, and settle() the position.
   */
  add(payload: Buffer, mutationCount: number): Promise<CommitLogPosition> {
    if (this.closed) return Promise.reject(new Error('commit log is closed'));
    return new Promise<CommitLogPosition>((resolve, reject) => {
      this.queue.push({ entry: encodeEntry(payload), mutationCount, resolve, reject });
      if (this.options.syncMode === 'batch') this.draining ??= this.drain();
      else this.scheduleDrain();
    });
  }

  /**
   * Starts the writer at the end of this event-loop turn (the clock's yieldToEventLoop), so a
   * group holds every add of the turn; a clock without it (simulations) starts once the queue
   * stops growing across a microtask.
   */
  private scheduleDrain(): void {
    if (this.draining !== null || this.drainScheduled) return;
    this.drainScheduled = true;
    const endOfTurn = this.options.clock.yieldToEventLoop?.();
    if (endOfTurn !== undefined) {
      void endOfTurn.then(() => this.startDrain());
      return;
    }
    const seen = this.queue.length;
    queueMicrotask(() => this.drainWhenQuiet(seen));
  }

  private drainWhenQuiet(seen: number): void {
    const now = this.queue.length;
    if (now !== seen) {
      queueMicrotask(() => this.drainWhenQuiet(now));
      return;
    }
    this.startDrain();
  }

  private startDrain(): void {
    this.drainScheduled = false;
    this.draining ??= this.drain();
  }

  /** Resolves once every queued entry is written (or failed). */
  private async flushed(): Promise<void> {
    for (;;) {
      if (this.draining !== null) await this.draining;
      else if (this.queue.length > 0) this.draining = this.drain();
      else return;
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.writeGroup(this.takeGroup());
    } finally {
      this.draining = null;
    }
  }

  private takeGroup(): QueuedEntry[] {
    const group: QueuedEntry[] = [];
    let mutations = 0;
    let bytes = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0] as QueuedEntry;
      const fits = mutations + next.mutationCount <= commitLogGroupMutationsMax && bytes + next.entry.length <= this.options.segmentBytes;
      if (group.length > 0 && !fits) break;
      group.push(next);
      this.queue.shift();
      mutations += next.mutationCount;
      bytes += next.entry.length;
    }
    return group;
  }

  private async writeGroup(group: QueuedEntry[]): Promise<void> {
    const bytes = group.length === 1 ? (group[0] as QueuedEntry).entry : Buffer.concat(group.map((g) => g.entry));
    let segment: Segment | null = null;
    const positions: CommitLogPosition[] = [];
    try {
      segment = await this.segmentFor(bytes.length);
      segment.pending += group.length;
      const file = segment.file as DiskFile;
      let offset = file.size();
      for (const g of group) {
        const position = { segmentId: segment.id, offset };
        positions.push(position);
        this.unsettled.add(position);
        offset += g.entry.length;
      }
      try {
        if (this.options.syncMode === 'batch') {
          await file.append(bytes);
          await file.sync();
        } else {
          // A large group (a 10 MiB blob) goes through the thread pool: written on the event loop
          // it held every other client for as long as the page cache took to accept it.
          if (bytes.length > commitLogInlineAppendBytesMax) await file.append(bytes);
          else file.appendNow(bytes);
          this.unsynced = true;
        }
      } catch (error) {
        segment.broken = true;
        throw error;
      }
    } catch (error) {
      if (segment !== null) segment.pending -= group.length;
      for (const position of positions) this.unsettled.delete(position);
      for (const g of group) g.reject(error);
      return;
    }
    group.forEach((g, index) => g.resolve(positions[index] as CommitLogPosition));
  }

  private async segmentFor(bytes: number): Promise<Segment> {
    const current = this.current;
    if (this.rollRequested) {
      this.rollRequested = false;
      if (current !== null) await this.retire(current);
      return this.segmentFor(bytes);
    }
    if (current !== null && !current.broken && (current.file as DiskFile).size() + bytes <= this.options.segmentBytes) return current;
    if (current !== null && !current.broken && (current.file as DiskFile).size() <= SEGMENT_HEADER_BYTES) return current;
    if (current !== null) await this.retire(current);
    const id = this.nextId++;
    const path = pathOf(this.options.directory, segmentFileName(id));
    const file = await this.options.disk.openAppend(path);
    const segment: Segment = { id, path, file, current: true, broken: false, pending: 0, holders: new Set() };
    this.segments.set(id, segment);
    this.current = segment;
    this.reclaimOverTotalSpace();
    try {
      await file.append(encodeSegmentHeader(id));
      await file.sync();
      // The new file's directory entry must be durable before any entry in it is acknowledged.
      await this.options.disk.syncDirectory(this.options.directory);
    } catch (error) {
      segment.broken = true;
      throw error;
    }
    return segment;
  }

  private async retire(segment: Segment): Promise<void> {
    this.current = null;
    segment.current = false;
    const file = segment.file;
    segment.file = null;
    if (file !== null) {
      try {
        if (!segment.broken && this.unsynced) await file.sync();
        this.unsynced = false;
      } finally {
        await file.close();
      }
    }
    await this.maybeRemove(segment);
  }

  /**
   * When the segments on disk (each counted at the full segment size) pass totalBytes: the
   * holders of the oldest segments, as many segments as must go to come back under it.
   * Cassandra's CommitLogSegmentManager flushes the tables dirty in the oldest segment likewise.
   */
  holdersOverTotalSpace(): string[] {
    const totalBytes = this.options.totalBytes;
    if (totalBytes === undefined) return [];
    let excess = this.segments.size * this.options.segmentBytes - totalBytes;
    if (excess <= 0) return [];
    const holders = new Set<string>();
    for (const id of [...this.segments.keys()].sort((a, b) => a - b)) {
      if (excess <= 0) break;
      const segment = this.segments.get(id) as Segment;
      if (segment.current) break;
      for (const holder of segment.holders) holders.add(holder);
      excess -= this.options.segmentBytes;
    }
    return [...holders];
  }

  /** Asks for the flushes holdersOverTotalSpace names, if any (after replay, and at each new segment). */
  reclaimOverTotalSpace(): void {
    const holders = this.holdersOverTotalSpace();
    if (holders.length > 0) this.options.onOverTotalSpace?.(holders);
  }

  /** Records that a memtable (holder) holds mutations from the segment. */
  reference(segmentId: number, holder: string): void {
    const segment = this.segments.get(segmentId);
    if (!(segment !== undefined)) fail(`unknown commit log segment ${segmentId}`);
    segment.holders.add(holder);
  }

  /** Ends the pending state of one add() whose mutations are now referenced by their memtables. */
  async settle(position: CommitLogPosition): Promise<void> {
    const segment = this.segments.get(position.segmentId);
    if (!(segment !== undefined && segment.pending > 0 && this.unsettled.delete(position))) fail(`settling unknown commit log entry in segment ${position.segmentId}`);
    segment.pending--;
    await this.maybeRemove(segment);
  }

  /**
   * A position below which every entry has been applied to a memtable (settled): a memtable
   * switched out now holds, with the sstables before it, everything below this position, which
   * is what its sstable records as the replay bound (Cassandra's commitLogUpperBound). Entries
   * still in flight are at or above it, whichever memtable they land in.
   */
  replayPosition(): CommitLogPosition {
    for (const first of this.unsettled) return first;
    const current = this.current;
    if (current !== null && current.file !== null) return { segmentId: current.id, offset: current.file.size() };
    return { segmentId: this.nextId, offset: 0 };
  }

  /** A memtable was flushed (or discarded): its segments no longer need to be kept for it. */
  async release(holder: string): Promise<void> {
    for (const segment of [...this.segments.values()]) {
      if (segment.holders.delete(holder)) await this.maybeRemove(segment);
    }
  }

  private async maybeRemove(segment: Segment): Promise<void> {
    if (segment.current || segment.pending > 0 || segment.holders.size > 0 || !this.segments.has(segment.id)) return;
    this.segments.delete(segment.id);
    try {
      await this.options.disk.remove(segment.path);
      // Make the removal durable: a segment that came back after a crash would replay old
      // writes whose tombstones compaction may since have purged.
      await this.options.disk.syncDirectory(this.options.directory);
    } catch (error) {
      this.options.logger.warn('could not remove a released commit log segment', { file: segment.path, error: String(error) });
    }
  }

  /**
   * Makes every later write go to a new segment and returns that segment's id: every write
   * acknowledged before this call lies in a lower segment (a truncation's replay boundary).
   */
  async forceNewSegment(): Promise<number> {
    await this.flushed();
    this.rollRequested = true;
    return this.nextId;
  }

  /** Deletes replayed segments that no memtable referenced (after replay is applied). */
  async collect(): Promise<void> {
    for (const segment of [...this.segments.values()]) await this.maybeRemove(segment);
  }

  /** Ids of segments still on disk (tests, metrics). */
  liveSegmentIds(): number[] {
    return [...this.segments.keys()].sort((a, b) => a - b);
  }

  private scheduleSync(): void {
    this.timer = this.options.clock.setTimer(this.options.syncPeriodMs, () => {
      void this.periodicSync().finally(() => {
        if (!this.closed) this.scheduleSync();
      });
    });
  }

  private async periodicSync(): Promise<void> {
    const segment = this.current;
    if (!this.unsynced || segment === null || segment.file === null || segment.broken) return;
    this.unsynced = false;
    try {
      await segment.file.sync();
    } catch (error) {
      segment.broken = true;
      this.options.logger.error('periodic commit log sync failed; moving to a new segment', { file: segment.path, error: String(error) });
    }
  }

  /** Waits for queued writes, syncs and closes. Does not delete segments: they are replayed at the next open. */
  async close(): Promise<void> {
    this.closed = true;
    this.timer?.cancel();
    this.timer = null;
    await this.flushed();
    const current = this.current;
    if (current?.file) {
      if (this.unsynced && !current.broken) await current.file.sync();
      await current.file.close();
      current.file = null;
    }
  }
}

/** Reads every segment found at open, in order (tests and tools; replay reads one at a time). */
export async function readAllForReplay(segments: readonly SegmentToReplay[]): Promise<ReplayedSegment[]> {
  const read: ReplayedSegment[] = [];
  for (const segment of segments) read.push(await segment.read());
  return read;
}
