// <query_parameters> of QUERY and EXECUTE (spec 4.1.4), with every v4 flag, and v5's: the
// flags became an [int], with a keyspace (0x80) and now_in_seconds (0x100) after the timestamp.

import { assert } from '../common/assert.js';
import { ConsistencyLevel } from '../common/consistency.js';
import { protocolError } from '../common/errors.js';
import { PROTOCOL_V5, type BoundValue, type QueryParameters } from './messages.js';
import type { ProtocolReader } from './reader.js';
import type { ProtocolWriter } from './writer.js';

export const QueryFlag = {
  VALUES: 0x01,
  SKIP_METADATA: 0x02,
  PAGE_SIZE: 0x04,
  WITH_PAGING_STATE: 0x08,
  WITH_SERIAL_CONSISTENCY: 0x10,
  WITH_DEFAULT_TIMESTAMP: 0x20,
  WITH_NAMES_FOR_VALUES: 0x40,
  /** v5 only. */
  WITH_KEYSPACE: 0x80,
  /** v5 only. */
  WITH_NOW_IN_SECONDS: 0x100,
} as const;

const knownQueryFlagsV5 = Object.values(QueryFlag).reduce((all, flag) => all | flag, 0);
const knownQueryFlagsV4 = knownQueryFlagsV5 & ~(QueryFlag.WITH_KEYSPACE | QueryFlag.WITH_NOW_IN_SECONDS);
{
  const seen = new Set<number>();
  for (const [name, flag] of Object.entries(QueryFlag)) {
    if (seen.has(flag)) throw new Error(`duplicate query flag ${name}`);
    seen.add(flag);
  }
}

/** Parameters with nothing set but the consistency, as a QUERY without flags decodes. */
export function defaultQueryParameters(consistency: ConsistencyLevel = ConsistencyLevel.ONE): QueryParameters {
  return {
    consistency,
    values: [],
    names: null,
    skipMetadata: false,
    pageSize: null,
    pagingState: null,
    serialConsistency: null,
    defaultTimestamp: null,
  };
}

export function encodeQueryParameters(parameters: QueryParameters, writer: ProtocolWriter): void {
  const { values, names } = parameters;
  assert(names === null || names.length === values.length, 'one name per bound value');
  let flags = 0;
  if (values.length > 0 || names !== null) flags |= QueryFlag.VALUES;
  if (names !== null) flags |= QueryFlag.WITH_NAMES_FOR_VALUES;
  if (parameters.skipMetadata) flags |= QueryFlag.SKIP_METADATA;
  if (parameters.pageSize !== null) flags |= QueryFlag.PAGE_SIZE;
  if (parameters.pagingState !== null) flags |= QueryFlag.WITH_PAGING_STATE;
  if (parameters.serialConsistency !== null) flags |= QueryFlag.WITH_SERIAL_CONSISTENCY;
  if (parameters.defaultTimestamp !== null) flags |= QueryFlag.WITH_DEFAULT_TIMESTAMP;
  writer.writeConsistency(parameters.consistency);
  flags = writeQueryFlags(writer, { flags, fields: parameters });
  if ((flags & QueryFlag.VALUES) !== 0) {
    writer.writeShort(values.length);
    values.forEach((value, index) => {
      if (names !== null) writer.writeString(names[index] ?? '');
      writer.writeValue(value);
    });
  }
  if (parameters.pageSize !== null) writer.writeInt(parameters.pageSize);
  if (parameters.pagingState !== null) writer.writeBytes(parameters.pagingState);
  if (parameters.serialConsistency !== null) writer.writeConsistency(parameters.serialConsistency);
  if (parameters.defaultTimestamp !== null) writer.writeLong(parameters.defaultTimestamp);
  writeKeyspaceAndNow(writer, { flags, fields: parameters });
}

/** What v5 requests may carry beyond v4 (QUERY, EXECUTE and BATCH). */
interface V5Fields {
  keyspace?: string;
  nowInSeconds?: number;
}

