// Cross-checks against the DataStax Node.js driver, an implementation written independently
// of this one: frames the driver writes must decode here, and frames encoded here must parse
// with the driver's own reader.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { ConsistencyLevel } from '../common/consistency.js';
import { ErrorCode } from '../common/errors.js';
import { decodeRequest, encodeResponse } from './codec.js';
import { FrameDecoder } from './frame.js';
import { BatchType, Opcode, type RequestMessage, type ResponseMessage } from './messages.js';
import { sampleColumns } from '../../../test/fixtures/protocol-messages.js';

// The driver's internals have no type declarations, so they are used as `any` here.
const require = createRequire(import.meta.url);
const requests = require('cassandra-driver/lib/requests.js');
const { ExecutionOptions } = require('cassandra-driver/lib/execution-options.js');
const { FrameReader } = require('cassandra-driver/lib/readers.js');
const Encoder = require('cassandra-driver/lib/encoder.js');
const types = require('cassandra-driver/lib/types/index.js');

const encoder = new Encoder(4, {});

/** Options with every optional query field set. */
class FullOptions extends ExecutionOptions {
  getConsistency(): number { return types.consistencies.localQuorum; }
  getFetchSize(): number { return 250; }
  getPageState(): Buffer { return Buffer.from('beef', 'hex'); }
  getSerialConsistency(): number { return types.consistencies.localSerial; }
  getOrGenerateTimestamp(): unknown { return types.Long.fromString('1700000000000001'); }
  getCustomPayload(): unknown { return { tag: Buffer.from('x') }; }
  isQueryTracing(): boolean { return true; }
  getHints(): unknown[] { return []; }
  isBatchLogged(): boolean { return false; }
  isBatchCounter(): boolean { return false; }
  getKeyspace(): undefined { return undefined; }
  isPrepared(): boolean { return false; }
}

function decodeDriverFrame(frame: Buffer): RequestMessage {
  const results = new FrameDecoder().push(frame);
  assert.equal(results.length, 1);
  const result = results[0];
  assert.ok(result?.kind === 'frame');
  assert.equal(result.frame.header.stream, 17);
  return decodeRequest(result.frame.header, result.frame.body);
}

function driverReader(response: ResponseMessage): any {
  const frame = encodeResponse(3, response);
  const header = new types.FrameHeader(4, frame.readUInt8(1), 3, frame.readUInt8(4), frame.readInt32BE(5));
  return new FrameReader(header, frame.subarray(9));
}

describe('requests written by the Node.js driver', () => {
  it('decodes STARTUP, OPTIONS, REGISTER, PREPARE and AUTH_RESPONSE', () => {
    const startup = decodeDriverFrame(new requests.StartupRequest({ cqlVersion: '3.0.0', noCompact: false }).write(encoder, 17));
    assert.equal(startup.opcode, Opcode.STARTUP);
    assert.equal(startup.options.get('CQL_VERSION'), '3.0.0');
    assert.deepEqual(decodeDriverFrame(requests.options.write(encoder, 17)), { opcode: Opcode.OPTIONS });
    assert.deepEqual(decodeDriverFrame(new requests.RegisterRequest(['SCHEMA_CHANGE', 'STATUS_CHANGE']).write(encoder, 17)), {
      opcode: Opcode.REGISTER, events: ['SCHEMA_CHANGE', 'STATUS_CHANGE'],
    });
    assert.deepEqual(decodeDriverFrame(new requests.PrepareRequest('SELECT 1').write(encoder, 17)), { opcode: Opcode.PREPARE, query: 'SELECT 1' });
    assert.deepEqual(decodeDriverFrame(new requests.AuthResponseRequest(Buffer.from('\0u\0p')).write(encoder, 17)), {
      opcode: Opcode.AUTH_RESPONSE, token: Buffer.from('\0u\0p'),
    });
  });

  it('decodes a QUERY with every flag, a custom payload and named values', () => {
    const request = new requests.QueryRequest('INSERT INTO t (a, b) VALUES (:a, :b)', [{ name: 'a', value: 1 }, { name: 'b', value: null }], new FullOptions(), true);
    const decoded = decodeDriverFrame(request.write(encoder, 17));
    assert.ok(decoded.opcode === Opcode.QUERY);
    assert.deepEqual(decoded.parameters, {
      consistency: ConsistencyLevel.LOCAL_QUORUM,
      // Without type hints the driver sends a JS number as a double.
      values: [Buffer.from('3ff0000000000000', 'hex'), null],
      names: ['a', 'b'],
      skipMetadata: false,
      pageSize: 250,
      pagingState: Buffer.from('beef', 'hex'),
      serialConsistency: ConsistencyLevel.LOCAL_SERIAL,
      defaultTimestamp: 1_700_000_000_000_001n,
    });
  });

  it('decodes an EXECUTE and a BATCH', () => {
    const meta = { columns: [{ type: { code: types.dataTypes.int } }, { type: { code: types.dataTypes.text } }] };
    const execute = new requests.ExecuteRequest('q', Buffer.alloc(16, 5), [7, 'x'], new FullOptions(), meta);
    const decodedExecute = decodeDriverFrame(execute.write(encoder, 17));
    assert.ok(decodedExecute.opcode === Opcode.EXECUTE);
    assert.deepEqual(decodedExecute.id, Buffer.alloc(16, 5));
    assert.deepEqual(decodedExecute.parameters.values, [Buffer.from([0, 0, 0, 7]), Buffer.from('x')]);
    const batch = new requests.BatchRequest(
      [{ query: 'INSERT 1', params: [] }, { queryId: Buffer.alloc(16, 6), params: [3, 'y'], meta }],
      new FullOptions(),
    );
    const decodedBatch = decodeDriverFrame(batch.write(encoder, 17));
    assert.ok(decodedBatch.opcode === Opcode.BATCH);
    assert.deepEqual(decodedBatch.batch, {
      type: BatchType.UNLOGGED,
      statements: [
        { kind: 'query', query: 'INSERT 1', values: [] },
        { kind: 'prepared', id: Buffer.alloc(16, 6), values: [Buffer.from([0, 0, 0, 3]), Buffer.from('y')] },
      ],
      consistency: ConsistencyLevel.LOCAL_QUORUM,
      serialConsistency: ConsistencyLevel.LOCAL_SERIAL,
      defaultTimestamp: 1_700_000_000_000_001n,
    });
  });
});

