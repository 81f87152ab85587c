// Byte-comparable clustering keys: storage sorts rows with Buffer.compare and gets the table's
// clustering order (Cassandra's comparators, ASC or DESC per column).
//
// A full key is, for each clustering column, COMPONENT (0x40) followed by the value's
// order-preserving, prefix-free encoding (value-order.ts; every byte inverted for DESC
// columns), then END (0x38). A table without clustering columns has the single key 0x38.
// Prefix bounds: a prefix P of encoded components followed by BEFORE (0x20) sorts before every
// key starting with P, followed by AFTER (0x60) after every one, since each such key continues
// P with 0x38 or 0x40. So "start inclusive" and "end exclusive" of P are P+0x20, "start
// exclusive" and "end inclusive" are P+0x60, and the empty prefix gives the full range.
// STATIC (0x10) sorts before every row and outside every bound: the static row's key.

import { assert, fail } from '../common/assert.js';
import { invalidRequest } from '../common/errors.js';
import { clusteringBytesMax, clusteringValueBytesMax } from '../common/limits.js';
import type { DataType } from '../protocol/data-type.js';
import type { TableMetadata } from './metadata.js';
import { corruptKey, OrderedReader } from './ordered-reader.js';
import { decodeOrdered, encodeOrdered, isOrderableType } from './value-order.js';

export { compareValues, isOrderableType } from './value-order.js';

const STATIC = 0x10;
const BEFORE = 0x20;
const END = 0x38;
const COMPONENT = 0x40;
const AFTER = 0x60;

/** The key of the only row of a table without clustering columns. */
export const EMPTY_CLUSTERING: Buffer = Buffer.from([END]);
/** The key of a partition's static row: before every regular row and outside every slice bound. */
export const STATIC_CLUSTERING: Buffer = Buffer.from([STATIC]);
/** The slice bounds that select every row of a partition (and not the static row). */
export const CLUSTERING_RANGE_START: Buffer = Buffer.from([BEFORE]);
export const CLUSTERING_RANGE_END: Buffer = Buffer.from([AFTER]);

{
  const order = [STATIC, BEFORE, END, COMPONENT, AFTER];
  for (let i = 1; i < order.length; i++) assert((order[i - 1] as number) < (order[i] as number), 'clustering marker order');
}

/** Throws Invalid when a type cannot be a clustering column here (CREATE TABLE checks it). */
export function checkClusteringType(column: string, type: DataType): void {
  if (!isOrderableType(type)) {
    throw invalidRequest(`Unsupported type for clustering column ${column}: only non-collection native types other than counter and duration are supported`);
  }
}

function encodeComponents(table: TableMetadata, values: readonly Buffer[], { parts }: { parts: Buffer[] }): void {
  for (let i = 0; i < values.length; i++) {
    const column = table.clustering[i];
    const value = values[i] as Buffer;
    assert(column !== undefined, 'more clustering values than clustering columns');
    if (value.length > clusteringValueBytesMax) {
      throw invalidRequest(`Clustering value for ${column.name} is ${value.length} bytes, more than the maximum of ${clusteringValueBytesMax}`);
    }
    const encoded = encodeOrdered(column.type, value);
    if (column.order === 'desc') for (let j = 0; j < encoded.length; j++) encoded[j] = (encoded[j] as number) ^ 0xff;
    parts.push(COMPONENT_BYTE, encoded);
  }
}
const COMPONENT_BYTE = Buffer.from([COMPONENT]);

/** The key of the row with these clustering values (wire bytes, one per clustering column). */
export function encodeClustering(table: TableMetadata, values: readonly Buffer[]): Buffer {
  if (!(values.length === table.clustering.length)) fail(`expected ${table.clustering.length} clustering values, got ${values.length}`);
  if (values.length === 0) return EMPTY_CLUSTERING;
  const parts: Buffer[] = [];
  encodeComponents(table, values, { parts });
  parts.push(EMPTY_CLUSTERING);
  return checkedKey(Buffer.concat(parts));
}

/** The clustering values (wire bytes) of a full key written by encodeClustering. */
export function decodeClustering(table: TableMetadata, key: Buffer): Buffer[] {
  const values: Buffer[] = [];
  let offset = 0;
  for (const column of table.clustering) {
    if (key[offset] !== COMPONENT) throw corruptKey(key, `expected a component at offset ${offset}`);
    const reader = new OrderedReader(key, offset + 1, { mask: column.order === 'desc' ? 0xff : 0 });
    values.push(decodeOrdered(column.type, reader));
    offset = reader.offset;
  }
  if (key[offset] !== END || offset + 1 !== key.length) throw corruptKey(key, `expected the end at offset ${offset}`);
  return values;
}

/**
 * A slice bound around every key whose first values.length clustering values equal values:
 * 'before' sorts before all of them, 'after' after all of them.
 */
export function clusteringPrefixBound(table: TableMetadata, values: readonly Buffer[], { bound }: { bound: 'before' | 'after' }): Buffer {
  assert(values.length <= table.clustering.length, 'clustering prefix longer than the clustering columns');
  const parts: Buffer[] = [];
  encodeComponents(table, values, { parts });
  parts.push(bound === 'before' ? CLUSTERING_RANGE_START : CLUSTERING_RANGE_END);
  return checkedKey(Buffer.concat(parts));
}

/** The slice holding exactly the row with this full key (its components, between BEFORE and AFTER). */
export function rowSlice(key: Buffer): { start: Buffer; end: Buffer } {
  assert(isRowClustering(key), 'a row slice needs a full row key');
  const components = key.subarray(0, key.length - 1);
  return { start: Buffer.concat([components, CLUSTERING_RANGE_START]), end: Buffer.concat([components, CLUSTERING_RANGE_END]) };
}

/** Every reader of stored and internode keys bounds them by clusteringBytesMax, so no longer key may be made. */
function checkedKey(key: Buffer): Buffer {
  if (key.length > clusteringBytesMax) {
    throw invalidRequest(`Clustering key is ${key.length} bytes encoded, more than the maximum of ${clusteringBytesMax}`);
  }
  return key;
}

/** Whether a key is a row key (not a bound and not the static row's key). */
export function isRowClustering(key: Buffer): boolean {
  return key.length > 0 && key[key.length - 1] === END;
}
