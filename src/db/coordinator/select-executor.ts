// Executes a SelectPlan against a ReadSource (the local storage engine, a virtual table, or
// later the cluster's replicas): partition keys or token range, slices, filters, limits,
// paging with an opaque state, and the projection into result rows.

import { invalidRequest } from '../common/errors.js';
import { resultRowsMax } from '../common/limits.js';
import { murmur3Token } from '../dht/murmur3.js';
import { MAX_TOKEN, MIN_TOKEN } from '../dht/token.js';
import { UNSET } from '../protocol/messages.js';
import { decodeValue } from '../protocol/type-codecs.js';
import { decodeClustering } from '../schema/clustering-key.js';
import { serializePartitionKey, splitPartitionKey } from '../schema/partition-key.js';
import type { DecodedRow, SelectPlan } from '../cql/plan.js';
import { cartesian } from '../cql/restrictions.js';
import { foldMultiCellColumns } from '../cql/collection-cells.js';
import type { EvaluationContext, PreparedTerm } from '../cql/terms.js';
import type { ClusteringSlice, PartitionPosition, ReadCommand, ReadResult, Row } from '../storage/types.js';
import { isCounterTable } from '../schema/table-builder.js';
import { foldCounterShards } from './counters.js';
import { decodePagingState, encodePagingState, type PagingState } from './paging.js';
import { positiveLimit, runAggregation, type RowSink } from './aggregate-execution.js';

export interface ReadSource {
  read(command: ReadCommand): Promise<ReadResult>;
}

export interface SelectResult {
  rows: Array<Array<Buffer | null>>;
  pagingState: Buffer | null;
}

interface Cursor {
  key: Buffer;
  token: bigint;
  /** Resume after this clustering; null when the partition is finished. */
  after: Buffer | null;
}

interface Budget {
  /** Rows still allowed by LIMIT (and this page). */
  rows: number;
  perPartition: number;
}

const bigint = { kind: 'native', name: 'bigint' } as const;

function tokenOf(term: PreparedTerm, context: EvaluationContext): bigint {
  const bytes = term(context);
  if (bytes === null || bytes === UNSET) throw invalidRequest('Invalid null token');
  return decodeValue(bigint, bytes) as bigint;
}

export class SelectExecution {
  private readonly rows: Array<Array<Buffer | null>> = [];
  private produced = 0;
  private last: Cursor | null = null;
  private lastRemainingInPartition = 0;
  private slices: ClusteringSlice[] = [];

  constructor(
    private readonly plan: SelectPlan,
    private readonly source: ReadSource,
    private readonly context: EvaluationContext & { nowSeconds: number },
    /** Rows go to the sink instead of the result, with no LIMIT (aggregation reads: aggregate-execution.ts). */
    private readonly sink: RowSink | null = null,
  ) {
    this.counters = isCounterTable(plan.table);
  }

  /** Whether the table holds counters, whose cells are shards to fold. */
  private readonly counters: boolean;

  async run(options: { pageSize: number | null; pagingState: Buffer | null }): Promise<SelectResult> {
    const { plan, context, source } = this;
    if (this.sink === null && (plan.selection.aggregating || plan.groupBy !== null)) {
      return runAggregation(plan, context, {
        ...options,
        read: async (pagingState, { pageRows, sink }) =>
          (await new SelectExecution(plan, source, context, sink).run({ pageSize: pageRows, pagingState })).pagingState,
      });
    }
    const unlimited = this.sink !== null;
    const limit = unlimited ? Number.MAX_SAFE_INTEGER : positiveLimit(plan.limit, context, 'LIMIT');
    const perPartitionLimit = plan.distinct ? 1 : unlimited ? Number.MAX_SAFE_INTEGER : positiveLimit(plan.perPartitionLimit, context, 'PER PARTITION LIMIT');
    this.slices = plan.slices(context);
    const decoded = options.pagingState === null ? null : decodePagingState(options.pagingState);
    const state = decoded === null || !unlimited ? decoded : { ...decoded, remaining: limit, remainingInPartition: perPartitionLimit };
    const remaining = state?.remaining ?? limit;
    const paged = options.pageSize !== null && options.pageSize > 0;
    const pageRows = Math.min(paged ? options.pageSize! : resultRowsMax, remaining, resultRowsMax);
    const budget: Budget = { rows: pageRows, perPartition: perPartitionLimit };
    if (this.slices.length > 0) {
      if (plan.partitionKeys !== null) await this.readPartitions(state, budget, perPartitionLimit);
      else await this.readRange(state, budget, perPartitionLimit);
    }
    const more = budget.rows === 0 && remaining - this.produced > 0 && this.last !== null;
    const pagingState = more ? encodePagingState(this.stateAfter(remaining - this.produced)) : null;
    return { rows: this.rows, pagingState };
  }

