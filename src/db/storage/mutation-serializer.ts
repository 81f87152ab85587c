// Compact binary form of Mutation and Partition, for the commit log and (later) internode
// messages. Layout (big-endian), after a version byte for mutations:
//   keyspace: u16 length + utf8, tableId: u16 length + utf8          (mutations only)
//   key: u16 length + bytes, token: i64
//   partition deletion: u8 flag [+ deletion]
//   range tombstones: u32 count, each start (u32 length + bytes), end, deletion
//   rows: u32 count, each clustering (u32 length + bytes), u8 flags (1 liveness, 2 deletion,
//         4 cell paths), [liveness: i64 timestamp, i32 ttl, i32 expiration], [deletion],
//         cells: u16 count (u32 with flag 4), each column (u16 + utf8),
//         [with flag 4: u8 hasPath + u32 length + bytes], i64 timestamp, i32 ttl, i32 ldt,
//         u8 hasValue [+ u32 length + bytes]
//   Flag 4 is set only on rows holding a cell with a path (a non-frozen collection or UDT
//   element), so rows of simple columns keep the layout written before cell paths existed.
//   deletion: i64 markedForDeleteAt, i32 localDeletionTime
// Decoding checks every length against the bytes left and the limits, and throws
// CorruptionError naming the source and offset; it never returns a truncated value.

import { CorruptionError } from '../common/errors.js';
import { cellValueBytesMax, clusteringBytesMax, mutationBytesMax, partitionKeyBytesMax, rowCellsMax, tableColumnsMax } from '../common/limits.js';
import { compareCellPosition } from './partition.js';
import type { Cell, DeletionTime, LivenessInfo, Mutation, Partition, RangeTombstone, Row } from './types.js';

export const mutationFormatVersion = 1;
const rowHasLiveness = 1;
const rowHasDeletion = 2;
const rowHasCellPaths = 4;

/**
 * A growing output buffer. It starts small, so that the many small mutations of a write
 * workload come from Node's shared buffer pool (a 4 KiB first chunk bypassed the pool and was
 * a fresh allocation per mutation), and doubles when full.
 */
/** Encoded schema names: a bounded set in practice; the cache is cleared if it ever grows past nameCacheMax. */
const nameCache = new Map<string, Buffer>();
const nameCacheMax = 10_000;

function nameBytes(text: string): Buffer {
  let encoded = nameCache.get(text);
  if (encoded === undefined) {
    if (nameCache.size >= nameCacheMax) nameCache.clear();
    encoded = Buffer.from(text, 'utf8');
    nameCache.set(text, encoded);
  }
  return encoded;
}

export class ByteWriter {
  private current: Buffer;
  private used = 0;

  constructor(initialBytes = 256) {
    this.current = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.used;
  }

  private reserve(n: number): void {
    if (this.used + n <= this.current.length) return;
    const next = Buffer.allocUnsafe(Math.max(2 * this.current.length, this.used + n));
    this.current.copy(next, 0, 0, this.used);
    this.current = next;
  }
  /** Overwrites four bytes written earlier (a length known only once what follows is written). */
  patchU32(offset: number, v: number): void {
    if (offset < 0 || offset + 4 > this.used) throw new RangeError(`patch at ${offset} outside the ${this.used} bytes written`);
    this.current.writeUInt32BE(v, offset);
  }
  u8(v: number): void {
    this.reserve(1);
    this.current.writeUInt8(v, this.used);
    this.used += 1;
  }
  u16(v: number): void {
    this.reserve(2);
    this.current.writeUInt16BE(v, this.used);
    this.used += 2;
  }
  u32(v: number): void {
    this.reserve(4);
    this.current.writeUInt32BE(v, this.used);
    this.used += 4;
  }
  i32(v: number): void {
    this.reserve(4);
    this.current.writeInt32BE(v, this.used);
    this.used += 4;
  }
  i64(v: number | bigint): void {
    this.reserve(8);
    if (typeof v === 'number' && Number.isSafeInteger(v)) {
      // Timestamps are safe integers: two 32-bit halves, without a BigInt per value.
      const high = Math.floor(v / 0x1_0000_0000);
      this.current.writeInt32BE(high, this.used);
      this.current.writeUInt32BE(v - high * 0x1_0000_0000, this.used + 4);
    } else {
      this.current.writeBigInt64BE(BigInt(v), this.used);
    }
    this.used += 8;
  }
  /** A name as u16 length + utf8 (keyspaces, table ids, columns: a small set, encoded once each). */
  name(text: string): void {
    const encoded = nameBytes(text);
    this.u16(encoded.length);
    this.bytes(encoded);
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.current.set(b, this.used);
    this.used += b.length;
  }
  /** The bytes written; a copy when most of the buffer is unused, so a kept result holds no slack. */
  finish(): Buffer {
    if (2 * this.used >= this.current.length) return this.current.subarray(0, this.used);
    return Buffer.from(this.current.subarray(0, this.used));
  }
}

