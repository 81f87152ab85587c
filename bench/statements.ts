// The key-value workload's schema and statements, shared by both load clients and by the
// protocol-ceiling server (which must answer PREPARE with the right bound-column types, since
// the driver serializes values by them). Rows are about 100 bytes: an 8-byte key and a
// 92-byte value.

import type { ColumnSpec } from '../src/db/protocol/messages.js';
import { native } from '../src/db/protocol/data-type.js';

export const benchKeyspace = 'bench';
export const benchTable = 'kv';
export const valueBytes = 92;

export const createKeyspaceCql = (replicationFactor: number): string =>
  `CREATE KEYSPACE IF NOT EXISTS ${benchKeyspace} WITH replication = {'class': 'SimpleStrategy', 'replication_factor': ${replicationFactor}}`;
export const createTableCql = `CREATE TABLE IF NOT EXISTS ${benchKeyspace}.${benchTable} (key bigint PRIMARY KEY, value blob)`;

export const insertCql = `INSERT INTO ${benchKeyspace}.${benchTable} (key, value) VALUES (?, ?)`;
export const selectCql = `SELECT key, value FROM ${benchKeyspace}.${benchTable} WHERE key = ?`;

const column = (name: string, type: 'bigint' | 'blob'): ColumnSpec => ({ keyspace: benchKeyspace, table: benchTable, name, type: native(type) });

export interface StatementShape {
  /** Bound variables, in order. */
  bound: ColumnSpec[];
  /** Columns of the result (empty for writes). */
  result: ColumnSpec[];
  partitionKeyIndices: number[];
}

/** What the ceiling server answers to PREPARE, by query text. */
export const statementShapes: ReadonlyMap<string, StatementShape> = new Map([
  [insertCql, { bound: [column('key', 'bigint'), column('value', 'blob')], result: [], partitionKeyIndices: [0] }],
  [selectCql, { bound: [column('key', 'bigint')], result: [column('key', 'bigint'), column('value', 'blob')], partitionKeyIndices: [0] }],
]);

export function keyBytes(key: number): Buffer {
  const bytes = Buffer.allocUnsafe(8);
  bytes.writeBigInt64BE(BigInt(key), 0);
  return bytes;
}

/** A value that depends on the key, so a read can be checked if wanted. */
export function valueFor(key: number): Buffer {
  const bytes = Buffer.alloc(valueBytes, 0x61 + (key % 26));
  bytes.writeUInt32BE(key >>> 0, 0);
  return bytes;
}
