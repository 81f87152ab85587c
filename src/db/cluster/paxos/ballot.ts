// Paxos ballots (Cassandra's): version-1 time UUIDs. The time orders them; ties between
// coordinators are broken by the rest of the bytes (clock sequence and node), which each
// coordinator draws once from its Random, so two coordinators never make the same ballot.
// A ballot's time, in microseconds, is also the timestamp of what it commits, so a later
// ballot's writes win over an earlier one's by last-write-wins.

import { assert } from '../../common/assert.js';

/** 100-ns intervals between the UUID epoch (1582-10-15) and the Unix epoch. */
const UUID_EPOCH_OFFSET = 0x01b21dd213814000n;
export const BALLOT_BYTES = 16;

/** The smallest ballot: below every real one (a replica that promised nothing yet). */
export const NO_BALLOT: Buffer = Buffer.alloc(BALLOT_BYTES);

/** A ballot at `micros` with this coordinator's 8 bytes of clock sequence and node. */
export function makeBallot(micros: number, node: Buffer): Buffer {
  assert(Number.isSafeInteger(micros) && micros >= 0, 'ballot time out of range');
  assert(node.length === 8, 'a ballot node is 8 bytes');
  const ticks = BigInt(micros) * 10n + UUID_EPOCH_OFFSET;
  const out = Buffer.alloc(BALLOT_BYTES);
  out.writeUInt32BE(Number(ticks & 0xffffffffn), 0);
  out.writeUInt16BE(Number((ticks >> 32n) & 0xffffn), 4);
  out.writeUInt16BE(Number((ticks >> 48n) & 0x0fffn) | 0x1000, 6);
  node.copy(out, 8);
  out[8] = ((out[8] ?? 0) & 0x3f) | 0x80;
  return out;
}

/** The 60-bit time of a version-1 UUID in 100-ns ticks since the UUID epoch. */
function ticksOf(ballot: Buffer): bigint {
  const low = BigInt(ballot.readUInt32BE(0));
  const mid = BigInt(ballot.readUInt16BE(4));
  const high = BigInt(ballot.readUInt16BE(6) & 0x0fff);
  return (high << 48n) | (mid << 32n) | low;
}

/** The ballot's time in microseconds since the Unix epoch (0 for NO_BALLOT and anything before 1970). */
export function ballotMicros(ballot: Buffer): number {
  assert(ballot.length === BALLOT_BYTES, 'a ballot is 16 bytes');
  const ticks = ticksOf(ballot) - UUID_EPOCH_OFFSET;
  return ticks <= 0n ? 0 : Number(ticks / 10n);
}

/** Orders ballots by time, then by their remaining bytes; NO_BALLOT first. */
export function compareBallots(a: Buffer, b: Buffer): number {
  assert(a.length === BALLOT_BYTES && b.length === BALLOT_BYTES, 'a ballot is 16 bytes');
  const aNone = a.equals(NO_BALLOT);
  const bNone = b.equals(NO_BALLOT);
  if (aNone || bNone) return aNone === bNone ? 0 : aNone ? -1 : 1;
  const ta = ticksOf(a);
  const tb = ticksOf(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  return Buffer.compare(a.subarray(8), b.subarray(8));
}

export function isAfter(a: Buffer, b: Buffer): boolean {
  return compareBallots(a, b) > 0;
}
