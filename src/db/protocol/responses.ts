// One codec per response message (spec 4.2) other than ERROR (error-codec.ts) and RESULT
// (result.ts), named as the spec names them.

import { protocolError } from '../common/errors.js';
import { Opcode, type EventMessage, type ResponseMessage } from './messages.js';
import type { ProtocolReader } from './reader.js';
import type { MessageCodec } from './requests.js';
import { decodeSchemaChange, encodeSchemaChange } from './schema-change.js';
import { bytesSize, stringMultimapSize, stringSize, type ProtocolWriter } from './writer.js';

type Response<O extends ResponseMessage['opcode']> = Extract<ResponseMessage, { opcode: O }>;

export const READY: MessageCodec<Response<typeof Opcode.READY>> = {
  encode: () => undefined,
  decode: () => ({ opcode: Opcode.READY }),
  encodedSize: () => 0,
};

export const AUTHENTICATE: MessageCodec<Response<typeof Opcode.AUTHENTICATE>> = {
  encode: (message, writer) => void writer.writeString(message.authenticator),
  decode: (reader) => ({ opcode: Opcode.AUTHENTICATE, authenticator: reader.readString('authenticator') }),
  encodedSize: (message) => stringSize(message.authenticator),
};

export const SUPPORTED: MessageCodec<Response<typeof Opcode.SUPPORTED>> = {
  encode: (message, writer) => void writer.writeStringMultimap(message.options),
  decode: (reader) => ({ opcode: Opcode.SUPPORTED, options: reader.readStringMultimap('SUPPORTED options') }),
  encodedSize: (message) => stringMultimapSize(message.options),
};

export const AUTH_CHALLENGE: MessageCodec<Response<typeof Opcode.AUTH_CHALLENGE>> = {
  encode: (message, writer) => void writer.writeBytes(message.token),
  decode: (reader) => ({ opcode: Opcode.AUTH_CHALLENGE, token: reader.readBytes('AUTH_CHALLENGE token') }),
  encodedSize: (message) => bytesSize(message.token),
};

export const AUTH_SUCCESS: MessageCodec<Response<typeof Opcode.AUTH_SUCCESS>> = {
  encode: (message, writer) => void writer.writeBytes(message.token),
  decode: (reader) => ({ opcode: Opcode.AUTH_SUCCESS, token: reader.readBytes('AUTH_SUCCESS token') }),
  encodedSize: (message) => bytesSize(message.token),
};

const topologyChanges: ReadonlySet<string> = new Set(['NEW_NODE', 'REMOVED_NODE', 'MOVED_NODE']);
const statusChanges: ReadonlySet<string> = new Set(['UP', 'DOWN']);

export const EVENT: MessageCodec<Response<typeof Opcode.EVENT>> = {
  encode: (message, writer) => encodeEvent(message.event, writer),
  decode: (reader) => ({ opcode: Opcode.EVENT, event: decodeEvent(reader) }),
};

function encodeEvent(event: EventMessage, writer: ProtocolWriter): void {
  writer.writeString(event.type);
  switch (event.type) {
    case 'TOPOLOGY_CHANGE':
    case 'STATUS_CHANGE':
      writer.writeString(event.change).writeInet(event.address, event.port);
      return;
    case 'SCHEMA_CHANGE':
      encodeSchemaChange(event.schemaChange, writer);
      return;
  }
}

function decodeEvent(reader: ProtocolReader): EventMessage {
  const type = reader.readString('event type');
  switch (type) {
    case 'TOPOLOGY_CHANGE': {
      const change = reader.readString('topology change');
      if (!topologyChanges.has(change)) throw protocolError(`Unknown topology change ${change}`);
      const { address, port } = reader.readInet('node address');
      return { type, change: change as 'NEW_NODE' | 'REMOVED_NODE' | 'MOVED_NODE', address, port };
    }
    case 'STATUS_CHANGE': {
      const change = reader.readString('status change');
      if (!statusChanges.has(change)) throw protocolError(`Unknown status change ${change}`);
      const { address, port } = reader.readInet('node address');
      return { type, change: change as 'UP' | 'DOWN', address, port };
    }
    case 'SCHEMA_CHANGE':
      return { type, schemaChange: decodeSchemaChange(reader) };
    default:
      throw protocolError(`Unknown event type ${type}`);
  }
}