  private stateAfter(remaining: number): PagingState {
    const last = this.last!;
    return {
      partitionKey: last.key,
      clustering: last.after ?? Buffer.alloc(0),
      partitionDone: last.after === null,
      remaining,
      remainingInPartition: this.lastRemainingInPartition,
    };
  }

  private async readPartitions(state: PagingState | null, budget: Budget, perPartitionLimit: number): Promise<void> {
    const keys = partitionKeyList(this.plan, this.context);
    let start = 0;
    if (state !== null) {
      start = keys.findIndex((k) => k.key.equals(state.partitionKey));
      if (start < 0) throw invalidRequest('Invalid paging state: partition key not in this query');
      if (state.partitionDone) start++;
    }
    for (let i = start; i < keys.length && budget.rows > 0; i++) {
      const { key, token } = keys[i]!;
      const resuming = state !== null && i === start && !state.partitionDone;
      const after = resuming ? state.clustering : null;
      budget.perPartition = resuming ? state.remainingInPartition : perPartitionLimit;
      await this.readOnePartition(key, token, after, budget);
    }
  }

  /** Reads one partition from `after` until its rows, the page or the partition's limit run out. */
  private async readOnePartition(key: Buffer, token: bigint, after: Buffer | null, budget: Budget): Promise<void> {
    let resumeAfter = after;
    for (;;) {
      const want = Math.min(budget.rows, budget.perPartition);
      if (want <= 0) break;
      const command: ReadCommand = {
        kind: 'single', tableId: this.plan.table.id, key, token,
        ...this.commandBase(want),
        ...(resumeAfter === null ? {} : { afterClustering: resumeAfter }),
      };
      const result = await this.source.read(command);
      const rows = result.partitions[0]?.rows ?? [];
      for (const row of rows) this.accept(key, token, row, budget);
      if (rows.length < want) break;
      resumeAfter = rows[rows.length - 1]!.clustering;
      if (this.plan.filters.length === 0) break;
    }
    if (this.last !== null && this.last.key === key && budget.perPartition > 0 && budget.rows > 0) this.last = { key, token, after: null };
  }

  private commandBase(want: number) {
    const filtering = this.plan.filters.length > 0;
    return {
      slices: this.slices,
      reversed: this.plan.reversed,
      // A counter's cells are its shards, named after it (counters.ts): read them all.
      columns: this.plan.selection.fetched === 'all' || filtering || this.counters ? 'all' as const : this.plan.selection.fetched,
      rowLimit: filtering ? Math.max(want, 100) : want,
      perPartitionRowLimit: filtering ? Number.MAX_SAFE_INTEGER : want,
      nowSeconds: this.context.nowSeconds,
      includeTombstones: false,
      ...(this.plan.strictLiveness === true ? { strictLiveness: true } : {}),
    };
  }

  private accept(key: Buffer, token: bigint, row: Row, budget: Budget): void {
    if (budget.rows <= 0 || budget.perPartition <= 0) return;
    const decoded = this.decode(key, token, row);
    if (!this.plan.filters.every((filter) => filter(decoded, this.context))) {
      this.last = { key, token, after: row.clustering };
      return;
    }
    if (this.sink !== null && !this.sink(decoded)) {
      // Refused: the read ends before this row, which the next page starts with.
      budget.rows = 0;
      return;
    }
    this.last = { key, token, after: row.clustering };
    budget.rows--;
    budget.perPartition--;
    this.lastRemainingInPartition = budget.perPartition;
    this.produced++;
    if (this.sink === null) this.rows.push(this.plan.selection.project(decoded, this.context));
  }

  private decode(key: Buffer, token: bigint, row: Row): DecodedRow {
    const table = this.plan.table;
    const cells = new Map((this.counters ? foldCounterShards(row.cells) : foldMultiCellColumns(table, row.cells)).map((cell) => [cell.column, cell]));
    return {
      partitionKey: key,
      token,
      partitionKeyValues: table.partitionKey.length === 1 ? [key] : splitPartitionKey(key, table.partitionKey.length),
      clusteringValues: table.clustering.length === 0 ? [] : decodeClustering(table, row.clustering),
      cells,
    };
  }

