// The message layouts protocol v5 changed (native_protocol_v5.spec sections 4 and 8): bodies
// are built here byte by byte from the spec, then decoded, and the codecs' own output compared.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConsistencyLevel } from '../common/consistency.js';
import { CqlError, ErrorCode } from '../common/errors.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, responseBodySize } from './codec.js';
import { decodeFrameHeader } from './frame.js';
import { Opcode, type FrameHeader, type RequestMessage, type ResponseMessage } from './messages.js';
import { defaultQueryParameters } from './query-parameters.js';
import { resultMetadataId } from './result.js';
import { sampleColumns, sampleRequests, sampleRequestsV5, sampleResponses, sampleResponsesV5 } from '../../../test/fixtures/protocol-messages.js';

const header = (opcode: number, isResponse = false): FrameHeader => ({ version: 5, isResponse, flags: 0, stream: 0, opcode, bodyLength: 0 });
const hex = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const isProtocolError = (error: unknown) => error instanceof CqlError && error.code === ErrorCode.ProtocolError;

function bodyOf(frame: Buffer): { header: FrameHeader; body: Buffer } {
  return { header: decodeFrameHeader(frame), body: frame.subarray(9) };
}

describe('v5 requests', () => {
  it('QUERY: [int] flags, then the keyspace and now_in_seconds after the timestamp', () => {
    const body = hex(`
      00000005 73656c6563
      0001 00000180
      0002 6b73
      00000064`);
    const request = decodeRequest(header(Opcode.QUERY), body);
    assert.deepEqual(request, { opcode: Opcode.QUERY, query: 'selec', parameters: { ...defaultQueryParameters(ConsistencyLevel.ONE), keyspace: 'ks', nowInSeconds: 100 } });
    assert.deepEqual(bodyOf(encodeRequest(0, request, { version: 5 })).body, body);
    // The same flags as a v4 [byte] are refused: 0x80 is not a v4 flag.
    assert.throws(() => decodeRequest({ ...header(Opcode.QUERY), version: 4 }, hex('00000000 0001 80')), /Unknown query flags 0x80/);
    assert.throws(() => decodeRequest(header(Opcode.QUERY), hex('00000000 0001 00000200')), /Unknown query flags 0x200/);
    assert.throws(() => decodeRequest(header(Opcode.QUERY), hex('00000000 0001 00000080 0000')), /Empty keyspace/);
  });

  it('PREPARE: the query, [int] flags, and the keyspace with flag 0x01', () => {
    const body = hex('00000001 2a 00000001 0001 6b');
    assert.deepEqual(decodeRequest(header(Opcode.PREPARE), body), { opcode: Opcode.PREPARE, query: '*', keyspace: 'k' });
    assert.deepEqual(decodeRequest(header(Opcode.PREPARE), hex('00000001 2a 00000000')), { opcode: Opcode.PREPARE, query: '*' });
    assert.throws(() => decodeRequest(header(Opcode.PREPARE), hex('00000001 2a 00000002')), /Unknown PREPARE flags 0x2/);
    assert.throws(() => decodeRequest(header(Opcode.PREPARE), hex('00000001 2a')), isProtocolError);
    assert.deepEqual(bodyOf(encodeRequest(0, { opcode: Opcode.PREPARE, query: '*', keyspace: 'k' }, { version: 5 })).body, body);
  });

  it('EXECUTE: the result metadata id between the statement id and the parameters', () => {
    const body = hex('0002 abcd 0003 010203 0004 00000002');
    const request = decodeRequest(header(Opcode.EXECUTE), body);
    assert.deepEqual(request, {
      opcode: Opcode.EXECUTE, id: hex('abcd'),
      parameters: { ...defaultQueryParameters(ConsistencyLevel.QUORUM), skipMetadata: true, resultMetadataId: hex('010203') },
    });
    assert.deepEqual(bodyOf(encodeRequest(0, request, { version: 5 })).body, body);
  });

  it('BATCH: [int] flags with the keyspace and now_in_seconds', () => {
    const body = hex(`
      01 0001 00 00000001 71 0000
      0001 000001a0
      0000000000000009
      0002 6b73
      0000000a`);
    assert.deepEqual(decodeRequest(header(Opcode.BATCH), body), {
      opcode: Opcode.BATCH,
      batch: {
        type: 1, statements: [{ kind: 'query', query: 'q', values: [] }], consistency: ConsistencyLevel.ONE,
        serialConsistency: null, defaultTimestamp: 9n, keyspace: 'ks', nowInSeconds: 10,
      },
    });
    assert.throws(() => decodeRequest(header(Opcode.BATCH), hex('01 0000 0001 00000001')), /Invalid BATCH flags 0x1/);
  });

  it('round-trip every v5 sample, and every prefix of one is a ProtocolError', () => {
    for (const request of sampleRequestsV5()) {
      const { header: decodedHeader, body } = bodyOf(encodeRequest(3, request, { version: 5 }));
      assert.equal(decodedHeader.version, 5);
      assert.deepEqual(decodeRequest(decodedHeader, body), request);
      for (let length = 0; length < body.length; length++) {
        assert.throws(() => decodeRequest(decodedHeader, body.subarray(0, length)), isProtocolError, `${request.opcode} cut at ${length}`);
      }
    }
  });

  it('requests without v5 fields read the same at v4 and v5, but for what v5 always carries', () => {
    for (const request of sampleRequests()) {
      const { header: decodedHeader, body } = bodyOf(encodeRequest(3, request, { version: 5 }));
      const decoded = decodeRequest(decodedHeader, body);
      const expected: RequestMessage =
        request.opcode === Opcode.EXECUTE ? { ...request, parameters: { ...request.parameters, resultMetadataId: Buffer.alloc(0) } } : request;
      assert.deepEqual(decoded, expected);
    }
  });
});

