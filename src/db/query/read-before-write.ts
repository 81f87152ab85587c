// The read that list operations by index or by value make before they write (Cassandra's
// "requires read" statements): the current cells of each row the statement changes, read
// through the coordinator at the statement's consistency level.

import { ConsistencyLevel } from '../common/consistency.js';
import { rowSlice } from '../schema/clustering-key.js';
import type { Cell, SinglePartitionReadCommand } from '../storage/types.js';
import type { ExistingRows, ModificationPlan } from '../cql/plan.js';
import type { EvaluationContext } from '../cql/terms.js';
import type { ReadSource } from '../coordinator/select-executor.js';

const rowId = (key: Buffer, clustering: Buffer): string => `${key.toString('hex')}:${clustering.toString('hex')}`;

/** A read at ANY has no replica to answer it: the read before write uses ONE, as Cassandra does. */
export function readBeforeWriteLevel(level: ConsistencyLevel): ConsistencyLevel {
  return level === ConsistencyLevel.ANY ? ConsistencyLevel.ONE : level;
}

/** Reads the rows a plan's writes need; undefined when the plan reads nothing. */
export async function readExistingRows(plan: ModificationPlan, { context, source }: { context: EvaluationContext & { nowSeconds: number }; source: ReadSource }): Promise<ExistingRows | undefined> {
  const spec = plan.readBeforeWrite;
  if (spec === undefined) return undefined;
  const found = new Map<string, readonly Cell[]>();
  for (const row of spec.rows(context)) {
    const command: SinglePartitionReadCommand = {
      kind: 'single', tableId: plan.table.id, key: row.key, token: row.token,
      slices: [rowSlice(row.clustering)], reversed: false, columns: spec.columns,
      rowLimit: 1, perPartitionRowLimit: 1, nowSeconds: context.nowSeconds, includeTombstones: false,
    };
    const result = await source.read(command);
    const cells = result.partitions[0]?.rows.find((r) => r.clustering.equals(row.clustering))?.cells ?? [];
    found.set(rowId(row.key, row.clustering), cells);
  }
  return (key, clustering) => found.get(rowId(key, clustering)) ?? [];
}