/** Writes the flags, a [byte] in v4 and an [int] in v5 with the bits of v5's fields; returns them. */
export function writeQueryFlags(writer: ProtocolWriter, { flags, fields }: { flags: number; fields: V5Fields }): number {
  if (writer.version < PROTOCOL_V5) {
    writer.writeByte(flags);
    return flags;
  }
  let all = flags;
  if (fields.keyspace !== undefined) all |= QueryFlag.WITH_KEYSPACE;
  if (fields.nowInSeconds !== undefined) all |= QueryFlag.WITH_NOW_IN_SECONDS;
  writer.writeInt(all);
  return all;
}

/** The last fields of a v5 request, as its flags (from writeQueryFlags) announce them. */
export function writeKeyspaceAndNow(writer: ProtocolWriter, { flags, fields }: { flags: number; fields: V5Fields }): void {
  if ((flags & QueryFlag.WITH_KEYSPACE) !== 0) writer.writeString(fields.keyspace ?? '');
  if ((flags & QueryFlag.WITH_NOW_IN_SECONDS) !== 0) writer.writeInt(fields.nowInSeconds ?? 0);
}

/** v4 reads a [byte] of flags, v5 an [int]; bits the version does not define are refused. */
export function readQueryFlags(reader: ProtocolReader, what: string): number {
  if (reader.version < PROTOCOL_V5) {
    const flags = reader.readByte(what);
    if ((flags & ~knownQueryFlagsV4) !== 0) throw protocolError(`Unknown ${what} 0x${flags.toString(16)}`);
    return flags;
  }
  const flags = reader.readInt(what);
  if ((flags & ~knownQueryFlagsV5) !== 0) throw protocolError(`Unknown ${what} 0x${(flags >>> 0).toString(16)}`);
  return flags;
}

export function decodeQueryParameters(reader: ProtocolReader): QueryParameters {
  const parameters = defaultQueryParameters(reader.readConsistency('query consistency'));
  const flags = readQueryFlags(reader, 'query flags');
  if ((flags & QueryFlag.VALUES) !== 0) {
    const withNames = (flags & QueryFlag.WITH_NAMES_FOR_VALUES) !== 0;
    const { values, names } = decodeValues(reader, withNames);
    parameters.values = values;
    parameters.names = names;
  }
  parameters.skipMetadata = (flags & QueryFlag.SKIP_METADATA) !== 0;
  if ((flags & QueryFlag.PAGE_SIZE) !== 0) parameters.pageSize = reader.readInt('result page size');
  if ((flags & QueryFlag.WITH_PAGING_STATE) !== 0) parameters.pagingState = reader.readBytes('paging state');
  if ((flags & QueryFlag.WITH_SERIAL_CONSISTENCY) !== 0) {
    parameters.serialConsistency = reader.readConsistency('serial consistency');
  }
  if ((flags & QueryFlag.WITH_DEFAULT_TIMESTAMP) !== 0) parameters.defaultTimestamp = reader.readLong('default timestamp');
  if ((flags & QueryFlag.WITH_KEYSPACE) !== 0) parameters.keyspace = readKeyspace(reader);
  if ((flags & QueryFlag.WITH_NOW_IN_SECONDS) !== 0) parameters.nowInSeconds = reader.readInt('now_in_seconds');
  return parameters;
}

/** The v5 per-request keyspace: a non-empty [string]. */
export function readKeyspace(reader: ProtocolReader): string {
  const keyspace = reader.readString('keyspace');
  if (keyspace === '') throw protocolError('Empty keyspace name in a request with the keyspace flag');
  return keyspace;
}

/** A [short] count of [value]s, each preceded by a [string] name when withNames. */
export function decodeValues(reader: ProtocolReader, withNames: boolean): { values: BoundValue[]; names: string[] | null } {
  const count = reader.readShort('value count');
  const valueBytesMin = withNames ? 6 : 4;
  if (count * valueBytesMin > reader.remaining) {
    throw protocolError(`Invalid value count ${count}: only ${reader.remaining} bytes remain`);
  }
  const values: BoundValue[] = [];
  const names: string[] | null = withNames ? [] : null;
  for (let index = 0; index < count; index++) {
    if (names !== null) names.push(reader.readString('value name'));
    values.push(reader.readValue('bound value'));
  }
  return { values, names };
}

export function encodeValues(values: readonly BoundValue[], writer: ProtocolWriter): void {
  writer.writeShort(values.length);
  for (const value of values) writer.writeValue(value);
}