describe('v5 responses', () => {
  it('Prepared: the result metadata id after the statement id', () => {
    const prepared: ResponseMessage = {
      opcode: Opcode.RESULT,
      result: {
        kind: 'prepared', id: hex('0102'), metadata: { columns: [], partitionKeyIndices: [] },
        resultMetadata: { columns: null, columnCount: 0, pagingState: null }, resultMetadataId: hex('0a0b0c'),
      },
    };
    const body = hex('00000004 0002 0102 0003 0a0b0c 00000000 00000000 00000000 00000004 00000000');
    assert.deepEqual(bodyOf(encodeResponse(0, prepared, { version: 5 })).body, body);
    assert.deepEqual(decodeResponse(header(Opcode.RESULT, true), body), prepared);
    // v4 has no such id.
    assert.deepEqual(bodyOf(encodeResponse(0, prepared)).body, hex('00000004 0002 0102 00000000 00000000 00000000 00000004 00000000'));
  });

  it('Prepared without an id gets the one its result columns have, which tells columns apart', () => {
    const result = { kind: 'prepared' as const, id: hex('01'), metadata: { columns: [], partitionKeyIndices: [] }, resultMetadata: { columns: sampleColumns, columnCount: 5, pagingState: null } };
    const decoded = decodeResponse(header(Opcode.RESULT, true), bodyOf(encodeResponse(0, { opcode: Opcode.RESULT, result }, { version: 5 })).body);
    assert.ok(decoded.opcode === Opcode.RESULT && decoded.result.kind === 'prepared');
    assert.deepEqual(decoded.result.resultMetadataId, resultMetadataId(sampleColumns));
    assert.equal(resultMetadataId(sampleColumns).length, 16);
    assert.deepEqual(resultMetadataId(sampleColumns), resultMetadataId(sampleColumns.map((column) => ({ ...column }))));
    assert.notDeepEqual(resultMetadataId(sampleColumns), resultMetadataId(sampleColumns.slice(0, 4)));
    const renamed = sampleColumns.map((column, index) => (index === 1 ? { ...column, name: 'other' } : column));
    assert.notDeepEqual(resultMetadataId(sampleColumns), resultMetadataId(renamed));
    const retyped = sampleColumns.map((column, index) => (index === 0 ? { ...column, type: { kind: 'native' as const, name: 'bigint' as const } } : column));
    assert.notDeepEqual(resultMetadataId(sampleColumns), resultMetadataId(retyped));
  });

  it('Rows: Metadata_changed carries the new id after the paging state, and the columns', () => {
    const rows: ResponseMessage = {
      opcode: Opcode.RESULT,
      result: {
        kind: 'rows',
        metadata: { columns: [{ keyspace: 'k', table: 't', name: 'c', type: { kind: 'native', name: 'int' } }], columnCount: 1, pagingState: hex('ff'), newMetadataId: hex('0909') },
        rows: [],
      },
    };
    const body = hex('00000002 0000000b 00000001 00000001ff 0002 0909 0001 6b 0001 74 0001 63 0009 00000000');
    assert.deepEqual(bodyOf(encodeResponse(0, rows, { version: 5 })).body, body);
    assert.deepEqual(decodeResponse(header(Opcode.RESULT, true), body), rows);
    // v4 clients hold no id, so they never see the flag.
    assert.deepEqual(bodyOf(encodeResponse(0, rows)).body, hex('00000002 00000003 00000001 00000001ff 0001 6b 0001 74 0001 63 0009 00000000'));
    assert.throws(() => decodeResponse(header(Opcode.RESULT, true), hex('00000002 0000000c 00000000 0000')), /Metadata_changed and No_metadata/);
    assert.throws(() => decodeResponse({ ...header(Opcode.RESULT, true), version: 4 }, body), /Unknown rows metadata flags 0xb/);
  });

  it('Read_failure and Write_failure: the reason map of [inetaddr] and [short] in place of the count', () => {
    const failure: ResponseMessage = {
      opcode: Opcode.ERROR, code: ErrorCode.ReadFailure, message: 'x',
      details: { kind: 'readFailure', consistency: ConsistencyLevel.ONE, received: 0, blockFor: 1, numFailures: 1, dataPresent: false, reasons: [{ endpoint: '10.0.0.2', reason: 0x0002 }] },
    };
    const body = hex('00001300 0001 78 0001 00000000 00000001 00000001 04 0a000002 0002 00');
    assert.deepEqual(bodyOf(encodeResponse(0, failure, { version: 5 })).body, body);
    assert.deepEqual(decodeResponse(header(Opcode.ERROR, true), body), failure);
    // v4 sends how many replicas failed.
    assert.deepEqual(bodyOf(encodeResponse(0, failure)).body, hex('00001300 0001 78 0001 00000000 00000001 00000001 00'));
    assert.throws(() => decodeResponse(header(Opcode.ERROR, true), hex('00001300 0001 78 0001 00000000 00000001 7fffffff')), /Invalid reason map size/);
  });

  it('Write_timeout of a CAS write: the contentions [short] after the write type', () => {
    const timeout: ResponseMessage = {
      opcode: Opcode.ERROR, code: ErrorCode.WriteTimeout, message: 'x',
      details: { kind: 'writeTimeout', consistency: ConsistencyLevel.SERIAL, received: 0, blockFor: 2, writeType: 'CAS', contentions: 4 },
    };
    const body = hex('00001100 0001 78 0008 00000000 00000002 0003 434153 0004');
    assert.deepEqual(bodyOf(encodeResponse(0, timeout, { version: 5 })).body, body);
    assert.deepEqual(decodeResponse(header(Opcode.ERROR, true), body), timeout);
  });

  it('round-trip every v5 sample with exact sizes, and every prefix of one is a ProtocolError', () => {
    for (const response of [...sampleResponsesV5(), ...sampleResponses().filter((r) => r.opcode !== Opcode.ERROR)]) {
      const frame = encodeResponse(-1, response, { version: 5 });
      const { header: decodedHeader, body } = bodyOf(frame);
      assert.equal(frame.readUInt8(0), 0x85);
      const decoded = decodeResponse(decodedHeader, body);
      if (response.opcode === Opcode.RESULT && response.result.kind === 'prepared' && response.result.resultMetadataId === undefined) {
        assert.ok(decoded.opcode === Opcode.RESULT && decoded.result.kind === 'prepared' && decoded.result.resultMetadataId?.length === 16);
      } else {
        assert.deepEqual(decoded, response);
      }
      if (response.opcode !== Opcode.ERROR && response.opcode !== Opcode.EVENT) assert.equal(responseBodySize(response, 5), body.length);
      for (let length = 0; length < body.length; length++) {
        assert.throws(() => decodeResponse(decodedHeader, body.subarray(0, length)), isProtocolError, `cut at ${length}`);
      }
    }
  });
});
