// Sample messages covering every opcode, result kind, error body, event and query flag,
// shared by the codec tests and usable by a fuzz client. Test support only.

import { ConsistencyLevel } from '../common/consistency.js';
import { ErrorCode } from '../common/errors.js';
import type { DataType } from './data-type.js';
import { BatchType, Opcode, UNSET, type ColumnSpec, type QueryParameters, type RequestMessage, type ResponseMessage } from './messages.js';
import { defaultQueryParameters } from './query-parameters.js';

const intType: DataType = { kind: 'native', name: 'int' };
const textType: DataType = { kind: 'native', name: 'text' };
const nestedType: DataType = {
  kind: 'map',
  key: textType,
  value: { kind: 'list', element: { kind: 'tuple', elements: [intType, { kind: 'native', name: 'uuid' }] }, frozen: false },
  frozen: false,
};
const udtType: DataType = {
  kind: 'udt', keyspace: 'ks', name: 'address', frozen: true,
  fields: [{ name: 'street', type: textType }, { name: 'zip', type: intType }],
};

export const sampleColumns: ColumnSpec[] = [
  { keyspace: 'ks', table: 'flights', name: 'id', type: intType },
  { keyspace: 'ks', table: 'flights', name: 'name', type: textType },
  { keyspace: 'ks', table: 'flights', name: 'legs', type: nestedType },
  { keyspace: 'ks', table: 'flights', name: 'home', type: udtType },
  { keyspace: 'ks', table: 'flights', name: 'blob', type: { kind: 'custom', className: 'org.example.Custom' } },
];
const mixedColumns: ColumnSpec[] = [
  { keyspace: 'ks', table: 'a', name: 'x', type: { kind: 'native', name: 'bigint' } },
  { keyspace: 'other', table: 'b', name: 'y', type: { kind: 'set', element: { kind: 'native', name: 'inet' }, frozen: false } },
];

export function sampleRequests(): RequestMessage[] {
  const full: QueryParameters = {
    consistency: ConsistencyLevel.LOCAL_QUORUM,
    values: [Buffer.from([0, 0, 0, 1]), null, UNSET, Buffer.alloc(0)],
    names: ['a', 'b', 'c', 'd'],
    skipMetadata: true,
    pageSize: 5000,
    pagingState: Buffer.from('cafe', 'hex'),
    serialConsistency: ConsistencyLevel.LOCAL_SERIAL,
    defaultTimestamp: 1_700_000_000_000_000n,
  };
  return [
    { opcode: Opcode.STARTUP, options: new Map([['CQL_VERSION', '3.0.0'], ['COMPRESSION', 'lz4']]) },
    { opcode: Opcode.AUTH_RESPONSE, token: Buffer.from('\0cassandra\0cassandra') },
    { opcode: Opcode.AUTH_RESPONSE, token: null },
    { opcode: Opcode.OPTIONS },
    { opcode: Opcode.QUERY, query: 'SELECT * FROM system.local', parameters: defaultQueryParameters(ConsistencyLevel.ONE) },
    { opcode: Opcode.QUERY, query: 'INSERT INTO t (a, b) VALUES (:a, :b) — ñ', parameters: full },
    { opcode: Opcode.QUERY, query: '', parameters: { ...full, names: null, pageSize: -1, defaultTimestamp: -(1n << 63n) } },
    { opcode: Opcode.PREPARE, query: 'SELECT * FROM t WHERE k = ?' },
    { opcode: Opcode.EXECUTE, id: Buffer.alloc(16, 7), parameters: { ...full, names: null, pagingState: null } },
    {
      opcode: Opcode.BATCH,
      batch: {
        type: BatchType.UNLOGGED,
        statements: [
          { kind: 'query', query: 'INSERT INTO t (k) VALUES (?)', values: [Buffer.from('x'), null, UNSET] },
          { kind: 'prepared', id: Buffer.alloc(16, 1), values: [] },
        ],
        consistency: ConsistencyLevel.QUORUM,
        serialConsistency: ConsistencyLevel.SERIAL,
        defaultTimestamp: 42n,
      },
    },
    {
      opcode: Opcode.BATCH,
      batch: { type: BatchType.COUNTER, statements: [], consistency: ConsistencyLevel.ALL, serialConsistency: null, defaultTimestamp: null },
    },
    { opcode: Opcode.REGISTER, events: ['TOPOLOGY_CHANGE', 'STATUS_CHANGE', 'SCHEMA_CHANGE'] },
  ];
}

