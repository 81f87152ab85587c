// Encoding of what sstable blocks hold: data units (partition start, row, partition end),
// row index and partition index entries. Decoders check every length against its bound and
// throw CorruptionError (through ByteReader) on anything malformed.

import { cellValueBytesMax, clusteringBytesMax, partitionKeyBytesMax, rowCellsMax, tableColumnsMax } from '../../common/limits.js';
import type { Cell, DeletionTime, LivenessInfo, RangeTombstone, Row } from '../types.js';
import { type ByteReader, ByteWriter } from './bytes.js';
import { UnitKind, type BlockPosition } from './format.js';

/** The partition-level part of a partition: what PARTITION_START and a ROW_INDEX block carry. */
export interface PartitionHeader {
  key: Buffer;
  token: bigint;
  partitionDeletion: DeletionTime | null;
  rangeTombstones: RangeTombstone[];
}

/** A data block decoded: its units in order. */
export type Unit =
  | { kind: typeof UnitKind.PartitionStart; header: PartitionHeader }
  | { kind: typeof UnitKind.Row; row: Row }
  | { kind: typeof UnitKind.PartitionEnd };

function writeDeletion(out: ByteWriter, deletion: DeletionTime): void {
  out.safeInteger(deletion.markedForDeleteAtMicros);
  out.i32(deletion.localDeletionTime);
}

function readDeletion(input: ByteReader): DeletionTime {
  return { markedForDeleteAtMicros: input.safeInteger(), localDeletionTime: input.i32() };
}

function writeRangeTombstones(out: ByteWriter, tombstones: RangeTombstone[]): void {
  out.u32(tombstones.length);
  for (const tombstone of tombstones) {
    out.longBytes(tombstone.start);
    out.longBytes(tombstone.end);
    writeDeletion(out, tombstone.deletion);
  }
}

function readRangeTombstones(input: ByteReader): RangeTombstone[] {
  const count = input.u32();
  // Each tombstone takes at least 20 bytes: a count above that is corruption, not a huge list.
  if (count * 20 > input.remaining()) throw input.corrupt(`range tombstone count ${count} exceeds the block`);
  const tombstones: RangeTombstone[] = [];
  for (let index = 0; index < count; index++) {
    const start = input.longBytes(clusteringBytesMax);
    const end = input.longBytes(clusteringBytesMax);
    tombstones.push({ start, end, deletion: readDeletion(input) });
  }
  return tombstones;
}

export function writePartitionHeaderBody(out: ByteWriter, header: PartitionHeader): void {
  out.shortBytes(header.key);
  out.i64(header.token);
  out.u8(header.partitionDeletion === null ? 0 : 1);
  if (header.partitionDeletion !== null) writeDeletion(out, header.partitionDeletion);
  writeRangeTombstones(out, header.rangeTombstones);
}

export function readPartitionHeaderBody(input: ByteReader): PartitionHeader {
  const key = input.shortBytes();
  if (key.length > partitionKeyBytesMax) throw input.corrupt('partition key too long');
  const token = input.i64();
  const flag = input.u8();
  if (flag > 1) throw input.corrupt(`bad partition deletion flag ${flag}`);
  const partitionDeletion = flag === 1 ? readDeletion(input) : null;
  return { key, token, partitionDeletion, rangeTombstones: readRangeTombstones(input) };
}

const ROW_HAS_LIVENESS = 1;
const ROW_HAS_DELETION = 2;
/**
 * Set on a row holding a cell with a path (a non-frozen collection or UDT element): its cell
 * count is then a u32 and each cell's column is followed by its path (i32 length, -1 for none).
 * Rows of simple columns keep the layout written before cell paths existed, so older sstables
 * read unchanged.
 */
const ROW_HAS_CELL_PATHS = 4;

