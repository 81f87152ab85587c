// Runs a DESCRIBE plan on the node that received it (Cassandra executes it locally, from its
// schema): the rows of cql/describe.ts, paged as Cassandra pages them (by row offset, with the
// schema version in the paging state, so a schema change between pages is an error).

import { invalidRequest } from '../common/errors.js';
import type { QueryParameters, ResultMessage } from '../protocol/messages.js';
import type { Schema } from '../schema/schema.js';
import type { DescribePlan } from '../cql/plan.js';
import { clusterResult, describedElements, elementColumns, elementRow, type ClusterDescription } from '../cql/describe.js';

const PAGING_STATE_VERSION = 0x0001;
const SCHEMA_CHANGED = 'The schema has changed since the previous page of the DESCRIBE statement result. Please retry the DESCRIBE statement.';

export interface DescribeExecutionContext {
  schema: Schema;
  sessionKeyspace: string | null;
  /** DESCRIBE CLUSTER's answer; without it, the form is refused. */
  cluster: (() => ClusterDescription) | undefined;
}

function encodePagingState(offset: number, schemaVersion: string): Buffer {
  const version = Buffer.from(schemaVersion, 'utf8');
  const out = Buffer.alloc(2 + 2 + version.length + 8);
  out.writeUInt16BE(PAGING_STATE_VERSION, 0);
  out.writeUInt16BE(version.length, 2);
  version.copy(out, 4);
  out.writeBigUInt64BE(BigInt(offset), 4 + version.length);
  return out;
}

function decodeOffset(state: Buffer | null, schemaVersion: string): number {
  if (state === null) return 0;
  if (state.length < 4 || state.readUInt16BE(0) !== PAGING_STATE_VERSION) throw invalidRequest('Incompatible paging state');
  const length = state.readUInt16BE(2);
  if (state.length !== 4 + length + 8) throw invalidRequest('Invalid paging state.');
  if (state.subarray(4, 4 + length).toString('utf8') !== schemaVersion) throw invalidRequest(SCHEMA_CHANGED);
  const offset = state.readBigUInt64BE(4 + length);
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidRequest('Invalid paging state.');
  return Number(offset);
}

export function executeDescribe(plan: DescribePlan, parameters: QueryParameters, context: DescribeExecutionContext): ResultMessage {
  const { schema, sessionKeyspace } = context;
  if (plan.target.kind === 'cluster') {
    if (context.cluster === undefined) throw invalidRequest('DESCRIBE CLUSTER is not available on this node');
    const { columns, row } = clusterResult(context.cluster(), sessionKeyspace);
    return { kind: 'rows', metadata: { columns: parameters.skipMetadata ? null : columns, columnCount: columns.length, pagingState: null }, rows: [row] };
  }
  const schemaVersion = schema.schemaVersion();
  const offset = decodeOffset(parameters.pagingState, schemaVersion);
  const elements = describedElements(plan.target, { keyspaces: schema.allKeyspaces(), sessionKeyspace }) ?? [];
  const pageSize = parameters.pageSize !== null && parameters.pageSize > 0 ? parameters.pageSize : elements.length;
  const page = elements.slice(offset, offset + pageSize);
  const columns = elementColumns(plan.target);
  const statement = columns.length === 4;
  const rows = page.map((element) => elementRow(element, { statement, internals: plan.internals }));
  const more = page.length === pageSize && offset + pageSize < elements.length;
  return {
    kind: 'rows',
    metadata: { columns: parameters.skipMetadata ? null : columns, columnCount: columns.length, pagingState: more ? encodePagingState(offset + pageSize, schemaVersion) : null },
    rows,
  };
}
