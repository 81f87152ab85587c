// Payload codecs of the data verbs (house style 4: one codec per message). Mutations and
// partitions reuse the storage serializer's layout (storage/mutation-serializer.ts), so a
// replica decodes exactly what the commit log would hold. Layouts (big-endian):
//   MUTATION, HINT        := mutation (storage layout)
//   MUTATION_BATCH        := u32 count, then count x (u32 length, mutation) (the commit log's batch layout)
//   READ, RANGE_READ      := version u8 | digestOnly u8 | command
//   command   := kind u8 (1 single, 2 range) | tableId utf8 | slices | reversed u8 | columns
//                | rowLimit i64 | perPartitionRowLimit i64 | nowSeconds i64 | includeTombstones u8
//                | single: key (u16 length) | token i64 | after
//                | range:  start position | end position | after | partitionLimit i64
//   slices    := u32 count | (start u32-length bytes | end u32-length bytes)*
//   columns   := u8 0 (all) | u8 1, u16 count, utf8*
//   position  := token i64 | u8 hasKey [| key u16-length bytes]
//   after     := u8 hasAfter [| u32-length bytes]
//   READ_RSP, RANGE_READ_RSP := kind u8 (1 data: u32 count | partition*; 2 digest: u8 length | bytes)
//   TRUNCATE  := keyspace utf8 | tableId utf8
//   BATCH_STORE := batch id (16 bytes) | creation micros i64 | mutation batch (storage layout)
//   BATCH_REMOVE := batch id (16 bytes)
//   SCHEMA_PUSH, SCHEMA_PULL_RSP := u32-length utf8 schema document
// utf8 is u16 length + bytes unless noted. Responses without a body (MUTATION_RSP, HINT_RSP,
// TRUNCATE_RSP, BATCH_*_RSP, SCHEMA_PUSH_RSP) and SCHEMA_PULL are empty.

import { assert } from '../../common/assert.js';
import { clusteringBytesMax, columnNameLengthMax, digestBytesMax, inValuesMax, keyspaceBytesMax, partitionKeyBytesMax, schemaDocumentBytesMax, tableColumnsMax, tableIdBytesMax } from '../../common/limits.js';
import {
  ByteReader,
  ByteWriter,
  decodeMutation,
  decodeMutationBatch,
  encodeMutation,
  encodeMutationBatch,
  readPartition,
  writePartition,
} from '../../storage/mutation-serializer.js';
import type { ClusteringSlice, Mutation, PartitionPosition, ReadCommand, ReadResult } from '../../storage/types.js';

const readPayloadVersion = 1;

export interface ReadRequest {
  command: ReadCommand;
  /** Answer with the digest of the result instead of the result. */
  digestOnly: boolean;
}

export type ReadResponse = { kind: 'data'; result: ReadResult } | { kind: 'digest'; digest: Buffer };

export const encodeMutationPayload = (mutation: Mutation): Buffer => encodeMutation(mutation);
/** MUTATION_BATCH: several mutations for one replica, applied there as one commit-log entry (the commit log's batch form). */
export const encodeMutationBatchPayload = (mutations: Mutation[]): Buffer => encodeMutationBatch(mutations);
export const decodeMutationBatchPayload = (payload: Buffer, source: string): Mutation[] => decodeMutationBatch(payload, { source });
export const decodeMutationPayload = (payload: Buffer, source: string): Mutation => decodeMutation(payload, { source });

function writeBytes32(writer: ByteWriter, bytes: Buffer): void {
  writer.u32(bytes.length);
  writer.bytes(bytes);
}

function writeText(writer: ByteWriter, text: string, bytesMax: number): void {
  const bytes = Buffer.from(text, 'utf8');
  assert(bytes.length <= bytesMax, 'text too long for its field');
  writer.u16(bytes.length);
  writer.bytes(bytes);
}

function readFlag(reader: ByteReader, what: string): boolean {
  const flag = reader.u8(what);
  if (flag > 1) throw reader.corrupt(`bad ${what} ${flag}`);
  return flag === 1;
}

function writeSlices(writer: ByteWriter, slices: readonly ClusteringSlice[]): void {
  assert(slices.length <= inValuesMax, 'too many slices');
  writer.u32(slices.length);
  for (const slice of slices) {
    writeBytes32(writer, slice.start);
    writeBytes32(writer, slice.end);
  }
}

function readSlices(reader: ByteReader): ClusteringSlice[] {
  const count = reader.u32('slice count');
  if (count > inValuesMax) throw reader.corrupt(`${count} slices exceed ${inValuesMax}`);
  const slices: ClusteringSlice[] = [];
  for (let index = 0; index < count; index++) {
    const start = reader.lengthPrefixed(4, clusteringBytesMax, 'slice start');
    slices.push({ start, end: reader.lengthPrefixed(4, clusteringBytesMax, 'slice end') });
  }
  return slices;
}

