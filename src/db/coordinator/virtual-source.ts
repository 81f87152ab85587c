// Reads of virtual tables (system, system_schema, system_virtual_schema): their rows are
// generated on each read, encoded into partitions and served through the same ReadCommand
// interface as stored tables, so WHERE, ORDER BY, LIMIT and paging behave identically.

import { murmur3Token } from '../dht/murmur3.js';
import { MIN_TOKEN } from '../dht/token.js';
import { encodeValue } from '../protocol/type-codecs.js';
import { encodeClustering } from '../schema/clustering-key.js';
import type { TableMetadata } from '../schema/metadata.js';
import { serializePartitionKey } from '../schema/partition-key.js';
import { NO_DELETION_TIME, type Partition, type PartitionPosition, type ReadCommand, type ReadResult, type Row } from '../storage/types.js';
import type { ReadSource } from './select-executor.js';

/** A generated row: column name -> JS value (the protocol type codecs' representation). */
export type VirtualRow = Map<string, unknown>;

function comparePositions(a: PartitionPosition, b: { token: bigint; key: Buffer }): number {
  if (a.token !== b.token) return a.token < b.token ? -1 : 1;
  if (a.key === undefined) return -1;
  return Buffer.compare(a.key, b.key);
}

/** A bare MIN_TOKEN end position means the end of the ring (storage's convention). */
function isEndOfRing(position: PartitionPosition): boolean {
  return position.key === undefined && position.token === MIN_TOKEN;
}

export function partitionsOf(table: TableMetadata, rows: VirtualRow[]): Partition[] {
  const byKey = new Map<string, Partition>();
  const encode = (name: string, value: unknown, type: TableMetadata['partitionKey'][number]['type']) => {
    if (value === null || value === undefined) throw new Error(`virtual table ${table.name}: key column ${name} is null`);
    return encodeValue(type, value);
  };
  for (const values of rows) {
    const keyParts = table.partitionKey.map((c) => encode(c.name, values.get(c.name), c.type));
    const key = serializePartitionKey(keyParts);
    const clustering = encodeClustering(table, table.clustering.map((c) => encode(c.name, values.get(c.name), c.type)));
    const cells = table.regular
      .filter((c) => values.get(c.name) !== null && values.get(c.name) !== undefined)
      .map((c) => ({ column: c.name, timestampMicros: 0, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: encodeValue(c.type, values.get(c.name)) }));
    const row: Row = { clustering, liveness: { timestampMicros: 0, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME }, deletion: null, cells };
    const id = key.toString('hex');
    let partition = byKey.get(id);
    if (partition === undefined) {
      partition = { key, token: murmur3Token(key), partitionDeletion: null, rangeTombstones: [], rows: [] };
      byKey.set(id, partition);
    }
    partition.rows.push(row);
  }
  const partitions = [...byKey.values()];
  for (const p of partitions) p.rows.sort((a, b) => Buffer.compare(a.clustering, b.clustering));
  return partitions.sort((a, b) => (a.token !== b.token ? (a.token < b.token ? -1 : 1) : Buffer.compare(a.key, b.key)));
}

/** Answers a ReadCommand from in-memory partitions (sorted by token, rows by clustering). */
export function readPartitions(partitions: Partition[], command: ReadCommand): ReadResult {
  const selected = command.kind === 'single'
    ? partitions.filter((p) => p.key.equals(command.key))
    : partitions.filter((p) => comparePositions(command.start, p) < 0 && (isEndOfRing(command.end) || comparePositions(command.end, p) >= 0));
  const out: Partition[] = [];
  let budget = command.rowLimit;
  for (const partition of selected) {
    if (budget <= 0) break;
    let rows = partition.rows.filter((row) => command.slices.some((s) => Buffer.compare(s.start, row.clustering) < 0 && Buffer.compare(row.clustering, s.end) < 0));
    if (command.reversed) rows = [...rows].reverse();
    const after = command.afterClustering;
    if (after !== undefined && (command.kind === 'single' || out.length === 0)) {
      rows = rows.filter((row) => (command.reversed ? Buffer.compare(row.clustering, after) < 0 : Buffer.compare(row.clustering, after) > 0));
    }
    rows = rows.slice(0, Math.min(budget, command.perPartitionRowLimit));
    if (rows.length === 0) continue;
    budget -= rows.length;
    out.push({ ...partition, rows });
  }
  return { partitions: out };
}

export function virtualSource(table: TableMetadata, rows: () => VirtualRow[]): ReadSource {
  return { read: async (command) => readPartitions(partitionsOf(table, rows()), command) };
}