export function sampleResponses(): ResponseMessage[] {
  const cl = ConsistencyLevel.QUORUM;
  const error = (code: ErrorCode, details: Extract<ResponseMessage, { opcode: 0 }>['details']): ResponseMessage =>
    ({ opcode: Opcode.ERROR, code, message: `error ${code}`, details });
  return [
    error(ErrorCode.ServerError, { kind: 'none' }),
    error(ErrorCode.ProtocolError, { kind: 'none' }),
    error(ErrorCode.Unavailable, { kind: 'unavailable', consistency: cl, required: 2, alive: 1 }),
    error(ErrorCode.WriteTimeout, { kind: 'writeTimeout', consistency: cl, received: 1, blockFor: 2, writeType: 'BATCH_LOG' }),
    error(ErrorCode.ReadTimeout, { kind: 'readTimeout', consistency: cl, received: 1, blockFor: 2, dataPresent: true }),
    error(ErrorCode.ReadFailure, { kind: 'readFailure', consistency: cl, received: 1, blockFor: 2, numFailures: 1, dataPresent: false }),
    error(ErrorCode.WriteFailure, { kind: 'writeFailure', consistency: cl, received: 0, blockFor: 3, numFailures: 2, writeType: 'CAS' }),
    error(ErrorCode.FunctionFailure, { kind: 'functionFailure', keyspace: 'ks', functionName: 'f', argTypes: ['int', 'text'] }),
    error(ErrorCode.AlreadyExists, { kind: 'alreadyExists', keyspace: 'ks', table: '' }),
    error(ErrorCode.Unprepared, { kind: 'unprepared', id: Buffer.alloc(16, 9) }),
    error(ErrorCode.SyntaxError, { kind: 'none' }),
    { opcode: Opcode.READY },
    { opcode: Opcode.AUTHENTICATE, authenticator: 'org.apache.cassandra.auth.PasswordAuthenticator' },
    { opcode: Opcode.SUPPORTED, options: new Map([['CQL_VERSION', ['3.4.5']], ['COMPRESSION', []], ['PROTOCOL_VERSIONS', ['4/v4']]]) },
    { opcode: Opcode.RESULT, result: { kind: 'void' } },
    {
      opcode: Opcode.RESULT,
      result: {
        kind: 'rows',
        metadata: { columns: sampleColumns, columnCount: sampleColumns.length, pagingState: Buffer.from('0102', 'hex') },
        rows: [[Buffer.from([0, 0, 0, 1]), Buffer.from('a'), null, Buffer.alloc(0), Buffer.from([1])]],
      },
    },
    {
      opcode: Opcode.RESULT,
      result: { kind: 'rows', metadata: { columns: mixedColumns, columnCount: 2, pagingState: null }, rows: [] },
    },
    {
      opcode: Opcode.RESULT,
      result: { kind: 'rows', metadata: { columns: null, columnCount: 2, pagingState: null }, rows: [[null, Buffer.from('zz')]] },
    },
    { opcode: Opcode.RESULT, result: { kind: 'setKeyspace', keyspace: 'flights' } },
    {
      opcode: Opcode.RESULT,
      result: {
        kind: 'prepared',
        id: Buffer.alloc(16, 3),
        metadata: { columns: sampleColumns.slice(0, 2), partitionKeyIndices: [1, 0] },
        resultMetadata: { columns: mixedColumns, columnCount: 2, pagingState: null },
      },
    },
    {
      opcode: Opcode.RESULT,
      result: {
        kind: 'prepared',
        id: Buffer.alloc(16, 4),
        metadata: { columns: [], partitionKeyIndices: [] },
        resultMetadata: { columns: null, columnCount: 0, pagingState: null },
      },
    },
    { opcode: Opcode.RESULT, result: { kind: 'schemaChange', schemaChange: { change: 'CREATED', target: 'KEYSPACE', keyspace: 'ks' } } },
    {
      opcode: Opcode.RESULT,
      result: { kind: 'schemaChange', schemaChange: { change: 'DROPPED', target: 'FUNCTION', keyspace: 'ks', name: 'f', argumentTypes: ['int'] } },
    },
    { opcode: Opcode.EVENT, event: { type: 'TOPOLOGY_CHANGE', change: 'NEW_NODE', address: '127.0.0.2', port: 9042 } },
    { opcode: Opcode.EVENT, event: { type: 'STATUS_CHANGE', change: 'DOWN', address: '2001:db8::1', port: 9042 } },
    { opcode: Opcode.EVENT, event: { type: 'SCHEMA_CHANGE', schemaChange: { change: 'UPDATED', target: 'TABLE', keyspace: 'ks', name: 't' } } },
    { opcode: Opcode.AUTH_CHALLENGE, token: Buffer.from('challenge') },
    { opcode: Opcode.AUTH_SUCCESS, token: null },
  ];
}