  private async readRange(state: PagingState | null, budget: Budget, perPartitionLimit: number): Promise<void> {
    const { plan, context } = this;
    // Positions follow storage's rule: a bare token sorts before every key with that token, and
    // a bare MIN_TOKEN end means the end of the ring. So token >= X starts at {X}, token > X at
    // {X + 1}; token <= X ends at {X + 1}, token < X at {X}.
    let start: PartitionPosition = { token: MIN_TOKEN };
    let end: PartitionPosition = END_OF_RING;
    if (plan.tokenStart !== null) {
      const token = tokenOf(plan.tokenStart.term, context);
      if (!plan.tokenStart.inclusive && token === MAX_TOKEN) return;
      start = { token: plan.tokenStart.inclusive ? token : token + 1n };
    }
    if (plan.tokenEnd !== null) {
      const token = tokenOf(plan.tokenEnd.term, context);
      if (!plan.tokenEnd.inclusive && token === MIN_TOKEN) return;
      end = plan.tokenEnd.inclusive ? (token === MAX_TOKEN ? END_OF_RING : { token: token + 1n }) : { token };
    }
    if (state !== null) {
      const token = murmur3Token(state.partitionKey);
      if (!state.partitionDone) {
        budget.perPartition = state.remainingInPartition;
        await this.readOnePartition(state.partitionKey, token, state.clustering, budget);
      }
      start = { token, key: state.partitionKey };
    }
    await this.scan(start, end, budget, perPartitionLimit);
  }

  private async scan(from: PartitionPosition, end: PartitionPosition, budget: Budget, perPartitionLimit: number): Promise<void> {
    let start = from;
    while (budget.rows > 0 && compareStartEnd(start, end)) {
      const want = budget.rows;
      const result = await this.source.read({
        kind: 'range', tableId: this.plan.table.id, start, end, partitionLimit: Number.MAX_SAFE_INTEGER,
        ...this.commandBase(want),
        ...(this.plan.index === undefined ? {} : { index: { name: this.plan.index.name, value: this.plan.index.value(this.context) } }),
        perPartitionRowLimit: this.plan.filters.length > 0 ? Number.MAX_SAFE_INTEGER : perPartitionLimit,
      });
      let read = 0;
      for (const partition of result.partitions) {
        budget.perPartition = perPartitionLimit;
        for (const row of partition.rows) { read++; this.accept(partition.key, partition.token, row, budget); }
        if (budget.rows > 0) this.last = { key: partition.key, token: partition.token, after: null };
      }
      const lastPartition = result.partitions[result.partitions.length - 1];
      if (lastPartition === undefined || read < this.commandBase(want).rowLimit) break;
      // The read stopped on its row limit, perhaps inside the last partition: finish that one, then go on after it.
      const lastRow = lastPartition.rows[lastPartition.rows.length - 1];
      if (lastRow !== undefined && budget.rows > 0) {
        budget.perPartition = perPartitionLimit - lastPartition.rows.length;
        await this.readOnePartition(lastPartition.key, lastPartition.token, lastRow.clustering, budget);
      }
      start = { token: lastPartition.token, key: lastPartition.key };
    }
  }
}

/** The end position that means "to the end of the ring" (storage's convention). */
const END_OF_RING: PartitionPosition = { token: MIN_TOKEN };

function compareStartEnd(start: PartitionPosition, end: PartitionPosition): boolean {
  if (end.key === undefined && end.token === MIN_TOKEN) return true;
  if (start.token < end.token) return true;
  if (start.token > end.token) return false;
  return start.key === undefined || end.key !== undefined;
}

function partitionKeyList(plan: SelectPlan, context: EvaluationContext): Array<{ key: Buffer; token: bigint }> {
  const lists = plan.partitionKeys!.map((values) => values(context));
  const seen = new Set<string>();
  const keys: Array<{ key: Buffer; token: bigint }> = [];
  for (const components of cartesian(lists)) {
    const key = components.length === 1 ? components[0]! : serializePartitionKey(components);
    const id = key.toString('hex');
    if (seen.has(id)) continue;
    seen.add(id);
    keys.push({ key, token: murmur3Token(key) });
  }
  return keys;
}
