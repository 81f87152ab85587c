import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FrameDecodeResult } from './frame.js';
import { crc24, encodeSegment, encodeSegments, payloadCrc32, SegmentDecoder, segmentPayloadBytesMax } from './segment.js';

// Vectors made with the DataStax Python driver 3.25 (cassandra/segment.py, an implementation
// independent of this one): compute_crc24(value, 3 or 5), compute_crc32(payload, CRC32_INITIAL)
// and SegmentCodec.encode with and without LZ4.
const crc24Vectors: Array<[number, number, number]> = [
  [0x000000, 3, 0x7de777],
  [0x000001, 3, 0x15876f],
  [0x020005, 3, 0x9a9919],
  [0x01ffff, 3, 0xfe9138],
  [0x03ffff, 3, 0x474025],
  [0x0402580005, 5, 0xa8638d],
];
/** An OPTIONS envelope (v5, stream 1) in a self-contained uncompressed segment. */
const optionsEnvelope = Buffer.from('050000010500000000', 'hex');
const optionsSegment = Buffer.from('090002a4c8c1050000010500000000b5557486', 'hex');
/** 'abc' with LZ4 negotiated: it does not shrink, so it goes as is with an uncompressed length of 0. */
const smallLz4Segment = Buffer.from('0300000004772283616263087a36c5', 'hex');
/** A QUERY envelope (v5, stream 9) of 620 bytes of a repeated sentence: 629 bytes, LZ4-compressed into 53. */
const repeatedText = Buffer.from('flight AR1234 from EZE to MAD; '.repeat(20));
const lz4Segment = Buffer.from(
  '3500ea0404427c8bff1905000009070000026c666c69676874204152313233342066726f6d20455a4520746f204d41443b201f00ffff37504d41443b2007acab2f',
  'hex',
);

function leBytes(value: number, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  bytes.writeUIntLE(value, 0, length);
  return bytes;
}

/** A v5 request envelope built by hand: 9-byte header, then the body. */
function envelope(stream: number, body: Buffer): Buffer {
  const header = Buffer.from([0x05, 0x00, (stream >> 8) & 0xff, stream & 0xff, 0x07, 0, 0, 0, 0]);
  header.writeInt32BE(body.length, 5);
  return Buffer.concat([header, body]);
}

function frames(results: FrameDecodeResult[]): Array<{ stream: number; body: Buffer }> {
  return results.map((result) => {
    assert.equal(result.kind, 'frame', result.kind === 'error' ? result.error.message : result.kind);
    const { frame } = result as Extract<FrameDecodeResult, { kind: 'frame' }>;
    return { stream: frame.header.stream, body: frame.body };
  });
}

function errorOf(results: FrameDecodeResult[]): string {
  const last = results.at(-1);
  assert.ok(last !== undefined && last.kind === 'error', 'expected an error result');
  return (last as Extract<FrameDecodeResult, { kind: 'error' }>).error.message;
}

function pattern(length: number, seed: number): Buffer {
  let state = seed;
  return Buffer.from(Array.from({ length }, () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) >>> 24));
}

describe('segment checksums', () => {
  it('CRC24 of header bytes matches the Python driver', () => {
    for (const [value, length, expected] of crc24Vectors) {
      assert.equal(crc24(leBytes(value, length), length), expected, `crc24(0x${value.toString(16)}, ${length})`);
    }
  });

  it('CRC32 of payloads is seeded with Cassandra\'s four bytes', () => {
    assert.equal(payloadCrc32(Buffer.alloc(0)), 0x44777ed3);
    assert.equal(payloadCrc32(Buffer.from('hello')), 0xb60e8074);
  });
});

