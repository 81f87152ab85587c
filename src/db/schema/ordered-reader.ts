// A cursor over a byte-comparable key that un-inverts bytes on the fly for descending
// clustering columns (whose encodings are stored inverted, mask 0xff).

import { invalidRequest } from '../common/errors.js';

/** Reads an encoding, un-inverting bytes on the fly for descending columns (mask 0xff). */
export class OrderedReader {
  readonly mask: number;

  constructor(readonly key: Buffer, public offset: number, options: { mask: number }) {
    this.mask = options.mask;
  }

  byte(): number {
    if (this.offset >= this.key.length) throw corruptKey(this.key, 'truncated');
    return ((this.key[this.offset++] as number) ^ this.mask) & 0xff;
  }

  bytes(length: number): Buffer {
    if (this.offset + length > this.key.length) throw corruptKey(this.key, 'truncated');
    const out = Buffer.from(this.key.subarray(this.offset, this.offset + length));
    if (this.mask !== 0) for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) ^ 0xff;
    this.offset += length;
    return out;
  }
}

export function corruptKey(key: Buffer, detail: string): Error {
  return invalidRequest(`Malformed clustering key 0x${key.subarray(0, 64).toString('hex')}: ${detail}`);
}