export function writeRow(out: ByteWriter, row: Row): void {
  out.u8(UnitKind.Row);
  out.longBytes(row.clustering);
  const paths = row.cells.some((cell) => cell.path !== undefined);
  out.u8((row.liveness === null ? 0 : ROW_HAS_LIVENESS) | (row.deletion === null ? 0 : ROW_HAS_DELETION) | (paths ? ROW_HAS_CELL_PATHS : 0));
  if (row.liveness !== null) {
    out.safeInteger(row.liveness.timestampMicros);
    out.i32(row.liveness.ttlSeconds);
    out.i32(row.liveness.localExpirationTime);
  }
  if (row.deletion !== null) writeDeletion(out, row.deletion);
  if (paths) out.u32(row.cells.length);
  else out.u16(row.cells.length);
  for (const cell of row.cells) {
    out.shortString(cell.column);
    if (paths) {
      if (cell.path === undefined) out.i32(-1);
      else out.longBytes(cell.path);
    }
    out.safeInteger(cell.timestampMicros);
    out.i32(cell.ttlSeconds);
    out.i32(cell.localDeletionTime);
    if (cell.value === null) {
      out.i32(-1);
    } else {
      out.longBytes(cell.value);
    }
  }
}

function readLiveness(input: ByteReader): LivenessInfo {
  return { timestampMicros: input.safeInteger(), ttlSeconds: input.i32(), localExpirationTime: input.i32() };
}

function readCell(input: ByteReader, { paths }: { paths: boolean }): Cell {
  const column = input.shortString();
  let path: Buffer | undefined;
  if (paths) {
    const pathLength = input.i32();
    if (pathLength < -1 || pathLength > cellValueBytesMax) throw input.corrupt(`bad cell path length ${pathLength}`);
    if (pathLength >= 0) path = input.bytes(pathLength);
  }
  const timestampMicros = input.safeInteger();
  const ttlSeconds = input.i32();
  const localDeletionTime = input.i32();
  const length = input.i32();
  if (length < -1 || length > cellValueBytesMax) throw input.corrupt(`bad cell value length ${length}`);
  const value = length === -1 ? null : input.bytes(length);
  if (path !== undefined) return { column, path, timestampMicros, ttlSeconds, localDeletionTime, value };
  return { column, timestampMicros, ttlSeconds, localDeletionTime, value };
}

/** Reads a row body (after its unit kind byte). */
export function readRowBody(input: ByteReader): Row {
  const clustering = input.longBytes(clusteringBytesMax);
  const flags = input.u8();
  if ((flags & ~(ROW_HAS_LIVENESS | ROW_HAS_DELETION | ROW_HAS_CELL_PATHS)) !== 0) throw input.corrupt(`bad row flags ${flags}`);
  const paths = (flags & ROW_HAS_CELL_PATHS) !== 0;
  const liveness = (flags & ROW_HAS_LIVENESS) !== 0 ? readLiveness(input) : null;
  const deletion = (flags & ROW_HAS_DELETION) !== 0 ? readDeletion(input) : null;
  const count = paths ? input.u32() : input.u16();
  if (count > (paths ? rowCellsMax : tableColumnsMax)) throw input.corrupt(`row with ${count} cells`);
  const cells: Cell[] = [];
  for (let index = 0; index < count; index++) cells.push(readCell(input, { paths }));
  return { clustering, liveness, deletion, cells };
}

export function writePartitionStart(out: ByteWriter, header: PartitionHeader): void {
  out.u8(UnitKind.PartitionStart);
  writePartitionHeaderBody(out, header);
}

export function writePartitionEnd(out: ByteWriter): void {
  out.u8(UnitKind.PartitionEnd);
}

/** Decodes a whole data block payload into its units. */
export function readUnits(input: ByteReader): Unit[] {
  const units: Unit[] = [];
  while (input.remaining() > 0) {
    const kind = input.u8();
    if (kind === UnitKind.Row) {
      units.push({ kind, row: readRowBody(input) });
    } else if (kind === UnitKind.PartitionStart) {
      units.push({ kind, header: readPartitionHeaderBody(input) });
    } else if (kind === UnitKind.PartitionEnd) {
      units.push({ kind });
    } else {
      throw input.corrupt(`unknown unit kind ${kind}`);
    }
  }
  return units;
}

/** Where a unit is: the data block holding it and the unit's ordinal within that block. */
export interface UnitPosition {
  block: BlockPosition;
  unitIndex: number;
}

