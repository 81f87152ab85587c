// Cassandra's Murmur3Partitioner token: the first 64-bit half of MurmurHash3 x64 128 (seed 0),
// read as a signed long. Two Cassandra quirks are reproduced because drivers route by them:
// tail bytes are sign-extended (Java reads them as signed bytes), and Long.MIN_VALUE (the
// ring's start, owned by nobody) is mapped to Long.MAX_VALUE.
//
// This runs on every write, so the arithmetic uses unsigned 32-bit halves in plain numbers
// and builds one bigint at the end. The 64-bit state lives in locals of hash64 passed through
// small helpers that write into a scratch pair, which avoids allocating per step.

import { MAX_TOKEN, MIN_TOKEN } from './token.js';

// 0x87c37b91114253d5 and 0x4cf5ad432745937f, the x64 128 block constants.
const C1_HI = 0x87c37b91, C1_LO = 0x114253d5;
const C2_HI = 0x4cf5ad43, C2_LO = 0x2745937f;
// 0xff51afd7ed558ccd and 0xc4ceb9fe1a85ec53, the finalizer constants.
const F1_HI = 0xff51afd7, F1_LO = 0xed558ccd;
const F2_HI = 0xc4ceb9fe, F2_LO = 0x1a85ec53;

/** Result registers of the 64-bit helpers: [hi, lo], both unsigned 32-bit. */
type Pair = [number, number];

