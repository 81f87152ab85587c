import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CqlError, ErrorCode } from '../common/errors.js';
import { decodeRequest, encodeRequest } from './codec.js';
import { decodeFrameHeader, encodeFrameHeader, FrameDecoder, type FrameDecodeResult } from './frame.js';
import { Opcode } from './messages.js';
import { sampleRequests } from '../../../test/fixtures/protocol-messages.js';

/** A v4 request frame built by hand: header fields then body. */
function handFrame(stream: number, opcode: number, body: Buffer, versionByte = 0x04): Buffer {
  const header = Buffer.from([versionByte, 0x00, (stream >> 8) & 0xff, stream & 0xff, opcode, 0, 0, 0, 0]);
  header.writeInt32BE(body.length, 5);
  return Buffer.concat([header, body]);
}

function frames(results: FrameDecodeResult[]): Array<{ stream: number; opcode: number; body: string }> {
  return results.map((result) => {
    assert.equal(result.kind, 'frame');
    const { header, body } = (result as Extract<FrameDecodeResult, { kind: 'frame' }>).frame;
    return { stream: header.stream, opcode: header.opcode, body: body.toString('hex') };
  });
}

describe('frame header', () => {
  it('encodes and decodes the 9 bytes of the spec', () => {
    const bytes = encodeFrameHeader({ version: 4, isResponse: true, flags: 0x0a, stream: -1, opcode: Opcode.EVENT, bodyLength: 258 });
    assert.equal(bytes.toString('hex'), '840affff0c00000102');
    assert.deepEqual(decodeFrameHeader(bytes), { version: 4, isResponse: true, flags: 0x0a, stream: -1, opcode: 0x0c, bodyLength: 258 });
    assert.deepEqual(decodeFrameHeader(Buffer.from('0400800001ffffffff', 'hex')), {
      version: 4, isResponse: false, flags: 0, stream: -32768, opcode: 1, bodyLength: -1,
    });
    assert.throws(() => decodeFrameHeader(Buffer.alloc(8)), (error: unknown) => error instanceof CqlError && error.code === ErrorCode.ProtocolError);
  });
});

