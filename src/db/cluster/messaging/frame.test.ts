import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { CorruptionError } from '../../common/errors.js';
import { internodePayloadBytesMax } from '../../common/limits.js';
import { decodeFrame, encodeFrame, encodedFrameSize, FrameSplitter, MessageFlag, type Message } from './frame.js';
import { isRequestVerb, verbForId, verbInfo, verbs } from './verbs.js';

/** A frame assembled by hand from the layout in frame.ts's header comment. */
function handFrame(options: { verbId: number; id: number; flags: number; payload: Buffer }): Buffer {
  const header = Buffer.alloc(16);
  header.write('AERI', 0, 'latin1');
  header.writeUInt8(1, 4);
  header.writeUInt8(options.flags, 5);
  header.writeUInt16BE(options.verbId, 6);
  header.writeUInt32BE(options.id, 8);
  header.writeUInt32BE(options.payload.length, 12);
  const headerCrc = Buffer.alloc(4);
  headerCrc.writeUInt32BE(crc32(header));
  const payloadCrc = Buffer.alloc(4);
  payloadCrc.writeUInt32BE(crc32(options.payload));
  return Buffer.concat([header, headerCrc, options.payload, payloadCrc]);
}

const sample: Message = { verb: 'MUTATION', id: 0xdeadbeef, flags: MessageFlag.expectsResponse, payload: Buffer.from('hello, ring') };

test('verb table: ids unique, requests answer with a response verb and have a timeout', () => {
  assert.equal(new Set(verbs.map((v) => v.id)).size, verbs.length);
  assert.equal(verbInfo('MUTATION').responseVerb, 'MUTATION_RSP');
  assert.equal(verbInfo('MUTATION').timeoutMs, 2000);
  assert.equal(verbInfo('READ').timeoutMs, 5000);
  assert.equal(verbForId(7), 'MUTATION');
  assert.equal(verbForId(12345), undefined);
  assert.ok(isRequestVerb('ECHO'));
  assert.ok(!isRequestVerb('GOSSIP_DIGEST_SYN'));
});

test('encodeFrame matches the hand-built layout and round-trips', () => {
  const expected = handFrame({ verbId: 7, id: 0xdeadbeef, flags: 4, payload: sample.payload });
  const encoded = encodeFrame(sample);
  assert.deepEqual(encoded, expected);
  assert.equal(encoded.length, encodedFrameSize(sample));
  const decoded = decodeFrame(encoded, 'test');
  assert.equal(decoded.verb, 'MUTATION');
  assert.equal(decoded.id, 0xdeadbeef);
  assert.equal(decoded.flags, 4);
  assert.deepEqual(decoded.payload, sample.payload);
});

test('empty payload round-trips', () => {
  const message: Message = { verb: 'GOSSIP_SHUTDOWN', id: 0, flags: 0, payload: Buffer.alloc(0) };
  assert.deepEqual(decodeFrame(encodeFrame(message), 'test'), message);
});

test('FrameSplitter yields the same frames at every split point', () => {
  const frames = [encodeFrame(sample), encodeFrame({ verb: 'ECHO_RSP', id: 3, flags: MessageFlag.response, payload: Buffer.alloc(0) })];
  const stream = Buffer.concat(frames);
  for (let split = 0; split <= stream.length; split++) {
    const splitter = new FrameSplitter('test');
    const out = [...splitter.push(stream.subarray(0, split)), ...splitter.push(stream.subarray(split))];
    assert.deepEqual(out, frames, `split at ${split}`);
    assert.equal(splitter.bufferedBytes(), 0);
  }
  const splitter = new FrameSplitter('test');
  const out: Buffer[] = [];
  for (const byte of stream) out.push(...splitter.push(Buffer.from([byte])));
  assert.deepEqual(out, frames);
});

test('truncated frames are rejected, never decoded short', () => {
  const frame = encodeFrame(sample);
  for (let length = 0; length < frame.length; length++) {
    assert.throws(() => decodeFrame(frame.subarray(0, length), 'test'), CorruptionError, `length ${length}`);
  }
  assert.throws(() => decodeFrame(Buffer.concat([frame, Buffer.from([0])]), 'test'), CorruptionError);
});

test('every corrupted byte is caught', () => {
  const frame = encodeFrame(sample);
  for (let index = 0; index < frame.length; index++) {
    const corrupt = Buffer.from(frame);
    corrupt[index] = (corrupt[index] as number) ^ 0x10;
    assert.throws(() => decodeFrame(corrupt, 'test'), CorruptionError, `byte ${index}`);
    // The splitter checks headers; payload checksums are checked when the frame is decoded.
    assert.throws(() => new FrameSplitter('test').push(corrupt).map((f) => decodeFrame(f, 'test')), CorruptionError, `splitter byte ${index}`);
  }
});

test('unknown verb, flags and version are rejected even with valid checksums', () => {
  const payload = Buffer.from('x');
  assert.throws(() => decodeFrame(handFrame({ verbId: 999, id: 1, flags: 0, payload }), 'test'), /unknown verb id 999/);
  assert.throws(() => decodeFrame(handFrame({ verbId: 7, id: 1, flags: 0x80, payload }), 'test'), /unknown internode flags/);
  const badVersion = handFrame({ verbId: 7, id: 1, flags: 0, payload });
  badVersion.writeUInt8(2, 4);
  badVersion.writeUInt32BE(crc32(badVersion.subarray(0, 16)), 16);
  assert.throws(() => decodeFrame(badVersion, 'test'), /unsupported internode version 2/);
});

test('an oversized length is refused from the header alone, before buffering', () => {
  const header = handFrame({ verbId: 7, id: 1, flags: 0, payload: Buffer.alloc(0) }).subarray(0, 20);
  header.writeUInt32BE(internodePayloadBytesMax + 1, 12);
  header.writeUInt32BE(crc32(header.subarray(0, 16)), 16);
  const splitter = new FrameSplitter('peer 10.0.0.1:7000');
  assert.throws(() => splitter.push(header), (error: unknown) => error instanceof CorruptionError && /exceeds/.test(error.message) && /10\.0\.0\.1/.test(error.message));
});
