// RESULT (spec 4.2.5): Void, Rows, Set_keyspace, Prepared and Schema_change. v5 adds the
// result metadata id to Prepared and, in Rows, the Metadata_changed flag with the new id.

import { createHash } from 'node:crypto';
import { assert, fail } from '../common/assert.js';
import { protocolError } from '../common/errors.js';
import { resultRowsMax } from '../common/limits.js';
import { Opcode, PROTOCOL_V5, type ColumnSpec, type PreparedMetadata, type ResponseMessage, type ResultMessage, type RowsMetadata } from './messages.js';
import type { ProtocolReader } from './reader.js';
import type { MessageCodec } from './requests.js';
import { decodeSchemaChange, encodeSchemaChange, schemaChangeSize } from './schema-change.js';
import { decodeOption, optionSize, writeOption } from './type-options.js';
import { bytesSize, ProtocolWriter, stringSize } from './writer.js';

export const ResultKind = { VOID: 0x0001, ROWS: 0x0002, SET_KEYSPACE: 0x0003, PREPARED: 0x0004, SCHEMA_CHANGE: 0x0005 } as const;
export const RowsFlag = { GLOBAL_TABLES_SPEC: 0x0001, HAS_MORE_PAGES: 0x0002, NO_METADATA: 0x0004, METADATA_CHANGED: 0x0008 } as const;

for (const table of [ResultKind, RowsFlag]) {
  const values = Object.values(table);
  if (new Set(values).size !== values.length) throw new Error('duplicate RESULT wire id');
}

type ResultResponse = Extract<ResponseMessage, { opcode: typeof Opcode.RESULT }>;

export const RESULT: MessageCodec<ResultResponse> = {
  encode: (message, writer) => encodeResult(message.result, writer),
  decode: (reader) => ({ opcode: Opcode.RESULT, result: decodeResult(reader) }),
  encodedSize: (message, version) => resultSize(message.result, version),
};

/** The length of a result metadata id (an MD5, as Cassandra's). */
const resultMetadataIdBytes = 16;

/**
 * The id of a statement's result columns (v5), as a client caches it beside the prepared id:
 * an MD5 of each column's table, name and type, so that every node gives the same columns the
 * same id and any change of them (ALTER TABLE under a SELECT *) gives another.
 */
export function resultMetadataId(columns: readonly ColumnSpec[]): Buffer {
  const writer = new ProtocolWriter(64 * columns.length + 8);
  for (const column of columns) {
    writer.writeString(column.keyspace).writeString(column.table).writeString(column.name);
    writeOption(writer, column.type);
  }
  return createHash('md5').update(writer.finish()).digest();
}

/** Exact encoded size, so a large Rows body is written into one buffer of the right size. */
function resultSize(result: ResultMessage, version = 4): number {
  const v5 = version >= PROTOCOL_V5;
  switch (result.kind) {
    case 'void':
      return 4;
    case 'rows': {
      const changedId = v5 && result.metadata.newMetadataId !== undefined ? 2 + result.metadata.newMetadataId.length : 0;
      let total = 4 + rowsMetadataSize(result.metadata) + changedId + 4;
      for (const row of result.rows) for (const cell of row) total += bytesSize(cell);
      return total;
    }
    case 'setKeyspace':
      return 4 + stringSize(result.keyspace);
    case 'prepared': {
      const { columns, partitionKeyIndices } = result.metadata;
      const preparedSize = 12 + 2 * partitionKeyIndices.length + columnSpecsSize(columns);
      const metadataIdSize = v5 ? 2 + (result.resultMetadataId?.length ?? resultMetadataIdBytes) : 0;
      return 4 + 2 + result.id.length + metadataIdSize + preparedSize + rowsMetadataSize(result.resultMetadata);
    }
    case 'schemaChange':
      return 4 + schemaChangeSize(result.schemaChange);
  }
}

function rowsMetadataSize(metadata: RowsMetadata): number {
  const pagingSize = metadata.pagingState === null ? 0 : bytesSize(metadata.pagingState);
  return 8 + pagingSize + (metadata.columns === null ? 0 : columnSpecsSize(metadata.columns));
}

function columnSpecsSize(columns: readonly ColumnSpec[]): number {
  const global = globalTableSpec(columns);
  let total = global === null ? 0 : stringSize(global.keyspace) + stringSize(global.table);
  for (const column of columns) {
    if (global === null) total += stringSize(column.keyspace) + stringSize(column.table);
    total += stringSize(column.name) + optionSize(column.type);
  }
  return total;
}