function writeColumns(writer: ByteWriter, columns: string[] | 'all'): void {
  if (columns === 'all') {
    writer.u8(0);
    return;
  }
  assert(columns.length <= tableColumnsMax, 'too many columns');
  writer.u8(1);
  writer.u16(columns.length);
  for (const column of columns) writeText(writer, column, columnNameLengthMax * 4);
}

function readColumns(reader: ByteReader): string[] | 'all' {
  if (!readFlag(reader, 'columns flag')) return 'all';
  const count = reader.u16('column count');
  if (count > tableColumnsMax) throw reader.corrupt(`${count} columns exceed ${tableColumnsMax}`);
  const columns: string[] = [];
  for (let index = 0; index < count; index++) columns.push(reader.utf8(columnNameLengthMax * 4, 'column name'));
  return columns;
}

function writePosition(writer: ByteWriter, position: PartitionPosition): void {
  writer.i64(position.token);
  writer.u8(position.key === undefined ? 0 : 1);
  if (position.key !== undefined) {
    writer.u16(position.key.length);
    writer.bytes(position.key);
  }
}

function readPosition(reader: ByteReader): PartitionPosition {
  const token = reader.i64Bigint('position token');
  if (!readFlag(reader, 'position key flag')) return { token };
  return { token, key: reader.lengthPrefixed(2, partitionKeyBytesMax, 'position key') };
}

function writeAfter(writer: ByteWriter, after: Buffer | undefined): void {
  writer.u8(after === undefined ? 0 : 1);
  if (after !== undefined) writeBytes32(writer, after);
}

function readAfter(reader: ByteReader): Buffer | undefined {
  return readFlag(reader, 'paging flag') ? reader.lengthPrefixed(4, clusteringBytesMax, 'paging clustering') : undefined;
}

function writeCommand(writer: ByteWriter, command: ReadCommand): void {
  writer.u8(command.kind === 'single' ? 1 : 2);
  writeText(writer, command.tableId, tableIdBytesMax);
  writeSlices(writer, command.slices);
  writer.u8(command.reversed ? 1 : 0);
  writeColumns(writer, command.columns);
  writer.i64(command.rowLimit);
  writer.i64(command.perPartitionRowLimit);
  writer.i64(command.nowSeconds);
  writer.u8(command.includeTombstones ? 1 : 0);
  if (command.kind === 'single') {
    writer.u16(command.key.length);
    writer.bytes(command.key);
    writer.i64(command.token);
    writeAfter(writer, command.afterClustering);
  } else {
    writePosition(writer, command.start);
    writePosition(writer, command.end);
    writeAfter(writer, command.afterClustering);
    writer.i64(command.partitionLimit);
    // An index query's value trails the command (absent: a plain range read, as before).
    if (command.index !== undefined) {
      writeText(writer, command.index.name, tableIdBytesMax);
      writer.u32(command.index.value.length);
      writer.bytes(command.index.value);
    }
  }
}

function readCommand(reader: ByteReader): ReadCommand {
  const kind = reader.u8('read command kind');
  if (kind !== 1 && kind !== 2) throw reader.corrupt(`unknown read command kind ${kind}`);
  const base = {
    tableId: reader.utf8(tableIdBytesMax, 'table id'),
    slices: readSlices(reader),
    reversed: readFlag(reader, 'reversed flag'),
    columns: readColumns(reader),
    rowLimit: readCount(reader, 'row limit'),
    perPartitionRowLimit: readCount(reader, 'per-partition row limit'),
    nowSeconds: reader.i64Safe('now'),
    includeTombstones: readFlag(reader, 'tombstones flag'),
  };
  if (kind === 1) {
    const key = reader.lengthPrefixed(2, partitionKeyBytesMax, 'partition key');
    const token = reader.i64Bigint('token');
    const after = readAfter(reader);
    return { kind: 'single', ...base, key, token, ...(after === undefined ? {} : { afterClustering: after }) };
  }
  const start = readPosition(reader);
  const end = readPosition(reader);
  const after = readAfter(reader);
  const partitionLimit = readCount(reader, 'partition limit');
  const index = reader.remaining() === 0 ? undefined
    : { name: reader.utf8(tableIdBytesMax, 'index name'), value: reader.lengthPrefixed(4, partitionKeyBytesMax, 'index value') };
  return {
    kind: 'range', ...base, start, end, partitionLimit, ...(after === undefined ? {} : { afterClustering: after }), ...(index === undefined ? {} : { index }),
  };
}

function readCount(reader: ByteReader, what: string): number {
  const value = reader.i64Safe(what);
  if (value < 0) throw reader.corrupt(`negative ${what} ${value}`);
  return value;
}

function finish(reader: ByteReader): void {
  if (reader.remaining() !== 0) throw reader.corrupt(`${reader.remaining()} trailing bytes`);
}