export function writeBlockPosition(out: ByteWriter, position: BlockPosition): void {
  out.u48(position.offset);
  out.u32(position.length);
}

export function readBlockPosition(input: ByteReader): BlockPosition {
  return { offset: input.u48(), length: input.u32() };
}

/** One data block of a wide partition, as its row index lists it. */
export interface RowIndexEntry {
  /** Clustering key of the partition's first row in this block. */
  firstClustering: Buffer;
  start: UnitPosition;
}

/** A ROW_INDEX block: the partition's header and where each of its data blocks starts. */
export interface RowIndex {
  header: PartitionHeader;
  entries: RowIndexEntry[];
}

export function encodeRowIndex(index: RowIndex): ByteWriter {
  const out = new ByteWriter(256 + index.entries.length * 32);
  writePartitionHeaderBody(out, index.header);
  out.u32(index.entries.length);
  for (const entry of index.entries) {
    out.longBytes(entry.firstClustering);
    writeBlockPosition(out, entry.start.block);
    out.u32(entry.start.unitIndex);
  }
  return out;
}

export function decodeRowIndex(input: ByteReader): RowIndex {
  const header = readPartitionHeaderBody(input);
  const count = input.u32();
  if (count * 18 > input.remaining()) throw input.corrupt(`row index count ${count} exceeds the block`);
  const entries: RowIndexEntry[] = [];
  for (let index = 0; index < count; index++) {
    const firstClustering = input.longBytes(clusteringBytesMax);
    const block = readBlockPosition(input);
    entries.push({ firstClustering, start: { block, unitIndex: input.u32() } });
  }
  input.expectEnd();
  return { header, entries };
}

/** One partition in a PARTITION_INDEX block. */
export interface PartitionIndexEntry {
  key: Buffer;
  token: bigint;
  /** Where its PARTITION_START unit is. */
  start: UnitPosition;
  /** Its ROW_INDEX block, when it spans several data blocks. */
  rowIndex: BlockPosition | null;
}

export function writePartitionIndexEntry(out: ByteWriter, entry: PartitionIndexEntry): void {
  out.shortBytes(entry.key);
  out.i64(entry.token);
  writeBlockPosition(out, entry.start.block);
  out.u32(entry.start.unitIndex);
  if (entry.rowIndex === null) {
    out.u8(0);
  } else {
    out.u8(1);
    writeBlockPosition(out, entry.rowIndex);
  }
}

export function readPartitionIndexEntry(input: ByteReader): PartitionIndexEntry {
  const key = input.shortBytes();
  const token = input.i64();
  const block = readBlockPosition(input);
  const start = { block, unitIndex: input.u32() };
  const flag = input.u8();
  if (flag > 1) throw input.corrupt(`bad row index flag ${flag}`);
  return { key, token, start, rowIndex: flag === 1 ? readBlockPosition(input) : null };
}

export function decodePartitionIndex(input: ByteReader): PartitionIndexEntry[] {
  const entries: PartitionIndexEntry[] = [];
  while (input.remaining() > 0) entries.push(readPartitionIndexEntry(input));
  return entries;
}

/** One PARTITION_INDEX block in the summary: its first partition and its position. */
export interface SummaryEntry {
  token: bigint;
  key: Buffer;
  indexBlock: BlockPosition;
}

export function encodeSummary(entries: SummaryEntry[]): ByteWriter {
  const out = new ByteWriter(64 + entries.length * 48);
  out.u32(entries.length);
  for (const entry of entries) {
    out.i64(entry.token);
    out.shortBytes(entry.key);
    writeBlockPosition(out, entry.indexBlock);
  }
  return out;
}

export function decodeSummary(input: ByteReader): SummaryEntry[] {
  const count = input.u32();
  if (count * 20 > input.remaining()) throw input.corrupt(`summary count ${count} exceeds the block`);
  const entries: SummaryEntry[] = [];
  for (let index = 0; index < count; index++) {
    const token = input.i64();
    const key = input.shortBytes();
    entries.push({ token, key, indexBlock: readBlockPosition(input) });
  }
  input.expectEnd();
  return entries;
}