// eslint-disable-next-line no-restricted-syntax -- hot path: 64-bit arithmetic on 32-bit halves per block of every key, no allocation
function multiply(out: Pair, aHi: number, aLo: number, bHi: number, bLo: number): void {
  // Low 64 bits of (aHi:aLo) * (bHi:bLo); aLo * bLo needs its full 64-bit product.
  const a0 = aLo & 0xffff, a1 = aLo >>> 16, b0 = bLo & 0xffff, b1 = bLo >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const middle = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const lo = (((middle & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  const carry = p11 + (p01 >>> 16) + (p10 >>> 16) + (middle >>> 16);
  out[0] = (carry + Math.imul(aLo, bHi) + Math.imul(aHi, bLo)) >>> 0;
  out[1] = lo;
}

// eslint-disable-next-line no-restricted-syntax -- hot path: 64-bit arithmetic on 32-bit halves per block of every key, no allocation
function rotateLeft(out: Pair, hi: number, lo: number, bits: number): void {
  if (bits >= 32) {
    const swap = hi;
    hi = lo;
    lo = swap;
    bits -= 32;
  }
  if (bits === 0) {
    out[0] = hi >>> 0;
    out[1] = lo >>> 0;
    return;
  }
  out[0] = ((hi << bits) | (lo >>> (32 - bits))) >>> 0;
  out[1] = ((lo << bits) | (hi >>> (32 - bits))) >>> 0;
}

// eslint-disable-next-line no-restricted-syntax -- hot path: 64-bit arithmetic on 32-bit halves per block of every key, no allocation
function add(out: Pair, aHi: number, aLo: number, bHi: number, bLo: number): void {
  const lo = aLo + bLo;
  out[1] = lo >>> 0;
  out[0] = (aHi + bHi + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

// eslint-disable-next-line no-restricted-syntax -- hot path: 64-bit arithmetic on 32-bit halves per block of every key, no allocation
function finalMix(out: Pair, hi: number, lo: number): void {
  lo = (lo ^ (hi >>> 1)) >>> 0; // k ^= k >>> 33
  multiply(out, hi, lo, F1_HI, F1_LO);
  hi = out[0];
  lo = (out[1] ^ (hi >>> 1)) >>> 0;
  multiply(out, hi, lo, F2_HI, F2_LO);
  hi = out[0];
  out[1] = (out[1] ^ (hi >>> 1)) >>> 0;
}

/** k1 mixing step: k *= c1; k = rotl(k, 31); k *= c2. */
// eslint-disable-next-line no-restricted-syntax -- hot path: 64-bit arithmetic on 32-bit halves per block of every key, no allocation
function mixK1(out: Pair, hi: number, lo: number): void {
  multiply(out, hi, lo, C1_HI, C1_LO);
  rotateLeft(out, out[0], out[1], 31);
  multiply(out, out[0], out[1], C2_HI, C2_LO);
}

/** k2 mixing step: k *= c2; k = rotl(k, 33); k *= c1. */
// eslint-disable-next-line no-restricted-syntax -- hot path: 64-bit arithmetic on 32-bit halves per block of every key, no allocation
function mixK2(out: Pair, hi: number, lo: number): void {
  multiply(out, hi, lo, C2_HI, C2_LO);
  rotateLeft(out, out[0], out[1], 33);
  multiply(out, out[0], out[1], C1_HI, C1_LO);
}

/**
 * XORs the sign-extended tail bytes data[start .. start+count) into a 64-bit word, byte i
 * shifted left by 8*i, as Cassandra's `(long) key.get(i) << (8*i)` does with signed bytes.
 */
// eslint-disable-next-line no-restricted-syntax -- hot path: 64-bit arithmetic on 32-bit halves per block of every key, no allocation
function tailWord(out: Pair, data: Uint8Array, start: number, count: number): void {
  let hi = 0, lo = 0;
  for (let i = 0; i < count; i++) {
    const signed = (data[start + i] as number) << 24 >> 24;
    if (i < 4) {
      lo ^= signed << (8 * i);
      if (signed < 0) hi ^= 0xffffffff;
    } else {
      hi ^= signed << (8 * (i - 4));
    }
  }
  out[0] = hi >>> 0;
  out[1] = lo >>> 0;
}

/** The first 64-bit half of MurmurHash3 x64 128 with Cassandra's tail quirk, as [hi, lo]. */
function hash64(out: Pair, data: Uint8Array): void {
  const length = data.length;
  const blocks = length >>> 4;
  let h1Hi = 0, h1Lo = 0, h2Hi = 0, h2Lo = 0;
  for (let block = 0; block < blocks; block++) {
    const offset = block * 16;
    mixK1(out, readUint32LE(data, offset + 4), readUint32LE(data, offset));
    rotateLeft(out, (h1Hi ^ out[0]) >>> 0, (h1Lo ^ out[1]) >>> 0, 27);
    add(out, out[0], out[1], h2Hi, h2Lo);
    multiply(out, out[0], out[1], 0, 5);
    add(out, out[0], out[1], 0, 0x52dce729);
    h1Hi = out[0]; h1Lo = out[1];

    mixK2(out, readUint32LE(data, offset + 12), readUint32LE(data, offset + 8));
    rotateLeft(out, (h2Hi ^ out[0]) >>> 0, (h2Lo ^ out[1]) >>> 0, 31);
    add(out, out[0], out[1], h1Hi, h1Lo);
    multiply(out, out[0], out[1], 0, 5);
    add(out, out[0], out[1], 0, 0x38495ab5);
    h2Hi = out[0]; h2Lo = out[1];
  }
  const tail = blocks * 16;
  const rest = length & 15;
  if (rest > 8) {
    tailWord(out, data, tail + 8, rest - 8);
    mixK2(out, out[0], out[1]);
    h2Hi = (h2Hi ^ out[0]) >>> 0; h2Lo = (h2Lo ^ out[1]) >>> 0;
  }
  if (rest > 0) {
    tailWord(out, data, tail, Math.min(rest, 8));
    mixK1(out, out[0], out[1]);
    h1Hi = (h1Hi ^ out[0]) >>> 0; h1Lo = (h1Lo ^ out[1]) >>> 0;
  }
  // Cassandra xors the length as a Java int (keys are below 64 KiB, so no high bits).
  h1Lo = (h1Lo ^ length) >>> 0;
  h2Lo = (h2Lo ^ length) >>> 0;
  add(out, h1Hi, h1Lo, h2Hi, h2Lo); h1Hi = out[0]; h1Lo = out[1];
  add(out, h2Hi, h2Lo, h1Hi, h1Lo); h2Hi = out[0]; h2Lo = out[1];
  finalMix(out, h1Hi, h1Lo); h1Hi = out[0]; h1Lo = out[1];
  finalMix(out, h2Hi, h2Lo); h2Hi = out[0]; h2Lo = out[1];
  add(out, h1Hi, h1Lo, h2Hi, h2Lo);
}

function readUint32LE(data: Uint8Array, offset: number): number {
  return ((data[offset] as number) | ((data[offset + 1] as number) << 8) | ((data[offset + 2] as number) << 16)
    | ((data[offset + 3] as number) << 24)) >>> 0;
}

/** The Murmur3Partitioner token of a serialized partition key. */
export function murmur3Token(key: Uint8Array): bigint {
  const out: Pair = [0, 0];
  hash64(out, key);
  // Reading the two halves back as one signed 64-bit value is cheaper than bigint shifts.
  const word = Buffer.allocUnsafe(8);
  word.writeUInt32BE(out[0], 0);
  word.writeUInt32BE(out[1], 4);
  const token = word.readBigInt64BE(0);
  return token === MIN_TOKEN ? MAX_TOKEN : token;
}
