import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CqlError, ErrorCode } from '../common/errors.js';
import { compressBody, decompressBody } from './compression.js';
import { compressBlock, decompressBlock } from './lz4.js';

const isProtocolError = (error: unknown) => error instanceof CqlError && error.code === ErrorCode.ProtocolError;

function sampleInputs(): Buffer[] {
  let state = 99;
  const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  const words = ['flight ', 'AR1234 ', 'EZE ', 'MAD ', 'altitude ', '35000 ', '\n'];
  const text = Array.from({ length: 20_000 }, () => words[next() % words.length]).join('');
  return [
    Buffer.alloc(0),
    Buffer.from('a'),
    Buffer.from('abcdefghijkl'),
    Buffer.from('abcdefghijklm'),
    Buffer.alloc(100_000, 0x41),
    Buffer.from(text),
    Buffer.from(Array.from({ length: 70_000 }, () => next() & 0xff)),
    Buffer.from('xy'.repeat(40_000) + 'tail end of data'),
  ];
}

describe('LZ4 block', () => {
  it('decodes a block made by the reference lz4 tool', () => {
    // `lz4 -B4 -BI --no-frame-crc` on this input; the block is cut out of the frame.
    const input = 'flight AR1234 from EZE to MAD; '.repeat(10) + 'abcdefghijklmnopqrstuvwxyz0123456789';
    const block = Buffer.from(
      'ff10666c69676874204152313233342066726f6d20455a4520746f204d41443b201f00ff05f015' +
        '6162636465666768696a6b6c6d6e6f707172737475767778797a30313233343536373839',
      'hex',
    );
    assert.equal(decompressBlock(block, input.length).toString(), input);
  });

  it('round-trips inputs of every shape and compresses repetitive ones', () => {
    for (const input of sampleInputs()) {
      const block = compressBlock(input);
      assert.deepEqual(decompressBlock(block, input.length), input);
    }
    assert.ok(compressBlock(Buffer.alloc(100_000, 0x41)).length < 500);
  });

  it('follows the end-of-block rules: the last 5 bytes are literals, no match starts in the last 12', () => {
    for (const input of sampleInputs()) {
      const block = compressBlock(input);
      // Walk the sequences; the last one must carry at least min(5, length) literals.
      let offset = 0;
      let produced = 0;
      let lastLiterals = 0;
      for (;;) {
        const token = block[offset++] ?? 0;
        let literals = token >> 4;
        if (literals === 15) for (let byte = 255; byte === 255; literals += byte) byte = block[offset++] ?? 0;
        offset += literals;
        produced += literals;
        lastLiterals = literals;
        if (offset >= block.length) break;
        offset += 2;
        let match = token & 15;
        if (match === 15) for (let byte = 255; byte === 255; match += byte) byte = block[offset++] ?? 0;
        assert.ok(produced <= input.length - 12, 'match starts too close to the end');
        produced += match + 4;
      }
      assert.equal(produced, input.length);
      assert.ok(lastLiterals >= Math.min(5, input.length));
    }
  });
});

describe('compressBody / decompressBody', () => {
  it('prefixes the big-endian uncompressed length and round-trips', () => {
    const body = Buffer.from('hello hello hello hello');
    const compressed = compressBody(body);
    assert.equal(compressed.readInt32BE(0), body.length);
    assert.deepEqual(decompressBody(compressed), body);
  });

  it('refuses lengths above the bound or impossible for the input, before allocating', () => {
    const huge = Buffer.from([0x7f, 0xff, 0xff, 0xff, 0x00]);
    assert.throws(() => decompressBody(huge), /exceeds the maximum/);
    assert.throws(() => decompressBody(Buffer.from([0x00, 0x10, 0x00, 0x00, 0x00]), { bodyBytesMax: 1 << 30 }), /impossible/);
    assert.throws(() => decompressBody(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00])), /Invalid uncompressed length -1/);
    assert.throws(() => decompressBody(Buffer.from([0, 0])), /too short/);
    const compressed = compressBody(Buffer.alloc(1000, 1));
    assert.throws(() => decompressBody(compressed, { bodyBytesMax: 999 }), isProtocolError);
  });

  it('turns every truncation and random corruption into a ProtocolError or the right length', () => {
    let state = 7;
    const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
    for (const input of sampleInputs().slice(1, 6)) {
      const compressed = compressBody(input);
      const step = Math.max(1, Math.floor(compressed.length / 200));
      for (let length = 0; length < compressed.length; length += step) {
        assert.throws(() => decompressBody(compressed.subarray(0, length)), isProtocolError);
      }
      for (let round = 0; round < 120; round++) {
        const corrupt = Buffer.from(compressed);
        corrupt[4 + (next() % (corrupt.length - 4))] = next() & 0xff;
        try {
          assert.equal(decompressBody(corrupt).length, input.length);
        } catch (error) {
          assert.ok(isProtocolError(error), String(error));
        }
      }
    }
    for (let round = 0; round < 500; round++) {
      const garbage = Buffer.from(Array.from({ length: 4 + (next() % 60) }, () => next() & 0xff));
      garbage.writeInt32BE(next() % 2000, 0);
      try {
        decompressBody(garbage);
      } catch (error) {
        assert.ok(isProtocolError(error), String(error));
      }
    }
  });
});
