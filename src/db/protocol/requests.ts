// One codec per request message (spec 4.1), named as the spec names them. The reader's and
// writer's version picks v5's layouts of PREPARE, EXECUTE and BATCH.

import { protocolError } from '../common/errors.js';
import {
  BatchType,
  Opcode,
  PROTOCOL_V5,
  type BatchMessage,
  type BatchStatement,
  type EventType,
  type RequestMessage,
} from './messages.js';
import {
  decodeQueryParameters, decodeValues, encodeQueryParameters, encodeValues, QueryFlag, readKeyspace, readQueryFlags, writeKeyspaceAndNow, writeQueryFlags,
} from './query-parameters.js';
import type { ProtocolReader } from './reader.js';
import { bytesSize, stringListSize, stringMapSize, type ProtocolWriter } from './writer.js';

export interface MessageCodec<T> {
  encode(message: T, writer: ProtocolWriter): void;
  decode(reader: ProtocolReader): T;
  /** Exact body size at the protocol version, where it is cheap to know before writing (used to size the buffer). */
  encodedSize?(message: T, version?: number): number;
}

type Request<O extends RequestMessage['opcode']> = Extract<RequestMessage, { opcode: O }>;

export const STARTUP: MessageCodec<Request<typeof Opcode.STARTUP>> = {
  encode: (message, writer) => void writer.writeStringMap(message.options),
  decode: (reader) => ({ opcode: Opcode.STARTUP, options: reader.readStringMap('STARTUP options') }),
  encodedSize: (message) => stringMapSize(message.options),
};

export const AUTH_RESPONSE: MessageCodec<Request<typeof Opcode.AUTH_RESPONSE>> = {
  encode: (message, writer) => void writer.writeBytes(message.token),
  decode: (reader) => ({ opcode: Opcode.AUTH_RESPONSE, token: reader.readBytes('AUTH_RESPONSE token') }),
  encodedSize: (message) => bytesSize(message.token),
};

export const OPTIONS: MessageCodec<Request<typeof Opcode.OPTIONS>> = {
  encode: () => undefined,
  decode: () => ({ opcode: Opcode.OPTIONS }),
  encodedSize: () => 0,
};

export const QUERY: MessageCodec<Request<typeof Opcode.QUERY>> = {
  encode: (message, writer) => {
    writer.writeLongString(message.query);
    encodeQueryParameters(message.parameters, writer);
  },
  decode: (reader) => {
    const query = reader.readLongString('query string');
    return { opcode: Opcode.QUERY, query, parameters: decodeQueryParameters(reader) };
  },
};

/** v5 PREPARE flags (an [int] after the query). */
const PrepareFlag = { WITH_KEYSPACE: 0x01 } as const;

export const PREPARE: MessageCodec<Request<typeof Opcode.PREPARE>> = {
  encode: (message, writer) => {
    writer.writeLongString(message.query);
    if (writer.version < PROTOCOL_V5) return;
    writer.writeInt(message.keyspace === undefined ? 0 : PrepareFlag.WITH_KEYSPACE);
    if (message.keyspace !== undefined) writer.writeString(message.keyspace);
  },
  decode: (reader) => {
    const query = reader.readLongString('query string');
    if (reader.version < PROTOCOL_V5) return { opcode: Opcode.PREPARE, query };
    const flags = reader.readInt('PREPARE flags');
    if ((flags & ~PrepareFlag.WITH_KEYSPACE) !== 0) throw protocolError(`Unknown PREPARE flags 0x${(flags >>> 0).toString(16)}`);
    if ((flags & PrepareFlag.WITH_KEYSPACE) === 0) return { opcode: Opcode.PREPARE, query };
    return { opcode: Opcode.PREPARE, query, keyspace: readKeyspace(reader) };
  },
};

export const EXECUTE: MessageCodec<Request<typeof Opcode.EXECUTE>> = {
  encode: (message, writer) => {
    writer.writeShortBytes(message.id);
    if (writer.version >= PROTOCOL_V5) writer.writeShortBytes(message.parameters.resultMetadataId ?? Buffer.alloc(0));
    encodeQueryParameters(message.parameters, writer);
  },
  decode: (reader) => {
    const id = reader.readShortBytes('prepared statement id');
    if (id.length === 0) throw protocolError('Empty prepared statement id in EXECUTE');
    if (reader.version < PROTOCOL_V5) return { opcode: Opcode.EXECUTE, id, parameters: decodeQueryParameters(reader) };
    const resultMetadataId = reader.readShortBytes('result metadata id');
    const parameters = decodeQueryParameters(reader);
    parameters.resultMetadataId = resultMetadataId;
    return { opcode: Opcode.EXECUTE, id, parameters };
  },
};

