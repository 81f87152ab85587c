// Aggregate and GROUP BY queries (Cassandra's AggregationQueryPager): the underlying read is
// paged internally, with the client's page size or 10,000 rows, and its rows are fed to the
// selection's accumulators, so an aggregate covers every page of the read while memory stays
// bounded by one internal page. Without GROUP BY the answer is one row and no paging state.
// With GROUP BY a page holds up to page-size groups; LIMIT and PER PARTITION LIMIT count
// groups; a page ends only once the next group's first row is seen (the group is then
// complete), and its paging state resumes after the last row of the page's last group.

import { assert } from '../common/assert.js';
import { invalidRequest } from '../common/errors.js';
import { resultRowsMax } from '../common/limits.js';
import { UNSET } from '../protocol/messages.js';
import { decodeValue } from '../protocol/type-codecs.js';
import type { DecodedRow, GroupAccumulator, SelectPlan } from '../cql/plan.js';
import type { EvaluationContext, PreparedTerm } from '../cql/terms.js';
import { decodePagingState, encodePagingState } from './paging.js';

/** Takes a row of the read; false refuses it (the read stops before it, and its paging state points before it). */
export type RowSink = (row: DecodedRow) => boolean;

/** Reads one internal page of at most `pageRows` rows into the sink; returns the state to resume from, or null when the read is done. */
export type PageReader = (pagingState: Buffer | null, options: { pageRows: number; sink: RowSink }) => Promise<Buffer | null>;

export interface AggregateResult {
  rows: Array<Array<Buffer | null>>;
  pagingState: Buffer | null;
}

/** Cassandra's SelectStatement.DEFAULT_PAGE_SIZE: the internal page of aggregates read without client paging. */
export const aggregationPageRows = 10_000;

const int = { kind: 'native', name: 'int' } as const;

/** LIMIT and PER PARTITION LIMIT: strictly positive, absent means no limit. */
export function positiveLimit(term: PreparedTerm | null, context: EvaluationContext, what: string): number {
  if (term === null) return Number.MAX_SAFE_INTEGER;
  const bytes = term(context);
  if (bytes === null || bytes === UNSET) return Number.MAX_SAFE_INTEGER;
  const value = decodeValue(int, bytes) as number;
  if (value <= 0) throw invalidRequest(`${what} must be strictly positive`);
  return value;
}

export async function runAggregation(
  plan: SelectPlan,
  context: EvaluationContext,
  options: { pageSize: number | null; pagingState: Buffer | null; read: PageReader },
): Promise<AggregateResult> {
  const pageRows = options.pageSize !== null && options.pageSize > 0 ? Math.min(options.pageSize, resultRowsMax) : aggregationPageRows;
  const limit = positiveLimit(plan.limit, context, 'LIMIT');
  const perPartitionLimit = positiveLimit(plan.perPartitionLimit, context, 'PER PARTITION LIMIT');
  if (plan.groupBy === null) {
    // LIMIT applies to the single result row, so it never cuts the rows aggregated.
    const group = plan.selection.newGroup();
    let state: Buffer | null = null;
    do state = await options.read(state, { pageRows, sink: (row) => { group.add(row, context); return true; } });
    while (state !== null);
    return { rows: [group.output(context)], pagingState: null };
  }
  return new GroupPager(plan, context, { limit, perPartitionLimit }).run({ ...options, pageRows });
}

interface OpenGroup {
  key: string;
  accumulator: GroupAccumulator;
}

class GroupPager {
  private readonly rows: Array<Array<Buffer | null>> = [];
  private current: OpenGroup | null = null;
  private groupsLeft: number;
  private partition: string | null = null;
  private groupsLeftInPartition: number;
  private stopped = false;

  constructor(
    private readonly plan: SelectPlan,
    private readonly context: EvaluationContext,
    private readonly limits: { limit: number; perPartitionLimit: number },
  ) {
    this.groupsLeft = limits.limit;
    this.groupsLeftInPartition = limits.perPartitionLimit;
  }

  async run(options: { pageSize: number | null; pagingState: Buffer | null; read: PageReader; pageRows: number }): Promise<AggregateResult> {
    if (options.pagingState !== null) {
      const resume = decodePagingState(options.pagingState);
      this.groupsLeft = resume.remaining;
      this.partition = resume.partitionKey.toString('hex');
      this.groupsLeftInPartition = resume.remainingInPartition;
    }
    const pageGroups = Math.min(options.pageSize !== null && options.pageSize > 0 ? options.pageSize : resultRowsMax, this.groupsLeft, resultRowsMax);
    let state = options.pagingState;
    for (;;) {
      const next = await options.read(state, { pageRows: options.pageRows, sink: (row) => this.accept(row, pageGroups) });
      if (this.stopped) {
        // Nothing consumed in this read means the page ended exactly where the previous read did.
        const resume = next ?? state;
        assert(resume !== null, 'a group ended without any row consumed');
        return { rows: this.rows, pagingState: this.groupsLeft > 0 ? this.stateAt(resume) : null };
      }
      if (next === null) break;
      state = next;
    }
    if (this.current !== null) this.emit();
    return { rows: this.rows, pagingState: null };
  }

  /** The client's paging state: the read's position with the groups still allowed by the limits. */
  private stateAt(resume: Buffer): Buffer {
    const state = decodePagingState(resume);
    return encodePagingState({ ...state, remaining: this.groupsLeft, remainingInPartition: this.groupsLeftInPartition });
  }

  private emit(): void {
    this.rows.push(this.current!.accumulator.output(this.context));
    this.current = null;
    this.groupsLeft--;
    this.groupsLeftInPartition--;
  }

  private accept(row: DecodedRow, pageGroups: number): boolean {
    const partition = row.partitionKey.toString('hex');
    const prefix = row.clusteringValues.slice(0, this.plan.groupBy!.clusteringPrefix);
    const key = `${partition}/${prefix.map((value) => value.toString('hex')).join(':')}`;
    if (this.current !== null && this.current.key === key) {
      this.current.accumulator.add(row, this.context);
      return true;
    }
    if (this.current !== null) {
      this.emit();
      if (this.rows.length >= pageGroups || this.groupsLeft <= 0) {
        this.stopped = true;
        return false;
      }
    }
    if (partition !== this.partition) {
      this.partition = partition;
      this.groupsLeftInPartition = this.limits.perPartitionLimit;
    }
    // Past PER PARTITION LIMIT the partition's rows are read and dropped.
    if (this.groupsLeftInPartition <= 0) return true;
    this.current = { key, accumulator: this.plan.selection.newGroup() };
    this.current.accumulator.add(row, this.context);
    return true;
  }
}
