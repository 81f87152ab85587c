// Tokens and token ranges of the Murmur3 ring. Tokens are signed 64-bit values held as bigint.
// A range is (left, right], as Cassandra's Range: it wraps around the ring when left >= right,
// and (t, t] is the whole ring. MIN_TOKEN is the ring's start and is owned by nobody (no key
// hashes to it: murmur3Token maps it to MAX_TOKEN).

import { assert } from '../common/assert.js';
import { invalidRequest } from '../common/errors.js';

export type Token = bigint;

/** Token bounds of the ring (the same values as storage/types.ts exports for storage's use). */
export const MIN_TOKEN: Token = -(2n ** 63n);
export const MAX_TOKEN: Token = 2n ** 63n - 1n;

/** Ring size, 2^64: the number of distinct tokens. */
const RING_SIZE = 2n ** 64n;

export interface TokenRange {
  left: Token;
  right: Token;
}

export function isToken(value: bigint): boolean {
  return value >= MIN_TOKEN && value <= MAX_TOKEN;
}

export function compareTokens(a: Token, b: Token): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when the range wraps past the end of the ring (including the full ring (t, t]). */
export function isWrapAround(range: TokenRange): boolean {
  return range.left >= range.right && range.right !== MIN_TOKEN;
}

/** Whether token lies in (left, right], with wrap-around; (t, t] contains every token. */
export function rangeContains(range: TokenRange, token: Token): boolean {
  const { left, right } = range;
  if (left === right) return true;
  if (right === MIN_TOKEN) return token > left; // (left, end of ring]
  if (left < right) return token > left && token <= right;
  return token > left || token <= right;
}

/**
 * Splits a wrapping range into non-wrapping pieces, each with left < right or right ===
 * MIN_TOKEN meaning "to the end of the ring". (t, t] becomes (MIN_TOKEN, MIN_TOKEN] when
 * t is MIN_TOKEN, else (t, MIN_TOKEN] and (MIN_TOKEN, t].
 */
export function unwrapRange(range: TokenRange): TokenRange[] {
  const { left, right } = range;
  if (right === MIN_TOKEN || left < right) return [range];
  if (left === MIN_TOKEN) return [{ left: MIN_TOKEN, right: MIN_TOKEN }];
  return [{ left, right: MIN_TOKEN }, { left: MIN_TOKEN, right }];
}

/**
 * The ranges a sorted list of distinct ring tokens cuts the ring into: (t[i-1], t[i]] for
 * each i, the first one being (t[last], t[0]] (wrapping). One token owns the whole ring.
 */
export function rangesForTokens(sortedTokens: readonly Token[]): TokenRange[] {
  assert(sortedTokens.length > 0, 'the ring needs at least one token');
  const ranges: TokenRange[] = [];
  let previous = sortedTokens[sortedTokens.length - 1] as Token;
  for (const token of sortedTokens) {
    assert(ranges.length === 0 || token > previous, 'ring tokens must be sorted and distinct');
    ranges.push({ left: previous, right: token });
    previous = token;
  }
  return ranges;
}

/**
 * Index in sortedTokens of the first token >= token, wrapping to 0 past the last: the ring
 * token whose range (previous, t] holds `token` (the primary owner's token).
 */
export function ownerTokenIndex(sortedTokens: readonly Token[], token: Token): number {
  assert(sortedTokens.length > 0, 'the ring needs at least one token');
  let low = 0, high = sortedTokens.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sortedTokens[middle] as Token) < token) low = middle + 1;
    else high = middle;
  }
  return low === sortedTokens.length ? 0 : low;
}

/** Number of tokens in (left, right], the full ring counting 2^64. */
export function rangeSize(range: TokenRange): bigint {
  const size = (range.right - range.left + RING_SIZE) % RING_SIZE;
  return size === 0n ? RING_SIZE : size;
}

/** The token halfway around (left, right] (for splitting ranges evenly). */
export function midpoint(range: TokenRange): Token {
  const offset = rangeSize(range) / 2n;
  return BigInt.asIntN(64, range.left + offset);
}

/** Decimal text, as system tables and drivers show tokens. */
export function tokenToString(token: Token): string {
  return token.toString(10);
}

/** Parses a decimal token; throws Invalid for text that is not a 64-bit signed integer. */
export function parseToken(text: string): Token {
  if (!/^-?[0-9]{1,19}$/.test(text)) throw invalidRequest(`Invalid token '${text}'`);
  const token = BigInt(text);
  if (!isToken(token)) throw invalidRequest(`Token ${text} is out of the 64-bit range`);
  return token;
}
