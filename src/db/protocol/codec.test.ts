import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConsistencyLevel } from '../common/consistency.js';
import { CqlError, ErrorCode } from '../common/errors.js';
import {
  decodeRequest,
  decodeResponse,
  decodeResponseEnvelope,
  encodeRequest,
  encodeResponse,
  protocolErrorFrame,
  responseBodySize,
  unsupportedVersionFrame,
} from './codec.js';
import { decompressBody } from './compression.js';
import { decodeFrameHeader } from './frame.js';
import { Opcode, UNSET, type FrameHeader } from './messages.js';
import { AUTH_RESPONSE, OPTIONS, PREPARE, REGISTER, STARTUP } from './requests.js';
import { sampleRequests, sampleResponses } from '../../../test/fixtures/protocol-messages.js';

function split(frame: Buffer): { header: FrameHeader; body: Buffer } {
  const header = decodeFrameHeader(frame);
  const raw = frame.subarray(9);
  assert.equal(header.bodyLength, raw.length);
  return { header, body: (header.flags & 0x01) !== 0 ? decompressBody(raw) : raw };
}

/** A small deterministic generator (xorshift32), so a failing corruption reproduces. */
function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x100000000;
  };
}

function expectProtocolErrorOrValue(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    if (!(error instanceof CqlError) || error.code !== ErrorCode.ProtocolError) {
      assert.fail(`expected a ProtocolError, got ${error instanceof Error ? error.stack : String(error)}`);
    }
  }
}

