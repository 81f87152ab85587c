// ERROR (spec 4.2.1 and section 9): an [int] code, a [string] message and the code's body.
// v5 (its section 8) replaced the failures' count by a reason map and added the contentions
// of a CAS write timeout.

import { ErrorCode, protocolError, RequestFailureReason, type ErrorDetails, type ReplicaFailure, type WriteType } from '../common/errors.js';
import { Opcode, PROTOCOL_V5, type ResponseMessage } from './messages.js';
import type { ProtocolReader } from './reader.js';
import type { MessageCodec } from './requests.js';
import type { ProtocolWriter } from './writer.js';

type ErrorResponse = Extract<ResponseMessage, { opcode: typeof Opcode.ERROR }>;

/** Which details body each code carries on the wire; codes not listed carry none. */
const detailsKindByCode = new Map<number, ErrorDetails['kind']>([
  [ErrorCode.Unavailable, 'unavailable'],
  [ErrorCode.WriteTimeout, 'writeTimeout'],
  [ErrorCode.ReadTimeout, 'readTimeout'],
  [ErrorCode.ReadFailure, 'readFailure'],
  [ErrorCode.FunctionFailure, 'functionFailure'],
  [ErrorCode.WriteFailure, 'writeFailure'],
  [ErrorCode.AlreadyExists, 'alreadyExists'],
  [ErrorCode.Unprepared, 'unprepared'],
]);

const errorCodes = new Set<number>(Object.values(ErrorCode));
const writeTypes: ReadonlySet<string> = new Set<WriteType>([
  'SIMPLE', 'BATCH', 'UNLOGGED_BATCH', 'COUNTER', 'BATCH_LOG', 'CAS', 'VIEW', 'CDC',
]);
const stringBytesMax = 0xffff;

export const ERROR: MessageCodec<ErrorResponse> = {
  encode: (message, writer) => {
    // A code whose details are missing or of another kind would give drivers a body they
    // cannot parse; report it as the server error it is, with the original text.
    const expected = detailsKindByCode.get(message.code) ?? 'none';
    const consistent = expected === message.details.kind;
    writer.writeInt(consistent ? message.code : ErrorCode.ServerError);
    writer.writeString(fitString(message.message));
    if (consistent) encodeDetails(message.details, writer);
  },
  decode: (reader) => {
    const code = reader.readInt('error code');
    if (!errorCodes.has(code)) throw protocolError(`Unknown error code 0x${code.toString(16)}`);
    const message = reader.readString('error message');
    const details = decodeDetails(detailsKindByCode.get(code) ?? 'none', reader);
    return { opcode: Opcode.ERROR, code: code as ErrorCode, message, details };
  },
};

/**
 * Error messages may quote client input of any length, and a [string] holds 65535 bytes:
 * longer messages are cut at a character boundary and marked, rather than failing the reply.
 */
function fitString(text: string): string {
  if (Buffer.byteLength(text, 'utf8') <= stringBytesMax) return text;
  const marker = ' [truncated]';
  let cut = text.slice(0, stringBytesMax - marker.length);
  while (Buffer.byteLength(cut, 'utf8') > stringBytesMax - marker.length) cut = cut.slice(0, Math.floor(cut.length * 0.9));
  // Never leave half of a surrogate pair at the end.
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut + marker;
}

function encodeDetails(details: ErrorDetails, writer: ProtocolWriter): void {
  switch (details.kind) {
    case 'none':
      return;
    case 'unavailable':
      writer.writeConsistency(details.consistency).writeInt(details.required).writeInt(details.alive);
      return;
    case 'writeTimeout':
      writer.writeConsistency(details.consistency).writeInt(details.received).writeInt(details.blockFor);
      writer.writeString(details.writeType);
      if (writer.version >= PROTOCOL_V5 && details.writeType === 'CAS') writer.writeShort(Math.min(details.contentions ?? 0, 0xffff));
      return;
    case 'readTimeout':
      writer.writeConsistency(details.consistency).writeInt(details.received).writeInt(details.blockFor);
      writer.writeByte(details.dataPresent ? 1 : 0);
      return;
    case 'readFailure':
      writer.writeConsistency(details.consistency).writeInt(details.received).writeInt(details.blockFor);
      writeFailures(details, writer);
      writer.writeByte(details.dataPresent ? 1 : 0);
      return;
    case 'writeFailure':
      writer.writeConsistency(details.consistency).writeInt(details.received).writeInt(details.blockFor);
      writeFailures(details, writer);
      writer.writeString(details.writeType);
      return;
    case 'functionFailure':
      writer.writeString(details.keyspace).writeString(details.functionName).writeStringList(details.argTypes);
      return;
    case 'alreadyExists':
      writer.writeString(details.keyspace).writeString(details.table);
      return;
    case 'unprepared':
      writer.writeShortBytes(details.id);
      return;
  }
}

