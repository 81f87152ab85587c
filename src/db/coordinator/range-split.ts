// Splitting a partition-range read along the ring: each ring range (left, right] has its own
// replicas, so a scan visits the ranges in token order, each narrowed to the read's bounds.
// Positions follow storage's rule: a bare token sorts before every key with that token, a
// start is exclusive and an end inclusive, and a bare MIN_TOKEN end means the end of the
// ring. A ring range (a, b] is therefore start {a + 1}, end {b + 1} (end of ring for b = MAX).

import type { Endpoint } from '../cluster/endpoint.js';
import { MAX_TOKEN, MIN_TOKEN, unwrapRange, type TokenRange } from '../dht/token.js';
import type { PartitionPosition } from '../storage/types.js';

export interface RangeSlice {
  start: PartitionPosition;
  end: PartitionPosition;
  replicas: readonly Endpoint[];
}

const isEndOfRing = (end: PartitionPosition) => end.token === MIN_TOKEN && end.key === undefined;

/** Orders two positions (neither an end-of-ring end). */
export function comparePositions(a: PartitionPosition, b: PartitionPosition): number {
  if (a.token !== b.token) return a.token < b.token ? -1 : 1;
  if (a.key === undefined || b.key === undefined) return (a.key === undefined ? 0 : 1) - (b.key === undefined ? 0 : 1);
  return Buffer.compare(a.key, b.key);
}

function laterStart(a: PartitionPosition, b: PartitionPosition): PartitionPosition {
  return comparePositions(a, b) >= 0 ? a : b;
}

function earlierEnd(a: PartitionPosition, b: PartitionPosition): PartitionPosition {
  if (isEndOfRing(a)) return b;
  if (isEndOfRing(b)) return a;
  return comparePositions(a, b) <= 0 ? a : b;
}

/** Whether (start, end] may hold a partition. */
export function isNonEmpty(start: PartitionPosition, end: PartitionPosition): boolean {
  return isEndOfRing(end) || comparePositions(start, end) < 0;
}

function bounds(range: TokenRange): { start: PartitionPosition; end: PartitionPosition } | undefined {
  if (range.left === MAX_TOKEN) return undefined;
  const start = range.left === MIN_TOKEN ? { token: MIN_TOKEN } : { token: range.left + 1n };
  const end = range.right === MIN_TOKEN || range.right === MAX_TOKEN ? { token: MIN_TOKEN } : { token: range.right + 1n };
  return { start, end };
}

/** The read's (start, end] cut along the ring's ranges, in token order, each with its replicas. */
export function splitByRing(
  start: PartitionPosition,
  end: PartitionPosition,
  ranges: readonly { range: TokenRange; replicas: readonly Endpoint[] }[],
): RangeSlice[] {
  const pieces: { start: PartitionPosition; end: PartitionPosition; replicas: readonly Endpoint[] }[] = [];
  for (const { range, replicas } of ranges) {
    for (const piece of unwrapRange(range)) {
      const limits = bounds(piece);
      if (limits !== undefined) pieces.push({ ...limits, replicas });
    }
  }
  pieces.sort((a, b) => comparePositions(a.start, b.start));
  const slices: RangeSlice[] = [];
  for (const piece of pieces) {
    const sliceStart = laterStart(start, piece.start);
    const sliceEnd = earlierEnd(end, piece.end);
    if (isNonEmpty(sliceStart, sliceEnd)) slices.push({ start: sliceStart, end: sliceEnd, replicas: piece.replicas });
  }
  return slices;
}