describe('encodeSegments', () => {
  it('writes the same bytes as the Python driver for an uncompressed segment', () => {
    assert.deepEqual(encodeSegments([optionsEnvelope], { compressed: false }), optionsSegment);
    assert.deepEqual(encodeSegment(Buffer.from('abc'), { compressed: true, selfContained: true }), smallLz4Segment);
  });

  it('packs small envelopes into one self-contained segment, up to the payload bound', () => {
    const small = [envelope(1, Buffer.alloc(10, 1)), envelope(2, Buffer.alloc(20, 2)), envelope(3, Buffer.alloc(0))];
    const bytes = encodeSegments(small, { compressed: false });
    const payloadBytes = 19 + 29 + 9;
    assert.equal(bytes.length, 6 + payloadBytes + 4, 'one segment');
    assert.equal(bytes.readUIntLE(0, 3), payloadBytes | (1 << 17));
    // Two envelopes that do not fit one payload together go in two segments.
    const halves = [envelope(1, Buffer.alloc(70_000)), envelope(2, Buffer.alloc(70_000))];
    const split = encodeSegments(halves, { compressed: false });
    assert.equal(split.length, 2 * (6 + 70_009 + 4));
    assert.deepEqual(frames(new SegmentDecoder({ compressed: false }).push(split)).map((f) => f.stream), [1, 2]);
  });

  it('cuts an envelope larger than a payload over segments that are not self-contained', () => {
    const large = envelope(7, pattern(300_000, 3));
    const bytes = encodeSegments([envelope(1, Buffer.from('before')), large, envelope(2, Buffer.from('after'))], { compressed: false });
    const headers: Array<{ length: number; selfContained: boolean }> = [];
    for (let at = 0; at < bytes.length;) {
      const fields = bytes.readUIntLE(at, 3);
      headers.push({ length: fields & 0x1ffff, selfContained: (fields & 0x20000) !== 0 });
      at += 6 + (fields & 0x1ffff) + 4;
    }
    assert.deepEqual(headers, [
      { length: 15, selfContained: true },
      { length: segmentPayloadBytesMax, selfContained: false },
      { length: segmentPayloadBytesMax, selfContained: false },
      { length: 300_009 - 2 * segmentPayloadBytesMax, selfContained: false },
      { length: 14, selfContained: true },
    ]);
    const decoded = frames(new SegmentDecoder({ compressed: false }).push(bytes));
    assert.deepEqual(decoded.map((f) => f.stream), [1, 7, 2]);
    assert.deepEqual(decoded[1]?.body, large.subarray(9));
  });
});

