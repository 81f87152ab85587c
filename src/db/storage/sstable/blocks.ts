// Cached forms of data and partition index blocks for point reads. A block is kept as its
// verified payload plus a table of where each unit (or index entry) starts; units decode on
// demand. Decoding a whole 16 KiB block to serve one row cost far more than the read itself
// (hundreds of objects and buffer copies), and cached decoded blocks took ~3x their bytes, so
// the cache held a fraction of what its budget suggests. The offset table is built by a
// bounds-checked walk that validates the framing; values are checked when a unit decodes.

import { CorruptionError } from '../../common/errors.js';
import type { Row } from '../types.js';
import { ByteReader } from './bytes.js';
import {
  type PartitionHeader, type PartitionIndexEntry, readPartitionHeaderBody, readPartitionIndexEntry, readRowBody,
} from './codec.js';
import { UnitKind } from './format.js';

interface Where {
  path: string;
  /** Absolute file offset of the payload's first byte. */
  offset: number;
}

/** A forward cursor over a payload that checks every length against the end. */
class Walker {
  at = 0;
  constructor(
    private readonly payload: Buffer,
    private readonly where: Where,
  ) {}

  corrupt(detail: string): CorruptionError {
    return new CorruptionError(this.where.path, this.where.offset + this.at, detail);
  }

  skip(bytes: number): void {
    if (bytes < 0 || bytes > this.payload.length - this.at) throw this.corrupt(`needs ${bytes} bytes, ${this.payload.length - this.at} left`);
    this.at += bytes;
  }

  u8(): number {
    this.skip(1);
    return this.payload[this.at - 1] as number;
  }

  u16(): number {
    this.skip(2);
    return this.payload.readUInt16BE(this.at - 2);
  }

  u32(): number {
    this.skip(4);
    return this.payload.readUInt32BE(this.at - 4);
  }

  i32(): number {
    this.skip(4);
    return this.payload.readInt32BE(this.at - 4);
  }

  get done(): boolean {
    return this.at >= this.payload.length;
  }
}

function skipRowBody(walk: Walker): void {
  walk.skip(walk.u32());
  const flags = walk.u8();
  if ((flags & 1) !== 0) walk.skip(16);
  if ((flags & 2) !== 0) walk.skip(12);
  // Flag 4: cell paths (codec.ts), a u32 count and an i32-prefixed path after each column.
  const paths = (flags & 4) !== 0;
  const cells = paths ? walk.u32() : walk.u16();
  for (let index = 0; index < cells; index++) {
    walk.skip(walk.u16());
    if (paths) {
      const pathLength = walk.i32();
      if (pathLength < -1) throw walk.corrupt(`bad cell path length ${pathLength}`);
      if (pathLength > 0) walk.skip(pathLength);
    }
    walk.skip(16);
    const length = walk.i32();
    if (length < -1) throw walk.corrupt(`bad cell value length ${length}`);
    if (length > 0) walk.skip(length);
  }
}

function skipPartitionHeaderBody(walk: Walker): void {
  walk.skip(walk.u16());
  walk.skip(8);
  const flag = walk.u8();
  if (flag > 1) throw walk.corrupt(`bad partition deletion flag ${flag}`);
  if (flag === 1) walk.skip(12);
  const tombstones = walk.u32();
  for (let index = 0; index < tombstones; index++) {
    walk.skip(walk.u32());
    walk.skip(walk.u32());
    walk.skip(12);
  }
}

/**
 * Entry offsets gathered by a walk. Blocks of the usual size (sstable_block_bytes, 16 KiB) use
 * one reused scratch array sized so that it never fills (an entry takes at least one byte); a
 * larger block grows its own. Pushing to a number array and copying it (Uint32Array.from) took a
 * quarter of the indexing.
 */
class OffsetTable {
  private static readonly scratchBytes = 64 * 1024;
  private static readonly scratch = new Uint32Array(OffsetTable.scratchBytes);
  private count = 0;
  private starts: Uint32Array;

  constructor(payloadBytes: number) {
    this.starts = payloadBytes <= OffsetTable.scratchBytes ? OffsetTable.scratch : new Uint32Array(1024);
  }

  add(start: number): void {
    if (this.count === this.starts.length) {
      const starts = new Uint32Array(this.count * 2);
      starts.set(this.starts);
      this.starts = starts;
    }
    this.starts[this.count++] = start;
  }