function encodeResult(result: ResultMessage, writer: ProtocolWriter): void {
  switch (result.kind) {
    case 'void':
      writer.writeInt(ResultKind.VOID);
      return;
    case 'rows':
      writer.writeInt(ResultKind.ROWS);
      encodeRowsMetadata(result.metadata, writer);
      encodeRows(result.metadata.columnCount, result.rows, { writer });
      return;
    case 'setKeyspace':
      writer.writeInt(ResultKind.SET_KEYSPACE).writeString(result.keyspace);
      return;
    case 'prepared':
      writer.writeInt(ResultKind.PREPARED).writeShortBytes(result.id);
      if (writer.version >= PROTOCOL_V5) {
        const columns = result.resultMetadata.columns ?? [];
        writer.writeShortBytes(result.resultMetadataId ?? resultMetadataId(columns));
      }
      encodePreparedMetadata(result.metadata, writer);
      encodeRowsMetadata(result.resultMetadata, writer);
      return;
    case 'schemaChange':
      writer.writeInt(ResultKind.SCHEMA_CHANGE);
      encodeSchemaChange(result.schemaChange, writer);
      return;
  }
}

function decodeResult(reader: ProtocolReader): ResultMessage {
  const kind = reader.readInt('result kind');
  switch (kind) {
    case ResultKind.VOID:
      return { kind: 'void' };
    case ResultKind.ROWS: {
      const metadata = decodeRowsMetadata(reader);
      return { kind: 'rows', metadata, rows: decodeRows(metadata.columnCount, reader) };
    }
    case ResultKind.SET_KEYSPACE:
      return { kind: 'setKeyspace', keyspace: reader.readString('keyspace') };
    case ResultKind.PREPARED: {
      const id = reader.readShortBytes('prepared id');
      if (reader.version < PROTOCOL_V5) {
        const metadata = decodePreparedMetadata(reader);
        return { kind: 'prepared', id, metadata, resultMetadata: decodeRowsMetadata(reader) };
      }
      const resultMetadataId = reader.readShortBytes('result metadata id');
      const metadata = decodePreparedMetadata(reader);
      return { kind: 'prepared', id, metadata, resultMetadata: decodeRowsMetadata(reader), resultMetadataId };
    }
    case ResultKind.SCHEMA_CHANGE:
      return { kind: 'schemaChange', schemaChange: decodeSchemaChange(reader) };
    default:
      throw protocolError(`Unknown RESULT kind 0x${kind.toString(16)}`);
  }
}

/** The keyspace and table every column shares, or null when they differ (or there are none). */
function globalTableSpec(columns: readonly ColumnSpec[]): { keyspace: string; table: string } | null {
  const first = columns[0];
  if (first === undefined) return null;
  const shared = columns.every((column) => column.keyspace === first.keyspace && column.table === first.table);
  return shared ? { keyspace: first.keyspace, table: first.table } : null;
}

function columnSpecFlags(columns: readonly ColumnSpec[]): number {
  return globalTableSpec(columns) === null ? 0 : RowsFlag.GLOBAL_TABLES_SPEC;
}

function writeColumnSpecs(columns: readonly ColumnSpec[], global: boolean, { writer }: { writer: ProtocolWriter }): void {
  const first = columns[0];
  if (global && first !== undefined) writer.writeString(first.keyspace).writeString(first.table);
  for (const column of columns) {
    if (!global) writer.writeString(column.keyspace).writeString(column.table);
    writer.writeString(column.name);
    writeOption(writer, column.type);
  }
}

function readColumnSpecs(count: number, flags: number, { reader }: { reader: ProtocolReader }): ColumnSpec[] {
  const global = (flags & RowsFlag.GLOBAL_TABLES_SPEC) !== 0;
  // A column spec takes at least a name and a type id (4 bytes), plus 4 without a global spec.
  if (count * (global ? 4 : 8) > reader.remaining) throw protocolError(`Invalid column count ${count}`);
  const keyspace = global ? reader.readString('global keyspace') : '';
  const table = global ? reader.readString('global table') : '';
  const columns: ColumnSpec[] = [];
  for (let index = 0; index < count; index++) {
    const columnKeyspace = global ? keyspace : reader.readString('column keyspace');
    const columnTable = global ? table : reader.readString('column table');
    const name = reader.readString('column name');
    columns.push({ keyspace: columnKeyspace, table: columnTable, name, type: decodeOption(reader) });
  }
  return columns;
}

export function encodeRowsMetadata(metadata: RowsMetadata, writer: ProtocolWriter): void {
  const { columns } = metadata;
  assert(columns === null || columns.length === metadata.columnCount, 'columnCount must match the column specs');
  let flags = columns === null ? RowsFlag.NO_METADATA : columnSpecFlags(columns);
  if (metadata.pagingState !== null) flags |= RowsFlag.HAS_MORE_PAGES;
  // v4 has no metadata ids: its clients never send one, so they never see a change flagged.
  const newMetadataId = writer.version >= PROTOCOL_V5 ? metadata.newMetadataId : undefined;
  if (newMetadataId !== undefined) {
    assert(columns !== null, 'changed result metadata is always sent in full');
    flags |= RowsFlag.METADATA_CHANGED;
  }
  writer.writeInt(flags).writeInt(metadata.columnCount);
  if (metadata.pagingState !== null) writer.writeBytes(metadata.pagingState);
  if (newMetadataId !== undefined) writer.writeShortBytes(newMetadataId);
  if (columns !== null) writeColumnSpecs(columns, (flags & RowsFlag.GLOBAL_TABLES_SPEC) !== 0, { writer });
}