describe('FrameDecoder', () => {
  const stream = Buffer.concat([
    handFrame(1, Opcode.OPTIONS, Buffer.alloc(0)),
    handFrame(2, Opcode.PREPARE, Buffer.from('000000015a', 'hex')),
    handFrame(0x7fff, Opcode.QUERY, Buffer.alloc(300, 0x33)),
    handFrame(4, Opcode.OPTIONS, Buffer.alloc(0)),
  ]);
  const expected = [
    { stream: 1, opcode: Opcode.OPTIONS, body: '' },
    { stream: 2, opcode: Opcode.PREPARE, body: '000000015a' },
    { stream: 0x7fff, opcode: Opcode.QUERY, body: '33'.repeat(300) },
    { stream: 4, opcode: Opcode.OPTIONS, body: '' },
  ];

  it('yields many frames from one chunk', () => {
    assert.deepEqual(frames(new FrameDecoder().push(stream)), expected);
  });

  it('yields the same frames when the bytes are split at every position, in two and three chunks', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder();
      const results = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      assert.deepEqual(frames(results), expected, `split at ${cut}`);
      assert.equal(decoder.bufferedByteCount, 0);
    }
    for (let cut = 0; cut < stream.length; cut += 7) {
      const decoder = new FrameDecoder();
      const second = Math.min(stream.length, cut + 5);
      const results = [
        ...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut, second)), ...decoder.push(stream.subarray(second)),
      ];
      assert.deepEqual(frames(results), expected, `split at ${cut} and ${second}`);
    }
  });

  it('yields the same frames fed one byte at a time', () => {
    const decoder = new FrameDecoder();
    const results: FrameDecodeResult[] = [];
    for (const byte of stream) results.push(...decoder.push(Buffer.from([byte])));
    assert.deepEqual(frames(results), expected);
  });

  it('decodes frames of every sample request', () => {
    const bytes = Buffer.concat(sampleRequests().map((request, index) => encodeRequest(index, request)));
    const results = new FrameDecoder().push(bytes);
    assert.equal(results.length, sampleRequests().length);
  });

  it('with discardBytesMax, refuses an oversized frame, skips its body as it arrives in pieces, and goes on', () => {
    const decoder = new FrameDecoder({ bodyBytesMax: 100, discardBytesMax: 1000 });
    const big = handFrame(7, Opcode.QUERY, Buffer.alloc(500, 0x61));
    const bytes = Buffer.concat([big, handFrame(8, Opcode.OPTIONS, Buffer.alloc(0))]);
    const results: FrameDecodeResult[] = [];
    for (let at = 0; at < bytes.length; at += 37) results.push(...decoder.push(bytes.subarray(at, at + 37)));
    assert.equal(results.length, 2);
    const refused = results[0];
    assert.ok(refused?.kind === 'refused');
    assert.equal(refused.stream, 7);
    assert.match(refused.error.message, /Request is too big: length 500 exceeds maximum allowed length 100/);
    assert.deepEqual(frames(results.slice(1)), [{ stream: 8, opcode: Opcode.OPTIONS, body: '' }]);
    assert.equal(decoder.isStopped, false);
    assert.equal(decoder.bufferedByteCount, 0);
    // Longer than discardBytesMax: refused and stopped, as without it.
    const huge = Buffer.from('0400000907000007d1', 'hex');
    const [stopped] = decoder.push(huge);
    assert.ok(stopped?.kind === 'error');
    assert.ok(decoder.isStopped);
  });

  it('refuses an oversized body from its header alone, with the stream id, then stops', () => {
    const decoder = new FrameDecoder({ bodyBytesMax: 100 });
    const header = Buffer.from('0400002a07', 'hex');
    const length = Buffer.alloc(4);
    length.writeInt32BE(101);
    const results = decoder.push(Buffer.concat([handFrame(1, Opcode.OPTIONS, Buffer.alloc(0)), header, length]));
    assert.equal(results.length, 2);
    const error = results[1];
    assert.ok(error?.kind === 'error');
    assert.equal(error.stream, 42);
    assert.equal(error.error.code, ErrorCode.ProtocolError);
    assert.match(error.error.message, /101 exceeds maximum allowed length 100/);
    assert.ok(decoder.isStopped);
    assert.deepEqual(decoder.push(handFrame(1, Opcode.OPTIONS, Buffer.alloc(0))), []);
    assert.equal(decoder.bufferedByteCount, 0);
  });

  it('refuses the default 256 MiB bound plus one without buffering', () => {
    const header = Buffer.from('040000050700000000', 'hex');
    header.writeInt32BE(256 * 1024 * 1024 + 1, 5);
    const [result] = new FrameDecoder().push(header);
    assert.ok(result?.kind === 'error' && result.stream === 5);
  });

  it('refuses a negative body length', () => {
    const [result] = new FrameDecoder().push(Buffer.from('0400000707ffffffff', 'hex'));
    assert.ok(result?.kind === 'error');
    assert.equal(result.stream, 7);
    assert.match(result.error.message, /Invalid frame body length -1/);
  });

  it('reports other protocol versions with their stream id', () => {
    // Node.js driver: DSE v2 (0x42) with a v3+ header; Python: v5; both 9-byte headers.
    for (const [versionByte, streamId] of [[0x42, 0], [0x05, 300], [0x03, 1]] as const) {
      const bytes = handFrame(streamId, Opcode.STARTUP, Buffer.alloc(22), versionByte);
      for (let cut = 0; cut <= 9; cut++) {
        const decoder = new FrameDecoder();
        const results = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
        assert.deepEqual(results, [{ kind: 'unsupportedVersion', version: versionByte, stream: streamId }]);
      }
    }
    // v1 and v2 headers are 8 bytes with a one-byte stream id.
    const legacy = Buffer.from([0x02, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00]);
    assert.deepEqual(new FrameDecoder().push(legacy), [{ kind: 'unsupportedVersion', version: 2, stream: 5 }]);
    assert.deepEqual(new FrameDecoder().push(legacy.subarray(0, 7)), []);
  });

  it('in a handshake: frames of every offered version until STARTUP, then a pause until pin or detach', () => {
    const options = handFrame(1, Opcode.OPTIONS, Buffer.alloc(0), 0x05);
    const startup = handFrame(2, Opcode.STARTUP, Buffer.from('0000', 'hex'), 0x05);
    const behind = Buffer.from('deadbeef', 'hex');
    const bytes = Buffer.concat([options, startup, behind]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = new FrameDecoder({ handshakeVersions: [4, 5] });
      const results = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
      assert.deepEqual(frames(results).map((f) => f.stream), [1, 2], `split at ${cut}`);
      assert.equal(decoder.startupVersion, 5);
      assert.deepEqual(decoder.detach(), behind, 'the bytes behind STARTUP are handed back untouched');
      assert.ok(decoder.isStopped);
    }
    // A v4 STARTUP: pinned, the frames behind it are cut, and v5 is no longer accepted.
    const decoder = new FrameDecoder({ handshakeVersions: [4, 5] });
    const v4 = Buffer.concat([handFrame(1, Opcode.STARTUP, Buffer.from('0000', 'hex')), handFrame(2, Opcode.OPTIONS, Buffer.alloc(0))]);
    assert.deepEqual(frames(decoder.push(v4)).map((f) => f.stream), [1]);
    decoder.pin(4);
    assert.equal(decoder.startupVersion, null);
    assert.deepEqual(frames(decoder.push(Buffer.alloc(0))).map((f) => f.stream), [2]);
    assert.deepEqual(decoder.push(handFrame(3, Opcode.OPTIONS, Buffer.alloc(0), 0x05)), [{ kind: 'unsupportedVersion', version: 5, stream: 3 }]);
    // Without a handshake a STARTUP is an ordinary frame.
    assert.deepEqual(frames(new FrameDecoder().push(v4)).map((f) => f.stream), [1, 2]);
  });

  it('passes response frames through (the codec rejects them by direction)', () => {
    const response = Buffer.from('840000010200000000', 'hex');
    const [result] = new FrameDecoder().push(response);
    assert.ok(result?.kind === 'frame' && result.frame.header.isResponse);
  });

  it('never throws on corrupted streams cut into random chunks; decoding yields only ProtocolErrors', () => {
    let state = 2024;
    const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
    const clean = Buffer.concat(sampleRequests().map((request, index) => encodeRequest(index, request)));
    for (let round = 0; round < 300; round++) {
      const bytes = Buffer.from(clean);
      for (let flip = 0; flip < 1 + (next() % 4); flip++) bytes[next() % bytes.length] = next() & 0xff;
      const decoder = new FrameDecoder({ bodyBytesMax: 4096 });
      for (let offset = 0; offset < bytes.length;) {
        const end = Math.min(bytes.length, offset + 1 + (next() % 64));
        for (const result of decoder.push(bytes.subarray(offset, end))) {
          if (result.kind !== 'frame') continue;
          try {
            decodeRequest(result.frame.header, result.frame.body);
          } catch (error) {
            assert.ok(error instanceof CqlError && error.code === ErrorCode.ProtocolError, String(error));
          }
        }
        offset = end;
      }
    }
  });
});
