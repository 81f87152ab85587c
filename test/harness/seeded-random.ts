// A seeded Random (src/db/common/world.ts) for the harness: sfc32, small and fast, with good
// statistical quality for simulation choices. The same seed gives the same run.

import type { Random } from '../../src/db/common/world.js';

export class SeededRandom implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(readonly seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    // Mix the seed in before use so nearby seeds diverge at once.
    for (let round = 0; round < 16; round++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  nextFloat(): number {
    return this.nextUint32() / 4294967296;
  }

  nextInt(maxExclusive: number): number {
    if (!(maxExclusive > 0)) throw new Error(`nextInt needs a positive bound, got ${maxExclusive}`);
    return Math.floor(this.nextFloat() * maxExclusive);
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let index = 0; index < n; index++) out[index] = this.nextUint32() & 0xff;
    return out;
  }

  /** An independent generator for a sub-component (a node, the network), derived from this one. */
  fork(): SeededRandom {
    return new SeededRandom(this.nextUint32());
  }
}