describe('SegmentDecoder', () => {
  it('reads segments the Python driver wrote, with and without LZ4', () => {
    assert.deepEqual(frames(new SegmentDecoder({ compressed: false }).push(optionsSegment)).map((f) => f.stream), [1]);
    const [query] = frames(new SegmentDecoder({ compressed: true }).push(lz4Segment));
    assert.deepEqual([query?.stream, query?.body], [9, repeatedText]);
    // Ours compress the same envelope (the bytes may differ: LZ4 allows many encodings of one input).
    const ours = encodeSegments([envelope(9, repeatedText)], { compressed: true });
    assert.ok(ours.length < 629 / 4, 'a repetitive envelope shrinks');
    assert.deepEqual(frames(new SegmentDecoder({ compressed: true }).push(ours)), frames(new SegmentDecoder({ compressed: true }).push(lz4Segment)));
  });

  it('yields the same envelopes whatever the chunking, compressed or not', () => {
    for (const compressed of [false, true]) {
      const envelopes = [envelope(1, Buffer.from('x')), envelope(2, pattern(200_000, 5)), envelope(3, repeatedText), envelope(4, Buffer.alloc(0))];
      const bytes = encodeSegments(envelopes, { compressed });
      const expected = frames(new SegmentDecoder({ compressed }).push(bytes));
      assert.deepEqual(expected.map((f) => f.stream), [1, 2, 3, 4]);
      const cuts = [1, 5, 6, 7, 8, 9, 20, 131_070, 131_080, 131_090, 200_000, bytes.length - 5, bytes.length - 1];
      for (const cut of cuts) {
        const decoder = new SegmentDecoder({ compressed });
        const results = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
        assert.deepEqual(frames(results), expected, `compressed ${compressed}, split at ${cut}`);
        assert.equal(decoder.bufferedByteCount, 0);
      }
      // Byte by byte over the small ones.
      const decoder = new SegmentDecoder({ compressed });
      const small = encodeSegments([envelopes[0] as Buffer, envelopes[3] as Buffer], { compressed });
      const results = [...small].flatMap((byte) => decoder.push(Buffer.from([byte])));
      assert.deepEqual(frames(results).map((f) => f.stream), [1, 4]);
    }
  });

  it('a corrupt header or payload is a CRC error, and the decoder stops', () => {
    for (const index of [0, 2, 3, 5]) {
      const corrupt = Buffer.from(optionsSegment);
      corrupt[index] = (corrupt[index] ?? 0) ^ 0x10;
      const decoder = new SegmentDecoder({ compressed: false });
      assert.match(errorOf(decoder.push(corrupt)), /^CRC mismatch on the header of a protocol v5 segment/);
      assert.ok(decoder.isStopped);
      assert.deepEqual(decoder.push(optionsSegment), []);
    }
    for (const index of [6, 14, 15, 18]) {
      const corrupt = Buffer.from(optionsSegment);
      corrupt[index] = (corrupt[index] ?? 0) ^ 0x01;
      assert.match(errorOf(new SegmentDecoder({ compressed: false }).push(corrupt)), /^CRC mismatch on the payload of a protocol v5 segment/);
    }
    const lz4 = Buffer.from(lz4Segment);
    lz4[20] = (lz4[20] ?? 0) ^ 0x04;
    assert.match(errorOf(new SegmentDecoder({ compressed: true }).push(lz4)), /CRC mismatch on the payload/);
  });

  it('a payload that is not LZ4 although its CRC holds is a protocol error', () => {
    const garbage = Buffer.from([0xf0, 0x01, 0x02]);
    const fields = garbage.length + 100 * 2 ** 17 + 2 ** 34;
    const header = leBytes(fields, 5);
    const segment = Buffer.concat([header, leBytes(crc24(header, 5), 3), garbage, leBytes(payloadCrc32(garbage), 4)]);
    assert.match(errorOf(new SegmentDecoder({ compressed: true }).push(segment)), /Corrupt LZ4 block/);
  });

  it('segments must hold whole envelopes as the spec says', () => {
    const whole = envelope(1, Buffer.alloc(40, 1));
    const half = (selfContained: boolean, part: Buffer) => encodeSegment(part, { compressed: false, selfContained });
    const endsInside = half(true, whole.subarray(0, 20));
    assert.match(errorOf(new SegmentDecoder({ compressed: false }).push(endsInside)), /self-contained protocol v5 segment ends inside an envelope/);
    const interrupted = Buffer.concat([half(false, whole.subarray(0, 20)), half(true, whole)]);
    assert.match(errorOf(new SegmentDecoder({ compressed: false }).push(interrupted)), /arrived inside a large envelope/);
    const twoInOne = Buffer.concat([half(false, whole.subarray(0, 20)), half(false, Buffer.concat([whole.subarray(20), whole]))]);
    assert.match(errorOf(new SegmentDecoder({ compressed: false }).push(twoInOne)), /holds more than one envelope/);
    // The large envelope's own segments, in order, are fine.
    const inOrder = Buffer.concat([half(false, whole.subarray(0, 20)), half(false, whole.subarray(20))]);
    assert.deepEqual(frames(new SegmentDecoder({ compressed: false }).push(inOrder)).map((f) => f.stream), [1]);
  });

  it('never throws on corrupted streams cut into random chunks: envelopes or one error, then nothing', () => {
    let state = 5;
    const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
    for (const compressed of [false, true]) {
      const clean = encodeSegments([envelope(1, repeatedText), envelope(2, pattern(140_000, 9)), envelope(3, Buffer.from('z'))], { compressed });
      for (let round = 0; round < 200; round++) {
        const bytes = Buffer.from(clean);
        for (let flip = 0; flip < 1 + (next() % 3); flip++) bytes[next() % bytes.length] = next() & 0xff;
        const decoder = new SegmentDecoder({ compressed, bodyBytesMax: 1 << 20 });
        const results: FrameDecodeResult[] = [];
        for (let offset = 0; offset < bytes.length;) {
          const end = Math.min(bytes.length, offset + 1 + (next() % 50_000));
          results.push(...decoder.push(bytes.subarray(offset, end)));
          offset = end;
        }
        const errors = results.filter((result) => result.kind !== 'frame');
        assert.ok(errors.length <= 1 && (errors.length === 0 || results.at(-1)?.kind !== 'frame'), 'at most one error, and last');
      }
    }
  });

  it('an envelope of another version or past the body bound is refused as FrameDecoder refuses it', () => {
    const v4 = Buffer.from(envelope(3, Buffer.alloc(2)));
    v4[0] = 0x04;
    const refused = new SegmentDecoder({ compressed: false }).push(encodeSegments([v4], { compressed: false }));
    assert.deepEqual(refused.map((r) => r.kind), ['unsupportedVersion']);
    const big = new SegmentDecoder({ compressed: false, bodyBytesMax: 100 }).push(encodeSegments([envelope(4, Buffer.alloc(101))], { compressed: false }));
    assert.deepEqual(big.map((r) => r.kind), ['error']);
    assert.match(errorOf(big), /Request is too big/);
  });
});
