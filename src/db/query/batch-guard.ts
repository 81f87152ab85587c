// Cassandra's guards on batches (BatchStatement.verifyBatchSize and verifyBatchType): a batch of
// several mutations larger than batch_size_warn_threshold_in_kb is logged and the client warned
// (the response's warnings); larger than batch_size_fail_threshold_in_kb it is refused with
// InvalidRequest "Batch too large", before anything is written. An unlogged batch covering more
// partitions than unlogged_batch_across_partitions_warn_threshold is logged and warned about.
// Sizes are Cassandra's dataSize: key, clustering and cell values with their timestamps.

import { invalidRequest } from '../common/errors.js';
import type { Clock, Logger } from '../common/world.js';
import type { Mutation } from '../storage/types.js';

export interface BatchGuardSettings {
  /** batch_size_warn_threshold_in_kb (default 5), in bytes. */
  warnBytes: number;
  /** batch_size_fail_threshold_in_kb (default 50), in bytes. */
  failBytes: number;
  /** unlogged_batch_across_partitions_warn_threshold (default 10). */
  unloggedPartitionsWarn: number;
}

export const defaultBatchGuard: BatchGuardSettings = { warnBytes: 5 * 1024, failBytes: 50 * 1024, unloggedPartitionsWarn: 10 };

/** Bytes of a mutation as Cassandra's dataSize counts them. */
export function mutationDataSize(mutation: Mutation): number {
  let size = mutation.key.length;
  if (mutation.partitionDeletion !== null) size += 12;
  for (const tombstone of mutation.rangeTombstones) size += tombstone.start.length + tombstone.end.length + 12;
  for (const row of mutation.rows) {
    size += row.clustering.length;
    if (row.liveness !== null) size += 8;
    if (row.deletion !== null) size += 12;
    for (const cell of row.cells) size += 8 + (cell.ttlSeconds > 0 ? 8 : 0) + (cell.value?.length ?? 0);
  }
  return size;
}

function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes}B` : `${(bytes / 1024).toFixed(3)}KiB`;
}

/** Log lines of one kind at most once a minute (Cassandra's NoSpamLogger), the client still warned every time. */
const logIntervalMs = 60_000;

export class BatchGuard {
  private readonly lastLoggedMs = new Map<string, number>();

  constructor(private readonly options: { settings: BatchGuardSettings; logger: Logger; clock: Clock; tableName: (tableId: string) => string }) {}

  /**
   * Checks the mutations of a batch before anything is written: returns the warnings for the
   * client, or throws InvalidRequest "Batch too large" over the fail threshold. A batch within
   * one partition is one mutation to Cassandra, and is never checked.
   */
  check(mutations: readonly Mutation[], logged: boolean): string[] {
    if (mutations.length <= 1) return [];
    const partitions = new Set<string>();
    for (const m of mutations) partitions.add(`${m.tableId}/${m.key.toString('hex')}`);
    if (partitions.size <= 1) return [];
    const { settings } = this.options;
    const warnings: string[] = [];
    const tables = `[${[...new Set(mutations.map((m) => this.options.tableName(m.tableId)))].sort().join(', ')}]`;
    let size = 0;
    for (const mutation of mutations) size += mutationDataSize(mutation);
    if (size > settings.warnBytes) {
      if (size > settings.failBytes) {
        this.log('error', 'fail', `Batch for ${tables} is of size ${kib(size)}, exceeding specified threshold of ${kib(settings.failBytes)} by ${kib(size - settings.failBytes)}. (see batch_size_fail_threshold_in_kb)`);
        throw invalidRequest('Batch too large');
      }
      const message = `Batch for ${tables} is of size ${size}, exceeding specified threshold of ${settings.warnBytes} by ${size - settings.warnBytes}.`;
      this.log('warn', 'size', message);
      warnings.push(message);
    }
    if (!logged && partitions.size > settings.unloggedPartitionsWarn) {
      const message = `Unlogged batch covering ${partitions.size} partitions detected against table${tables.includes(',') ? 's' : ''} ${tables}. You should use a logged batch for atomicity, or asynchronous writes for performance.`;
      this.log('warn', 'unlogged', message);
      warnings.push(message);
    }
    return warnings;
  }

  private log(level: 'warn' | 'error', kind: string, message: string): void {
    const now = this.options.clock.monotonicMs();
    const last = this.lastLoggedMs.get(kind);
    if (last !== undefined && now - last < logIntervalMs) return;
    this.lastLoggedMs.set(kind, now);
    this.options.logger[level](message);
  }
}