describe('request codecs', () => {
  it('round-trips every sample request, plain and compressed', () => {
    for (const request of sampleRequests()) {
      for (const compress of [false, true]) {
        const { header, body } = split(encodeRequest(5, request, { compress }));
        assert.equal(header.version, 4);
        assert.equal(header.isResponse, false);
        assert.equal(header.stream, 5);
        assert.deepEqual(decodeRequest(header, body), request);
      }
    }
  });

  it('knows the exact body size of the requests whose codec has encodedSize', () => {
    const codecs = new Map<number, { encodedSize?: (message: never) => number }>([
      [Opcode.STARTUP, STARTUP], [Opcode.AUTH_RESPONSE, AUTH_RESPONSE], [Opcode.OPTIONS, OPTIONS], [Opcode.PREPARE, PREPARE], [Opcode.REGISTER, REGISTER],
    ]);
    for (const request of sampleRequests()) {
      const size = codecs.get(request.opcode)?.encodedSize?.(request as never);
      if (size !== undefined) assert.equal(size, encodeRequest(0, request).length - 9);
    }
  });

  it('encodes QUERY exactly as the spec lays it out', () => {
    const frame = encodeRequest(1, {
      opcode: Opcode.QUERY,
      query: 'X',
      parameters: {
        consistency: ConsistencyLevel.ONE, values: [Buffer.from([0xab]), null, UNSET], names: null, skipMetadata: false,
        pageSize: 100, pagingState: null, serialConsistency: null, defaultTimestamp: 7n,
      },
    });
    const expected = Buffer.from([
      0x04, 0x00, 0x00, 0x01, 0x07, 0x00, 0x00, 0x00, 0x23, // header, body length 35
      0x00, 0x00, 0x00, 0x01, 0x58, // [long string] 'X'
      0x00, 0x01, 0x25, // ONE, flags values|page size|timestamp
      0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0xab, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
      0x00, 0x00, 0x00, 0x64, // page size
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, // timestamp
    ]);
    assert.equal(frame.toString('hex'), expected.toString('hex'));
  });

  it('decodes a STARTUP built by hand', () => {
    const body = Buffer.concat([
      Buffer.from([0x00, 0x01, 0x00, 0x0b]), Buffer.from('CQL_VERSION'), Buffer.from([0x00, 0x05]), Buffer.from('3.0.0'),
    ]);
    const header: FrameHeader = { version: 4, isResponse: false, flags: 0, stream: 0, opcode: Opcode.STARTUP, bodyLength: body.length };
    assert.deepEqual(decodeRequest(header, body), { opcode: Opcode.STARTUP, options: new Map([['CQL_VERSION', '3.0.0']]) });
  });

  it('skips a custom payload before the body', () => {
    const body = Buffer.concat([
      Buffer.from([0x00, 0x01, 0x00, 0x01, 0x6b, 0x00, 0x00, 0x00, 0x01, 0x76]),
      Buffer.from([0x00, 0x00, 0x00, 0x01, 0x51]), Buffer.from([0x00, 0x01, 0x00]),
    ]);
    const header: FrameHeader = { version: 4, isResponse: false, flags: 0x04, stream: 0, opcode: Opcode.QUERY, bodyLength: body.length };
    const request = decodeRequest(header, body);
    assert.equal(request.opcode, Opcode.QUERY);
  });

  it('rejects unknown opcodes, response opcodes, response frames and trailing bytes', () => {
    const header = (opcode: number, isResponse = false): FrameHeader => ({ version: 4, isResponse, flags: 0, stream: 0, opcode, bodyLength: 0 });
    assert.throws(() => decodeRequest(header(0x04), Buffer.alloc(0)), /Unknown opcode 0x04/);
    assert.throws(() => decodeRequest(header(0x42), Buffer.alloc(0)), /Unknown opcode/);
    assert.throws(() => decodeRequest(header(Opcode.RESULT), Buffer.alloc(0)), /RESULT is not a request/);
    assert.throws(() => decodeRequest(header(Opcode.OPTIONS, true), Buffer.alloc(0)), /response frame/);
    assert.throws(() => decodeRequest(header(Opcode.OPTIONS), Buffer.from([0])), (error: unknown) =>
      error instanceof CqlError && error.code === ErrorCode.ProtocolError && /extra byte/.test(error.message));
  });

  it('rejects bad values inside messages with ProtocolErrors', () => {
    const header = (opcode: number): FrameHeader => ({ version: 4, isResponse: false, flags: 0, stream: 0, opcode, bodyLength: 0 });
    const query = (tail: number[]) => Buffer.concat([Buffer.from([0, 0, 0, 0]), Buffer.from(tail)]);
    assert.throws(() => decodeRequest(header(Opcode.QUERY), query([0x00, 0x0b, 0x00])), /Unknown consistency level 0x000b/);
    assert.throws(() => decodeRequest(header(Opcode.QUERY), query([0x00, 0x01, 0x80])), /Unknown query flags/);
    assert.throws(() => decodeRequest(header(Opcode.QUERY), query([0x00, 0x01, 0x01, 0x00, 0x01, 0xff, 0xff, 0xff, 0xfd])), /Invalid bound value length -3/);
    assert.throws(() => decodeRequest(header(Opcode.QUERY), query([0x00, 0x01, 0x01, 0xff, 0xff])), /Invalid value count 65535/);
    assert.throws(() => decodeRequest(header(Opcode.BATCH), Buffer.from([3, 0, 0, 0, 1, 0])), /Invalid BATCH type 3/);
    assert.throws(() => decodeRequest(header(Opcode.BATCH), Buffer.from([0, 0, 0, 0, 1, 0x40])), /Invalid BATCH flags/);
    assert.throws(() => decodeRequest(header(Opcode.REGISTER), Buffer.from([0, 1, 0, 3, 0x46, 0x4f, 0x4f])), /Invalid value 'FOO'/);
    assert.throws(() => decodeRequest(header(Opcode.PREPARE), Buffer.from([0, 0, 0, 2, 0xc3, 0x28])), /Invalid UTF-8/);
  });

  it('produces only ProtocolErrors on every truncation and on random corruption', () => {
    const random = seeded(0xc0ffee);
    for (const request of sampleRequests()) {
      const { header, body } = split(encodeRequest(1, request));
      for (let length = 0; length < body.length; length++) {
        assert.throws(() => decodeRequest(header, body.subarray(0, length)), (error: unknown) =>
          error instanceof CqlError && error.code === ErrorCode.ProtocolError);
      }
      for (let round = 0; round < 300; round++) {
        const corrupt = Buffer.from(body);
        const flips = 1 + Math.floor(random() * 3);
        for (let flip = 0; flip < flips && corrupt.length > 0; flip++) {
          corrupt[Math.floor(random() * corrupt.length)] = Math.floor(random() * 256);
        }
        const flags = random() < 0.1 ? 0x04 : 0;
        expectProtocolErrorOrValue(() => decodeRequest({ ...header, flags }, corrupt));
      }
    }
  });
});