const batchKinds = { query: 0, prepared: 1 } as const;
/** BATCH takes only the serial consistency and timestamp flags (spec 4.1.7), and v5's keyspace and now. */
const batchFlagsAllowed =
  QueryFlag.WITH_SERIAL_CONSISTENCY | QueryFlag.WITH_DEFAULT_TIMESTAMP | QueryFlag.WITH_KEYSPACE | QueryFlag.WITH_NOW_IN_SECONDS;
const batchTypes = new Set<number>(Object.values(BatchType));

export const BATCH: MessageCodec<Request<typeof Opcode.BATCH>> = {
  encode: (message, writer) => encodeBatch(message.batch, writer),
  decode: (reader) => ({ opcode: Opcode.BATCH, batch: decodeBatch(reader) }),
};

function encodeBatch(batch: BatchMessage, writer: ProtocolWriter): void {
  writer.writeByte(batch.type).writeShort(batch.statements.length);
  for (const statement of batch.statements) {
    if (statement.kind === 'query') writer.writeByte(batchKinds.query).writeLongString(statement.query);
    else writer.writeByte(batchKinds.prepared).writeShortBytes(statement.id);
    encodeValues(statement.values, writer);
  }
  let flags = 0;
  if (batch.serialConsistency !== null) flags |= QueryFlag.WITH_SERIAL_CONSISTENCY;
  if (batch.defaultTimestamp !== null) flags |= QueryFlag.WITH_DEFAULT_TIMESTAMP;
  writer.writeConsistency(batch.consistency);
  flags = writeQueryFlags(writer, { flags, fields: batch });
  if (batch.serialConsistency !== null) writer.writeConsistency(batch.serialConsistency);
  if (batch.defaultTimestamp !== null) writer.writeLong(batch.defaultTimestamp);
  writeKeyspaceAndNow(writer, { flags, fields: batch });
}

function decodeBatch(reader: ProtocolReader): BatchMessage {
  const type = reader.readByte('batch type');
  if (!batchTypes.has(type)) throw protocolError(`Invalid BATCH type ${type}`);
  const count = reader.readShort('batch statement count');
  // Each statement is at least a kind byte, an empty id or query, and a value count.
  if (count * 5 > reader.remaining) throw protocolError(`Invalid batch statement count ${count}`);
  const statements: BatchStatement[] = [];
  for (let index = 0; index < count; index++) statements.push(decodeBatchStatement(reader));
  const consistency = reader.readConsistency('batch consistency');
  const flags = readQueryFlags(reader, 'batch flags');
  if ((flags & ~batchFlagsAllowed) !== 0) {
    throw protocolError(`Invalid BATCH flags 0x${flags.toString(16)} (only serial consistency, timestamp, keyspace and now_in_seconds are allowed)`);
  }
  const serialConsistency =
    (flags & QueryFlag.WITH_SERIAL_CONSISTENCY) !== 0 ? reader.readConsistency('batch serial consistency') : null;
  const defaultTimestamp = (flags & QueryFlag.WITH_DEFAULT_TIMESTAMP) !== 0 ? reader.readLong('batch timestamp') : null;
  const batch: BatchMessage = { type: type as BatchType, statements, consistency, serialConsistency, defaultTimestamp };
  if ((flags & QueryFlag.WITH_KEYSPACE) !== 0) batch.keyspace = readKeyspace(reader);
  if ((flags & QueryFlag.WITH_NOW_IN_SECONDS) !== 0) batch.nowInSeconds = reader.readInt('batch now_in_seconds');
  return batch;
}

function decodeBatchStatement(reader: ProtocolReader): BatchStatement {
  const kind = reader.readByte('batch statement kind');
  if (kind === batchKinds.query) {
    const query = reader.readLongString('batch query string');
    return { kind: 'query', query, values: decodeValues(reader, false).values };
  }
  if (kind === batchKinds.prepared) {
    const id = reader.readShortBytes('batch prepared statement id');
    if (id.length === 0) throw protocolError('Empty prepared statement id in BATCH');
    return { kind: 'prepared', id, values: decodeValues(reader, false).values };
  }
  throw protocolError(`Invalid BATCH statement kind ${kind} (expected 0 or 1)`);
}

const eventTypes: ReadonlySet<string> = new Set<EventType>(['TOPOLOGY_CHANGE', 'STATUS_CHANGE', 'SCHEMA_CHANGE']);

export const REGISTER: MessageCodec<Request<typeof Opcode.REGISTER>> = {
  encode: (message, writer) => void writer.writeStringList(message.events),
  decode: (reader) => {
    const events = reader.readStringList('REGISTER event types');
    for (const event of events) {
      if (!eventTypes.has(event)) throw protocolError(`Invalid value '${event}' for Event.Type`);
    }
    return { opcode: Opcode.REGISTER, events };
  },
  encodedSize: (message) => stringListSize(message.events),
};