  /** A copy of what was gathered (the scratch array is reused by the next walk). */
  copy(): Uint32Array {
    return this.starts.slice(0, this.count);
  }
}

/** The three unit kinds as two-bit codes (DataBlock packs them beside each unit's start). */
function unitKindCode(kind: number): number {
  return kind === UnitKind.Row ? 0 : kind === UnitKind.PartitionStart ? 1 : 2;
}

function unitKindOfCode(code: number): number {
  return code === 0 ? UnitKind.Row : code === 1 ? UnitKind.PartitionStart : UnitKind.PartitionEnd;
}

/**
 * A data block: its payload and where each unit starts, found by a walk that goes only as far
 * as a read asks (a point read needs the units up to its partition's, half the block on
 * average); units decode on demand. The walk checks the framing as it goes, so a malformed unit
 * is reported by the read that reaches it.
 */
export class DataBlock {
  /**
   * Each walked unit's start offset shifted left by 2, with its kind's code (unitKindCodes) in the
   * low bits: one typed array per cached block, not two. An array buffer costs about as much to
   * allocate as the block's payload read (bench/README, sixth session of 2026-12-05).
   */
  private units: Uint32Array;
  private count = 0;
  private readonly walk: Walker;

  private constructor(
    private readonly payload: Buffer,
    private readonly where: Where,
  ) {
    this.walk = new Walker(payload, where);
    if (payload.length >= 2 ** 30) throw new CorruptionError(where.path, where.offset, `data block of ${payload.length} bytes`);
    // Units of ~20 bytes or more are usual: sized so that most blocks never grow the table.
    this.units = new Uint32Array(Math.max(16, payload.length >>> 4));
  }

  /** A verified data block payload, indexed lazily; CorruptionError comes from the read that meets malformed framing. */
  static index(payload: Buffer, where: Where): DataBlock {
    return new DataBlock(payload, where);
  }

  /** The number of units (walks the whole block). */
  get length(): number {
    while (this.walkOne());
    return this.count;
  }

  /** About what the block costs in memory. */
  get costBytes(): number {
    return this.payload.length + this.units.length * 4 + 128;
  }

  /** Walks one more unit; false at the end of the payload. */
  private walkOne(): boolean {
    const walk = this.walk;
    if (walk.done) return false;
    if (this.count === this.units.length) {
      const units = new Uint32Array(this.count * 2);
      units.set(this.units);
      this.units = units;
    }
    const start = walk.at;
    const kind = walk.u8();
    if (kind === UnitKind.Row) skipRowBody(walk);
    else if (kind === UnitKind.PartitionStart) skipPartitionHeaderBody(walk);
    else if (kind !== UnitKind.PartitionEnd) throw walk.corrupt(`unknown unit kind ${kind}`);
    // Starts are below 2^30 (the constructor refuses larger payloads).
    this.units[this.count++] = ((start << 2) | unitKindCode(kind)) >>> 0;
    return true;
  }

  private startAt(index: number): number {
    return (this.units[index] as number) >>> 2;
  }

  private kindCodeAt(index: number): number {
    return (this.units[index] as number) & 3;
  }

  /** Whether unit `index` exists, walking as far as it. */
  private reach(index: number): boolean {
    while (this.count <= index) if (!this.walkOne()) return false;
    return true;
  }

  /** The kind of unit `index`, or undefined past the end. */
  kindAt(index: number): number | undefined {
    return this.reach(index) ? unitKindOfCode(this.kindCodeAt(index)) : undefined;
  }

  /** Unit `index`'s start if it exists and is of kind `what`, else undefined. */
  private startOf(index: number, what: number): number | undefined {
    return this.reach(index) && this.kindCodeAt(index) === unitKindCode(what) ? this.startAt(index) : undefined;
  }

  private readerAt(index: number, what: number): ByteReader {
    const start = this.startOf(index, what);
    if (start === undefined) {
      throw new CorruptionError(this.where.path, this.where.offset, `unit ${index} is not of kind ${what}`);
    }
    // Past the kind byte; the reader's offsets stay absolute for error messages.
    return new ByteReader(this.payload.subarray(start + 1), { path: this.where.path, offset: this.where.offset + start + 1 });
  }