export class ByteReader {
  offset = 0;
  constructor(
    readonly buffer: Buffer,
    readonly source: string,
    private readonly baseOffset = 0,
  ) {}

  corrupt(detail: string): CorruptionError {
    return new CorruptionError(this.source, this.baseOffset + this.offset, detail);
  }
  private need(n: number, what: string): void {
    if (this.offset + n > this.buffer.length) throw this.corrupt(`truncated ${what}: need ${n} bytes, ${this.buffer.length - this.offset} left`);
  }
  u8(what: string): number {
    this.need(1, what);
    return this.buffer.readUInt8(this.offset++);
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  i32(what: string): number {
    this.need(4, what);
    const v = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  i64Bigint(what: string): bigint {
    this.need(8, what);
    const v = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }
  /** A timestamp: must fit a JS safe integer. */
  i64Safe(what: string): number {
    this.need(8, what);
    // Two 32-bit halves: no BigInt per timestamp. Safe integers have a high half within +-2^21.
    const high = this.buffer.readInt32BE(this.offset);
    const low = this.buffer.readUInt32BE(this.offset + 4);
    const n = high * 0x1_0000_0000 + low;
    if (!Number.isSafeInteger(n) || high >= 0x20_0000 || high < -0x20_0000) throw this.corrupt(`${what} out of range: ${this.buffer.readBigInt64BE(this.offset)}`);
    this.offset += 8;
    return n;
  }
  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    // Copy so decoded values never pin a large segment or block buffer in memory.
    const out = Buffer.from(this.buffer.subarray(this.offset, this.offset + n));
    this.offset += n;
    return out;
  }
  /** The next n bytes as a view of the input (for a nested decoder that copies what it keeps). */
  view(n: number, what: string): Buffer {
    this.need(n, what);
    const out = this.buffer.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }
  lengthPrefixed(lengthBytes: 2 | 4, maxBytes: number, what: string): Buffer {
    const length = lengthBytes === 2 ? this.u16(what) : this.u32(what);
    if (length > maxBytes) throw this.corrupt(`${what} length ${length} exceeds ${maxBytes}`);
    return this.bytes(length, what);
  }
  utf8(maxBytes: number, what: string): string {
    const length = this.u16(what);
    if (length > maxBytes) throw this.corrupt(`${what} length ${length} exceeds ${maxBytes}`);
    this.need(length, what);
    // Decoded straight from the input: no intermediate copy of the bytes.
    const text = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return text;
  }
  remaining(): number {
    return this.buffer.length - this.offset;
  }
}

function writeDeletion(w: ByteWriter, d: DeletionTime): void {
  w.i64(d.markedForDeleteAtMicros);
  w.i32(d.localDeletionTime);
}

function readDeletion(r: ByteReader): DeletionTime {
  return { markedForDeleteAtMicros: r.i64Safe('markedForDeleteAt'), localDeletionTime: r.i32('localDeletionTime') };
}

function writeCell(w: ByteWriter, c: Cell, { paths }: { paths: boolean }): void {
  w.name(c.column);
  if (paths) {
    if (c.path === undefined) {
      w.u8(0);
    } else {
      w.u8(1);
      w.u32(c.path.length);
      w.bytes(c.path);
    }
  }
  w.i64(c.timestampMicros);
  w.i32(c.ttlSeconds);
  w.i32(c.localDeletionTime);
  if (c.value === null) {
    w.u8(0);
  } else {
    w.u8(1);
    w.u32(c.value.length);
    w.bytes(c.value);
  }
}

function readCell(r: ByteReader, { paths }: { paths: boolean }): Cell {
  const column = r.utf8(65535, 'column name');
  let path: Buffer | undefined;
  if (paths) {
    const hasPath = r.u8('cell path flag');
    if (hasPath > 1) throw r.corrupt(`bad cell path flag ${hasPath}`);
    if (hasPath === 1) path = r.lengthPrefixed(4, cellValueBytesMax, 'cell path');
  }
  const timestampMicros = r.i64Safe('cell timestamp');
  const ttlSeconds = r.i32('cell ttl');
  const localDeletionTime = r.i32('cell localDeletionTime');
  const hasValue = r.u8('cell value flag');
  if (hasValue > 1) throw r.corrupt(`bad cell value flag ${hasValue}`);
  const value = hasValue === 1 ? r.lengthPrefixed(4, cellValueBytesMax, 'cell value') : null;
  if (ttlSeconds < 0) throw r.corrupt(`negative ttl ${ttlSeconds}`);
  if (path !== undefined) return { column, path, timestampMicros, ttlSeconds, localDeletionTime, value };
  return { column, timestampMicros, ttlSeconds, localDeletionTime, value };
}

function writeRow(w: ByteWriter, row: Row): void {
  w.u32(row.clustering.length);
  w.bytes(row.clustering);
  const paths = row.cells.some((cell) => cell.path !== undefined);
  w.u8((row.liveness !== null ? rowHasLiveness : 0) | (row.deletion !== null ? rowHasDeletion : 0) | (paths ? rowHasCellPaths : 0));
  if (row.liveness !== null) {
    w.i64(row.liveness.timestampMicros);
    w.i32(row.liveness.ttlSeconds);
    w.i32(row.liveness.localExpirationTime);
  }
  if (row.deletion !== null) writeDeletion(w, row.deletion);
  if (paths) w.u32(row.cells.length);
  else w.u16(row.cells.length);
  for (const cell of row.cells) writeCell(w, cell, { paths });
}

function readRow(r: ByteReader): Row {
  const clustering = r.lengthPrefixed(4, clusteringBytesMax, 'clustering');
  const flags = r.u8('row flags');
  if ((flags & ~(rowHasLiveness | rowHasDeletion | rowHasCellPaths)) !== 0) throw r.corrupt(`bad row flags ${flags}`);
  const paths = (flags & rowHasCellPaths) !== 0;
  let liveness: LivenessInfo | null = null;
  if ((flags & rowHasLiveness) !== 0) {
    liveness = { timestampMicros: r.i64Safe('liveness timestamp'), ttlSeconds: r.i32('liveness ttl'), localExpirationTime: r.i32('liveness expiration') };
  }
  const deletion = (flags & rowHasDeletion) !== 0 ? readDeletion(r) : null;
  const cellCount = paths ? r.u32('cell count') : r.u16('cell count');
  const cellsMax = paths ? rowCellsMax : tableColumnsMax;
  if (cellCount > cellsMax) throw r.corrupt(`cell count ${cellCount} exceeds ${cellsMax}`);
  const cells: Cell[] = [];
  for (let i = 0; i < cellCount; i++) {
    const cell = readCell(r, { paths });
    const previous = cells[cells.length - 1];
    if (previous !== undefined && compareCellPosition(previous, cell) >= 0) throw r.corrupt('cells out of column order');
    cells.push(cell);
  }
  return { clustering, liveness, deletion, cells };
}

/** Writes a partition's body (everything but keyspace and table). */
export function writePartition(w: ByteWriter, p: Partition): void {
  w.u16(p.key.length);
  w.bytes(p.key);
  w.i64(p.token);
  if (p.partitionDeletion === null) {
    w.u8(0);
  } else {
    w.u8(1);
    writeDeletion(w, p.partitionDeletion);
  }
  w.u32(p.rangeTombstones.length);
  for (const t of p.rangeTombstones) {
    w.u32(t.start.length);
    w.bytes(t.start);
    w.u32(t.end.length);
    w.bytes(t.end);
    writeDeletion(w, t.deletion);
  }
  w.u32(p.rows.length);
  for (const row of p.rows) writeRow(w, row);
}

/** Reads a partition's body; each count is checked against the bytes left before allocating. */
export function readPartition(r: ByteReader): Partition {
  const key = r.lengthPrefixed(2, partitionKeyBytesMax, 'partition key');
  const token = r.i64Bigint('token');
  const hasDeletion = r.u8('partition deletion flag');
  if (hasDeletion > 1) throw r.corrupt(`bad partition deletion flag ${hasDeletion}`);
  const partitionDeletion = hasDeletion === 1 ? readDeletion(r) : null;
  const tombstoneCount = r.u32('range tombstone count');
  // Each range tombstone takes at least 20 bytes; a count beyond what is left is corrupt.
  if (tombstoneCount * 20 > r.remaining()) throw r.corrupt(`range tombstone count ${tombstoneCount} exceeds the data`);
  const rangeTombstones: RangeTombstone[] = [];
  for (let i = 0; i < tombstoneCount; i++) {
    const start = r.lengthPrefixed(4, clusteringBytesMax, 'range tombstone start');
    const end = r.lengthPrefixed(4, clusteringBytesMax, 'range tombstone end');
    if (Buffer.compare(start, end) >= 0) throw r.corrupt('range tombstone start does not precede its end');
    rangeTombstones.push({ start, end, deletion: readDeletion(r) });
  }
  const rowCount = r.u32('row count');
  if (rowCount * 7 > r.remaining()) throw r.corrupt(`row count ${rowCount} exceeds the data`);
  const rows: Row[] = [];
  for (let i = 0; i < rowCount; i++) {
    const row = readRow(r);
    const previous = rows[rows.length - 1];
    if (previous !== undefined && Buffer.compare(previous.clustering, row.clustering) >= 0) throw r.corrupt('rows out of clustering order');
    rows.push(row);
  }
  return { key, token, partitionDeletion, rangeTombstones, rows };
}

export function writeMutation(w: ByteWriter, m: Mutation): void {
  w.u8(mutationFormatVersion);
  w.name(m.keyspace);
  w.name(m.tableId);
  writePartition(w, m);
}

export function readMutation(r: ByteReader): Mutation {
  const version = r.u8('mutation version');
  if (version !== mutationFormatVersion) throw r.corrupt(`unknown mutation format version ${version}`);
  const keyspace = r.utf8(1024, 'keyspace');
  const tableId = r.utf8(1024, 'table id');
  return { keyspace, tableId, ...readPartition(r) };
}

export function encodeMutation(m: Mutation): Buffer {
  const w = new ByteWriter();
  writeMutation(w, m);
  return w.finish();
}

export interface DecodeOptions {
  /** Named in CorruptionError (a file path, or a peer for internode messages). */
  source?: string;
  /** Offset of bytes[0] in the source, for error messages. */
  offset?: number;
}

/** Decodes exactly one mutation; trailing bytes are corruption. */
export function decodeMutation(bytes: Buffer, options: DecodeOptions = {}): Mutation {
  const r = new ByteReader(bytes, options.source ?? '<mutation>', options.offset ?? 0);
  if (bytes.length > mutationBytesMax) throw r.corrupt(`mutation of ${bytes.length} bytes exceeds ${mutationBytesMax}`);
  const m = readMutation(r);
  if (r.remaining() !== 0) throw r.corrupt(`${r.remaining()} trailing bytes after mutation`);
  return m;
}

/** A batch of mutations (one commit log entry): u32 count, then each u32 length + mutation. */
export function encodeMutationBatch(mutations: Mutation[]): Buffer {
  return frameMutationBatch(mutations.map(encodeMutation));
}

/**
 * A batch encoded in one pass (the form of encodeMutationBatch), each mutation's size checked
 * against `mutationBytesMax` by `onMutationBytes` as it is written.
 */
export function encodeMutationBatchChecked(mutations: readonly Mutation[], onMutationBytes: (bytes: number) => void): Buffer {
  const w = new ByteWriter();
  w.u32(mutations.length);
  for (const mutation of mutations) {
    const at = w.length;
    w.u32(0);
    writeMutation(w, mutation);
    const bytes = w.length - at - 4;
    onMutationBytes(bytes);
    w.patchU32(at, bytes);
  }
  return w.finish();
}

/** A batch from mutations already encoded with encodeMutation. */
export function frameMutationBatch(encoded: Buffer[]): Buffer {
  const w = new ByteWriter();
  w.u32(encoded.length);
  for (const bytes of encoded) {
    w.u32(bytes.length);
    w.bytes(bytes);
  }
  return w.finish();
}

export function decodeMutationBatch(bytes: Buffer, options: DecodeOptions = {}): Mutation[] {
  const source = options.source ?? '<mutation batch>';
  const base = options.offset ?? 0;
  const r = new ByteReader(bytes, source, base);
  const count = r.u32('batch count');
  if (count * 4 > r.remaining()) throw r.corrupt(`batch count ${count} exceeds the data`);
  const out: Mutation[] = [];
  for (let i = 0; i < count; i++) {
    const length = r.u32('mutation length');
    const start = r.offset;
    // A view, not a copy: decodeMutation copies what it keeps.
    const body = r.view(length, 'mutation');
    out.push(decodeMutation(body, { source, offset: base + start }));
  }
  if (r.remaining() !== 0) throw r.corrupt(`${r.remaining()} trailing bytes after batch`);
  return out;
}
