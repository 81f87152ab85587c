// A bloom filter over partition tokens. The token already is a 64-bit Murmur3 hash of the
// partition key, so its two 32-bit halves serve as the two base hashes of double hashing
// (Kirsch and Mitzenmacher): bit_i = (h1 + i * h2) mod m. Two keys with the same token look
// identical to the filter, which only adds to the false positive rate (tokens rarely collide).

import { assert } from '../../common/assert.js';
import { bloomHashCountMax as hashCountMax, sstableBloomBytesMax } from '../../common/limits.js';
import type { ByteReader, ByteWriter } from './bytes.js';

export class BloomFilter {
  private constructor(
    private readonly bits: Uint8Array,
    private readonly bitCount: number,
    readonly hashCount: number,
  ) {}

  /** A filter sized for `expectedCount` keys at `falsePositiveChance` (0 < p < 1). */
  static create(expectedCount: number, falsePositiveChance: number): BloomFilter {
    assert(falsePositiveChance > 0 && falsePositiveChance < 1, 'bloom false positive chance must be in (0, 1)');
    const count = Math.max(1, expectedCount);
    const idealBits = Math.ceil((-count * Math.log(falsePositiveChance)) / (Math.LN2 * Math.LN2));
    const bitCount = Math.min(Math.max(64, idealBits), sstableBloomBytesMax * 8);
    const hashCount = Math.min(hashCountMax, Math.max(1, Math.round((bitCount / count) * Math.LN2)));
    return new BloomFilter(new Uint8Array(Math.ceil(bitCount / 8)), bitCount, hashCount);
  }

  get sizeBytes(): number {
    return this.bits.length;
  }

  add(token: bigint): void {
    scratch.setBigInt64(0, token);
    const h1 = scratch.getUint32(4);
    const h2 = oddStep(scratch.getUint32(0));
    for (let index = 0; index < this.hashCount; index++) {
      const bit = (h1 + index * h2) % this.bitCount;
      this.bits[bit >>> 3] = (this.bits[bit >>> 3] as number) | (1 << (bit & 7));
    }
  }

  mayContain(token: bigint): boolean {
    scratch.setBigInt64(0, token);
    const h1 = scratch.getUint32(4);
    const h2 = oddStep(scratch.getUint32(0));
    for (let index = 0; index < this.hashCount; index++) {
      const bit = (h1 + index * h2) % this.bitCount;
      if (((this.bits[bit >>> 3] as number) & (1 << (bit & 7))) === 0) return false;
    }
    return true;
  }

  encode(out: ByteWriter): void {
    out.u8(this.hashCount);
    out.u48(this.bitCount);
    out.bytes(this.bits);
  }

  static decode(input: ByteReader): BloomFilter {
    const hashCount = input.u8();
    const bitCount = input.u48();
    if (hashCount < 1 || hashCount > hashCountMax) throw input.corrupt(`bloom hash count ${hashCount}`);
    if (bitCount < 1 || bitCount > sstableBloomBytesMax * 8) throw input.corrupt(`bloom bit count ${bitCount}`);
    const byteCount = Math.ceil(bitCount / 8);
    if (byteCount !== input.remaining()) throw input.corrupt(`bloom of ${bitCount} bits in ${input.remaining()} bytes`);
    return new BloomFilter(new Uint8Array(input.bytes(byteCount)), bitCount, hashCount);
  }
}

/**
 * The token's big-endian halves: h1 is the low 32 bits, h2 the high. A DataView reads them
 * without allocating (Buffer's writeBigInt64BE and a returned pair cost more than the probe).
 */
const scratch = new DataView(new ArrayBuffer(8));

/** An odd step visits distinct bits for every i when m is a power of two, and never sticks at 0. */
function oddStep(high: number): number {
  return (high | 1) >>> 0;
}