  /** The header of the PARTITION_START unit at `index` (throws CorruptionError for another kind). */
  partitionHeaderAt(index: number): PartitionHeader {
    return readPartitionHeaderBody(this.readerAt(index, UnitKind.PartitionStart));
  }

  /** The ROW unit at `index`, decoded (a fresh object: callers may keep it). */
  rowAt(index: number): Row {
    return readRowBody(this.readerAt(index, UnitKind.Row));
  }

  /** The clustering of the ROW unit at `index`: a view into the cached payload, for comparing only. */
  clusteringViewAt(index: number): Buffer {
    const start = this.startOf(index, UnitKind.Row);
    if (start === undefined) {
      throw new CorruptionError(this.where.path, this.where.offset, `unit ${index} is not a row`);
    }
    // The walk checked that the length and bytes lie within the payload.
    const length = this.payload.readUInt32BE(start + 1);
    return this.payload.subarray(start + 5, start + 5 + length);
  }
}

/** A partition index block: its payload and where each entry starts; binary search reads keys in place. */
export class PartitionIndexBlock {
  private constructor(
    private readonly payload: Buffer,
    private readonly starts: Uint32Array,
    private readonly where: Where,
  ) {}

  static index(payload: Buffer, where: Where): PartitionIndexBlock {
    const entries = new OffsetTable(payload.length);
    const walk = new Walker(payload, where);
    while (!walk.done) {
      entries.add(walk.at);
      walk.skip(walk.u16());
      walk.skip(8 + 10 + 4);
      const flag = walk.u8();
      if (flag > 1) throw walk.corrupt(`bad row index flag ${flag}`);
      if (flag === 1) walk.skip(10);
    }
    return new PartitionIndexBlock(payload, entries.copy(), where);
  }

  get length(): number {
    return this.starts.length;
  }

  get costBytes(): number {
    return this.payload.length + this.starts.length * 4 + 128;
  }

  /**
   * Compares entry `index` with a target in (token, key) order, without decoding the entry.
   * A target without a key sorts before every key of its token.
   */
  private compareAt(index: number, target: { token: bigint; key?: Buffer | undefined }): number {
    const start = this.starts[index] as number;
    const keyLength = this.payload.readUInt16BE(start);
    const token = this.payload.readBigInt64BE(start + 2 + keyLength);
    if (token !== target.token) return token < target.token ? -1 : 1;
    if (target.key === undefined) return 1;
    return -target.key.compare(this.payload, start + 2, start + 2 + keyLength);
  }

  /** The first entry after the position (position < entry), decoded, or null. */
  firstAfter(position: { token: bigint; key?: Buffer | undefined }): PartitionIndexEntry | null {
    let low = 0;
    let high = this.starts.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.compareAt(middle, position) > 0) high = middle;
      else low = middle + 1;
    }
    return low < this.starts.length ? this.entryAt(low) : null;
  }

  /**
   * The entry with exactly this (token, key), decoded, or null. The token is compared as its
   * signed high and unsigned low 32-bit halves read in place: reading it as a BigInt allocated
   * one per probe, a measurable share of a point read.
   */
  find(target: { token: bigint; key: Buffer }): PartitionIndexEntry | null {
    const high32 = Number(BigInt.asIntN(32, target.token >> 32n));
    const low32 = Number(BigInt.asUintN(32, target.token));
    const payload = this.payload;
    let low = 0;
    let high = this.starts.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const start = this.starts[middle] as number;
      const keyLength = payload.readUInt16BE(start);
      const at = start + 2 + keyLength;
      const entryHigh = payload.readInt32BE(at);
      let order = entryHigh === high32 ? payload.readUInt32BE(at + 4) - low32 : entryHigh - high32;
      if (order === 0) order = -target.key.compare(payload, start + 2, start + 2 + keyLength);
      if (order === 0) return this.entryAt(middle);
      if (order < 0) low = middle + 1;
      else high = middle;
    }
    return null;
  }

  entryAt(index: number): PartitionIndexEntry {
    const start = this.starts[index];
    if (start === undefined) throw new CorruptionError(this.where.path, this.where.offset, `no index entry ${index}`);
    return readPartitionIndexEntry(new ByteReader(this.payload.subarray(start), { path: this.where.path, offset: this.where.offset + start }));
  }
}