describe('responses read by the Node.js driver', () => {
  it('reads a Prepared result (v4 layout with partition key indices) and its result metadata', () => {
    const reader = driverReader({
      opcode: Opcode.RESULT,
      result: {
        kind: 'prepared',
        id: Buffer.alloc(16, 2),
        metadata: { columns: sampleColumns.slice(0, 2), partitionKeyIndices: [1, 0] },
        resultMetadata: { columns: sampleColumns, columnCount: sampleColumns.length, pagingState: null },
      },
    });
    assert.equal(reader.readInt(), types.resultKind.prepared);
    assert.deepEqual(reader.readShortBytes(), Buffer.alloc(16, 2));
    const meta = reader.readMetadata(types.resultKind.prepared);
    assert.deepEqual(meta.partitionKeys, [1, 0]);
    assert.deepEqual(meta.columns.map((column: any) => [column.name, column.type.code]), [['id', 9], ['name', 13]]);
    assert.equal(meta.keyspace, 'ks');
    const resultMeta = reader.readMetadata(types.resultKind.rows);
    assert.equal(resultMeta.columns.length, sampleColumns.length);
    const legs = resultMeta.columns[2].type;
    assert.equal(legs.code, types.dataTypes.map);
    assert.equal(legs.info[1].info.code, types.dataTypes.tuple);
    const home = resultMeta.columns[3].type;
    assert.equal(home.code, types.dataTypes.udt);
    assert.deepEqual(home.info.fields.map((field: any) => field.name), ['street', 'zip']);
    assert.equal(resultMeta.columns[4].type.info, 'org.example.Custom');
    assert.equal(reader.remainingLength(), 0);
  });

  it('reads Rows metadata with a paging state and per-column table specs', () => {
    const reader = driverReader({
      opcode: Opcode.RESULT,
      result: {
        kind: 'rows',
        metadata: {
          columns: [{ keyspace: 'a', table: 'b', name: 'x', type: { kind: 'native', name: 'int' } }, { keyspace: 'c', table: 'd', name: 'y', type: { kind: 'native', name: 'text' } }],
          columnCount: 2,
          pagingState: Buffer.from('0102', 'hex'),
        },
        rows: [[Buffer.from([0, 0, 0, 1]), null]],
      },
    });
    assert.equal(reader.readInt(), types.resultKind.rows);
    const meta = reader.readMetadata(types.resultKind.rows);
    assert.deepEqual(meta.pageState, Buffer.from('0102', 'hex'));
    assert.deepEqual(meta.columns.map((column: any) => [column.ksname, column.tablename, column.name]), [['a', 'b', 'x'], ['c', 'd', 'y']]);
    assert.equal(reader.readInt(), 1);
    assert.deepEqual(reader.readBytes(), Buffer.from([0, 0, 0, 1]));
    assert.equal(reader.readBytes(), null);
  });

  it('reads error bodies', () => {
    const error = (code: ErrorCode, details: any): any =>
      driverReader({ opcode: Opcode.ERROR, code, message: 'm', details }).readError();
    const unavailable = error(ErrorCode.Unavailable, { kind: 'unavailable', consistency: ConsistencyLevel.QUORUM, required: 2, alive: 1 });
    assert.deepEqual([unavailable.code, unavailable.required, unavailable.alive], [0x1000, 2, 1]);
    const writeTimeout = error(ErrorCode.WriteTimeout, { kind: 'writeTimeout', consistency: ConsistencyLevel.ONE, received: 0, blockFor: 1, writeType: 'SIMPLE' });
    assert.deepEqual([writeTimeout.received, writeTimeout.blockFor, writeTimeout.writeType], [0, 1, 'SIMPLE']);
    const readFailure = error(ErrorCode.ReadFailure, { kind: 'readFailure', consistency: ConsistencyLevel.ONE, received: 0, blockFor: 1, numFailures: 1, dataPresent: true });
    assert.deepEqual([readFailure.failures, readFailure.isDataPresent], [1, 1]);
    const exists = error(ErrorCode.AlreadyExists, { kind: 'alreadyExists', keyspace: 'ks', table: 't' });
    assert.deepEqual([exists.keyspace, exists.table], ['ks', 't']);
    const unprepared = error(ErrorCode.Unprepared, { kind: 'unprepared', id: Buffer.alloc(16, 1) });
    assert.deepEqual(unprepared.queryId, Buffer.alloc(16, 1));
  });
});