function decodeDetails(kind: ErrorDetails['kind'], reader: ProtocolReader): ErrorDetails {
  switch (kind) {
    case 'none':
      return { kind };
    case 'unavailable': {
      const consistency = reader.readConsistency();
      return { kind, consistency, required: reader.readInt('required'), alive: reader.readInt('alive') };
    }
    case 'writeTimeout': {
      const [consistency, received, blockFor, writeType] = [reader.readConsistency(), reader.readInt(), reader.readInt(), readWriteType(reader)];
      if (reader.version < PROTOCOL_V5 || writeType !== 'CAS') return { kind, consistency, received, blockFor, writeType };
      return { kind, consistency, received, blockFor, writeType, contentions: reader.readShort('contentions') };
    }
    case 'readTimeout': {
      const [consistency, received, blockFor] = [reader.readConsistency(), reader.readInt(), reader.readInt()];
      return { kind, consistency, received, blockFor, dataPresent: reader.readByte('data_present') !== 0 };
    }
    case 'readFailure': {
      const [consistency, received, blockFor, failures] = [reader.readConsistency(), reader.readInt(), reader.readInt(), readFailures(reader)];
      return { kind, consistency, received, blockFor, ...failures, dataPresent: reader.readByte('data_present') !== 0 };
    }
    case 'writeFailure': {
      const [consistency, received, blockFor, failures] = [reader.readConsistency(), reader.readInt(), reader.readInt(), readFailures(reader)];
      return { kind, consistency, received, blockFor, ...failures, writeType: readWriteType(reader) };
    }
    case 'functionFailure': {
      const keyspace = reader.readString('function keyspace');
      const functionName = reader.readString('function name');
      return { kind, keyspace, functionName, argTypes: reader.readStringList('function argument types') };
    }
    case 'alreadyExists': {
      const keyspace = reader.readString('keyspace');
      return { kind, keyspace, table: reader.readString('table') };
    }
    case 'unprepared':
      return { kind, id: reader.readShortBytes('unprepared id') };
  }
}

type FailureDetails = Extract<ErrorDetails, { kind: 'readFailure' | 'writeFailure' }>;

/** v4: the [int] count of failed replicas. v5: the reason map, an [int] n and n (<endpoint><failurecode>). */
function writeFailures(details: FailureDetails, writer: ProtocolWriter): void {
  const { reasons } = details;
  if (writer.version < PROTOCOL_V5) {
    writer.writeInt(reasons?.length ?? details.numFailures);
    return;
  }
  writer.writeInt(reasons?.length ?? 0);
  for (const failure of reasons ?? []) writer.writeInetAddr(failure.endpoint).writeShort(failure.reason);
}

const failureReasons = new Set<number>(Object.values(RequestFailureReason));
/** An [inetaddr] of at least 5 bytes and a [short]. */
const reasonEntryBytesMin = 7;

function readFailures(reader: ProtocolReader): { numFailures: number; reasons?: ReplicaFailure[] } {
  const count = reader.readInt('failure count');
  if (count < 0) throw protocolError(`Invalid negative failure count ${count}`);
  if (reader.version < PROTOCOL_V5) return { numFailures: count };
  if (count * reasonEntryBytesMin > reader.remaining) throw protocolError(`Invalid reason map size ${count}`);
  const reasons: ReplicaFailure[] = [];
  for (let index = 0; index < count; index++) {
    const endpoint = reader.readInetAddr('failed endpoint');
    const code = reader.readShort('failure code');
    // Codes a newer server may add are kept as UNKNOWN rather than failing the whole error.
    reasons.push({ endpoint, reason: failureReasons.has(code) ? (code as RequestFailureReason) : RequestFailureReason.UNKNOWN });
  }
  return { numFailures: count, reasons };
}

function readWriteType(reader: ProtocolReader): WriteType {
  const writeType = reader.readString('write type');
  if (!writeTypes.has(writeType)) throw protocolError(`Unknown write type ${writeType}`);
  return writeType as WriteType;
}
