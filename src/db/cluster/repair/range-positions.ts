// A token range as storage scan positions (storage's rule: a start is exclusive, an end
// inclusive, a bare token sorts before every key with that token, and a bare MIN_TOKEN end is
// the end of the ring). (a, b] is start {a + 1}, end {b + 1}; a wrapping range is two pieces.

import { MAX_TOKEN, MIN_TOKEN, unwrapRange, type TokenRange } from '../../dht/token.js';
import type { PartitionPosition } from '../../storage/types.js';

export interface ScanBounds {
  start: PartitionPosition;
  end: PartitionPosition;
}

export function scanBounds(range: TokenRange): ScanBounds[] {
  const pieces: ScanBounds[] = [];
  for (const piece of unwrapRange(range)) {
    if (piece.left === MAX_TOKEN) continue;
    const start = piece.left === MIN_TOKEN ? { token: MIN_TOKEN } : { token: piece.left + 1n };
    const end = piece.right === MIN_TOKEN || piece.right === MAX_TOKEN ? { token: MIN_TOKEN } : { token: piece.right + 1n };
    pieces.push({ start, end });
  }
  return pieces;
}