const knownRowsFlagsV4 = RowsFlag.GLOBAL_TABLES_SPEC | RowsFlag.HAS_MORE_PAGES | RowsFlag.NO_METADATA;
const knownRowsFlagsV5 = knownRowsFlagsV4 | RowsFlag.METADATA_CHANGED;

export function decodeRowsMetadata(reader: ProtocolReader): RowsMetadata {
  const flags = reader.readInt('rows metadata flags');
  const known = reader.version >= PROTOCOL_V5 ? knownRowsFlagsV5 : knownRowsFlagsV4;
  if ((flags & ~known) !== 0) throw protocolError(`Unknown rows metadata flags 0x${flags.toString(16)}`);
  const changed = (flags & RowsFlag.METADATA_CHANGED) !== 0;
  if (changed && (flags & RowsFlag.NO_METADATA) !== 0) throw protocolError('Rows metadata flags Metadata_changed and No_metadata together');
  const columnCount = reader.readInt('column count');
  if (columnCount < 0) throw protocolError(`Invalid negative column count ${columnCount}`);
  const pagingState = (flags & RowsFlag.HAS_MORE_PAGES) !== 0 ? reader.readBytes('paging state') : null;
  const newMetadataId = changed ? reader.readShortBytes('new metadata id') : undefined;
  const columns = (flags & RowsFlag.NO_METADATA) !== 0 ? null : readColumnSpecs(columnCount, flags, { reader });
  return newMetadataId === undefined ? { columns, columnCount, pagingState } : { columns, columnCount, pagingState, newMetadataId };
}

function encodeRows(columnCount: number, rows: ReadonlyArray<ReadonlyArray<Buffer | null>>, { writer }: { writer: ProtocolWriter }): void {
  writer.writeInt(rows.length);
  for (const row of rows) {
    if (!(row.length === columnCount)) fail(`row has ${row.length} cells, metadata says ${columnCount}`);
    for (const cell of row) writer.writeBytes(cell);
  }
}

function decodeRows(columnCount: number, reader: ProtocolReader): Array<Array<Buffer | null>> {
  const rowCount = reader.readInt('row count');
  if (rowCount < 0 || rowCount > resultRowsMax) throw protocolError(`Invalid row count ${rowCount}`);
  // Every cell takes at least its 4-byte length, so the count must fit the bytes left.
  if (rowCount * columnCount * 4 > reader.remaining) throw protocolError(`Row count ${rowCount} does not fit the body`);
  const rows: Array<Array<Buffer | null>> = [];
  for (let rowIndex = 0; rowIndex < rowCount; rowIndex++) {
    const row: Array<Buffer | null> = [];
    for (let columnIndex = 0; columnIndex < columnCount; columnIndex++) row.push(reader.readBytes('cell'));
    rows.push(row);
  }
  return rows;
}

function encodePreparedMetadata(metadata: PreparedMetadata, writer: ProtocolWriter): void {
  const flags = columnSpecFlags(metadata.columns);
  writer.writeInt(flags).writeInt(metadata.columns.length).writeInt(metadata.partitionKeyIndices.length);
  for (const index of metadata.partitionKeyIndices) writer.writeShort(index);
  writeColumnSpecs(metadata.columns, flags !== 0, { writer });
}

function decodePreparedMetadata(reader: ProtocolReader): PreparedMetadata {
  const flags = reader.readInt('prepared metadata flags');
  if ((flags & ~RowsFlag.GLOBAL_TABLES_SPEC) !== 0) throw protocolError(`Unknown prepared metadata flags 0x${flags.toString(16)}`);
  const columnCount = reader.readInt('bind marker count');
  if (columnCount < 0) throw protocolError(`Invalid negative bind marker count ${columnCount}`);
  const keyCount = reader.readInt('partition key count');
  if (keyCount < 0 || keyCount * 2 > reader.remaining) throw protocolError(`Invalid partition key count ${keyCount}`);
  const partitionKeyIndices: number[] = [];
  for (let index = 0; index < keyCount; index++) {
    const keyIndex = reader.readShort('partition key index');
    if (keyIndex >= columnCount) throw protocolError(`Partition key index ${keyIndex} is not a bind marker`);
    partitionKeyIndices.push(keyIndex);
  }
  return { columns: readColumnSpecs(columnCount, flags, { reader }), partitionKeyIndices };
}