export function encodeReadRequest(request: ReadRequest): Buffer {
  const writer = new ByteWriter();
  writer.u8(readPayloadVersion);
  writer.u8(request.digestOnly ? 1 : 0);
  writeCommand(writer, request.command);
  return writer.finish();
}

export function decodeReadRequest(payload: Buffer, source: string): ReadRequest {
  const reader = new ByteReader(payload, source);
  const version = reader.u8('read payload version');
  if (version !== readPayloadVersion) throw reader.corrupt(`unknown read payload version ${version}`);
  const digestOnly = readFlag(reader, 'digest flag');
  const command = readCommand(reader);
  finish(reader);
  return { command, digestOnly };
}

export function encodeReadResponse(response: ReadResponse): Buffer {
  const writer = new ByteWriter();
  if (response.kind === 'digest') {
    assert(response.digest.length <= digestBytesMax, 'digest too long');
    writer.u8(2);
    writer.u8(response.digest.length);
    writer.bytes(response.digest);
  } else {
    writer.u8(1);
    writer.u32(response.result.partitions.length);
    for (const partition of response.result.partitions) writePartition(writer, partition);
  }
  return writer.finish();
}

export function decodeReadResponse(payload: Buffer, source: string): ReadResponse {
  const reader = new ByteReader(payload, source);
  const kind = reader.u8('read response kind');
  let response: ReadResponse;
  if (kind === 2) {
    const length = reader.u8('digest length');
    if (length > digestBytesMax) throw reader.corrupt(`digest of ${length} bytes`);
    response = { kind: 'digest', digest: reader.bytes(length, 'digest') };
  } else if (kind === 1) {
    const count = reader.u32('partition count');
    // A partition takes at least 19 bytes; a larger count than the bytes allow is corrupt.
    if (count * 19 > reader.remaining()) throw reader.corrupt(`partition count ${count} exceeds the data`);
    const partitions = [];
    for (let index = 0; index < count; index++) partitions.push(readPartition(reader));
    response = { kind: 'data', result: { partitions } };
  } else {
    throw reader.corrupt(`unknown read response kind ${kind}`);
  }
  finish(reader);
  return response;
}

export interface TruncateRequest {
  keyspace: string;
  tableId: string;
}

export function encodeTruncateRequest(request: TruncateRequest): Buffer {
  const writer = new ByteWriter();
  writeText(writer, request.keyspace, keyspaceBytesMax);
  writeText(writer, request.tableId, tableIdBytesMax);
  return writer.finish();
}

export function decodeTruncateRequest(payload: Buffer, source: string): TruncateRequest {
  const reader = new ByteReader(payload, source);
  const request = { keyspace: reader.utf8(keyspaceBytesMax, 'keyspace'), tableId: reader.utf8(tableIdBytesMax, 'table id') };
  finish(reader);
  return request;
}

export interface BatchStoreRequest {
  /** The batch's time-UUID, 16 bytes. */
  batchId: Buffer;
  creationMicros: number;
  mutations: Mutation[];
}

export function encodeBatchStoreRequest(request: BatchStoreRequest): Buffer {
  assert(request.batchId.length === 16, 'batch id is a 16-byte UUID');
  const writer = new ByteWriter();
  writer.bytes(request.batchId);
  writer.i64(request.creationMicros);
  writer.bytes(encodeMutationBatch(request.mutations));
  return writer.finish();
}

export function decodeBatchStoreRequest(payload: Buffer, source: string): BatchStoreRequest {
  const reader = new ByteReader(payload, source);
  const batchId = reader.bytes(16, 'batch id');
  const creationMicros = reader.i64Safe('batch creation time');
  const mutations = decodeMutationBatch(payload.subarray(reader.offset), { source, offset: reader.offset });
  return { batchId, creationMicros, mutations };
}

export function encodeBatchRemoveRequest(batchId: Buffer): Buffer {
  assert(batchId.length === 16, 'batch id is a 16-byte UUID');
  return Buffer.from(batchId);
}

export function decodeBatchRemoveRequest(payload: Buffer, source: string): Buffer {
  const reader = new ByteReader(payload, source);
  const batchId = reader.bytes(16, 'batch id');
  finish(reader);
  return batchId;
}

export function encodeSchemaDocument(document: string): Buffer {
  const writer = new ByteWriter();
  const bytes = Buffer.from(document, 'utf8');
  assert(bytes.length <= schemaDocumentBytesMax, 'schema document too large');
  writeBytes32(writer, bytes);
  return writer.finish();
}

export function decodeSchemaDocument(payload: Buffer, source: string): string {
  const reader = new ByteReader(payload, source);
  const document = reader.lengthPrefixed(4, schemaDocumentBytesMax, 'schema document').toString('utf8');
  finish(reader);
  return document;
}