describe('response codecs', () => {
  it('round-trips every sample response, plain and compressed', () => {
    for (const response of sampleResponses()) {
      for (const compress of [false, true]) {
        const { header, body } = split(encodeResponse(-1, response, { compress }));
        assert.equal(header.isResponse, true);
        assert.equal(header.stream, -1);
        assert.deepEqual(decodeResponse(header, body), response);
      }
    }
  });

  it('knows the exact body size of every response whose codec has encodedSize', () => {
    for (const response of sampleResponses()) {
      if (response.opcode === Opcode.ERROR || response.opcode === Opcode.EVENT) continue;
      assert.equal(responseBodySize(response), encodeResponse(0, response).length - 9, JSON.stringify(response.opcode));
    }
  });

  it('carries tracing ids and warnings ahead of the body', () => {
    const tracingId = Buffer.alloc(16, 0xaa);
    const frame = encodeResponse(3, { opcode: Opcode.READY }, { tracingId, warnings: ['careful'] });
    const { header, body } = split(frame);
    assert.equal(header.flags, 0x02 | 0x08);
    assert.deepEqual(decodeResponseEnvelope(header, body), {
      message: { opcode: Opcode.READY }, tracingId, warnings: ['careful'], customPayload: null,
    });
  });

  it('encodes an Unavailable error byte for byte', () => {
    const frame = encodeResponse(7, {
      opcode: Opcode.ERROR, code: ErrorCode.Unavailable, message: 'no',
      details: { kind: 'unavailable', consistency: ConsistencyLevel.ALL, required: 3, alive: 1 },
    });
    assert.equal(frame.toString('hex'), '840000070000000012' + '00001000' + '00026e6f' + '0005' + '00000003' + '00000001');
  });

  it('encodes a Rows result with a global table spec as the spec lays it out', () => {
    const frame = encodeResponse(0, {
      opcode: Opcode.RESULT,
      result: {
        kind: 'rows',
        metadata: { columns: [{ keyspace: 'k', table: 't', name: 'c', type: { kind: 'native', name: 'varchar' } }], columnCount: 1, pagingState: null },
        rows: [[Buffer.from('v')], [null]],
      },
    });
    const body = '00000002' + '00000001' + '00000001' + '00016b' + '000174' + '000163' + '000d' + '00000002' + '0000000176' + 'ffffffff';
    assert.equal(frame.subarray(9).toString('hex'), body);
  });

  it('answers unsupported versions with a v4 ProtocolError on the same stream', () => {
    const frame = unsupportedVersionFrame(12, 66);
    const { header, body } = split(frame);
    assert.deepEqual({ ...header, bodyLength: 0 }, { version: 4, isResponse: true, flags: 0, stream: 12, opcode: 0, bodyLength: 0 });
    const message = decodeResponse(header, body);
    assert.deepEqual(message, {
      opcode: Opcode.ERROR, code: ErrorCode.ProtocolError,
      message: 'Invalid or unsupported protocol version (66); supported versions are (4/v4, 5/v5)', details: { kind: 'none' },
    });
    assert.equal(protocolErrorFrame(1, 'x').readUInt8(0), 0x84);
  });

  it('sends a ServerError when details do not match the code, and cuts overlong messages', () => {
    const frame = encodeResponse(0, { opcode: Opcode.ERROR, code: ErrorCode.Unavailable, message: 'oops', details: { kind: 'none' } });
    const decoded = decodeResponse(...Object.values(split(frame)) as [FrameHeader, Buffer]);
    assert.deepEqual(decoded, { opcode: Opcode.ERROR, code: ErrorCode.ServerError, message: 'oops', details: { kind: 'none' } });
    const long = encodeResponse(0, { opcode: Opcode.ERROR, code: ErrorCode.Invalid, message: 'é'.repeat(40_000), details: { kind: 'none' } });
    const longMessage = decodeResponse(...Object.values(split(long)) as [FrameHeader, Buffer]);
    assert.ok(longMessage.opcode === Opcode.ERROR && longMessage.message.endsWith('[truncated]'));
  });

  it('produces only ProtocolErrors on every truncation and on random corruption', () => {
    const random = seeded(0xbeef);
    for (const response of sampleResponses()) {
      const { header, body } = split(encodeResponse(1, response));
      for (let length = 0; length < body.length; length++) {
        assert.throws(() => decodeResponse(header, body.subarray(0, length)), (error: unknown) =>
          error instanceof CqlError && error.code === ErrorCode.ProtocolError);
      }
      for (let round = 0; round < 200; round++) {
        const corrupt = Buffer.from(body);
        for (let flip = 0; flip < 2 && corrupt.length > 0; flip++) corrupt[Math.floor(random() * corrupt.length)] = Math.floor(random() * 256);
        const flags = Math.floor(random() * 16) & 0x0e;
        expectProtocolErrorOrValue(() => decodeResponse({ ...header, flags }, corrupt));
      }
    }
  });
});
