// The shapes of every native protocol message, v4 and v5 (spec sections 4.1 and 4.2). The
// codecs (one per message: encode, decode, encodedSize) are in the files beside this one; the
// fields only v5 carries are optional, absent on a v4 connection.

import type { ConsistencyLevel } from '../common/consistency.js';
import type { ErrorCode, ErrorDetails } from '../common/errors.js';
import type { DataType } from './data-type.js';

export const Opcode = {
  ERROR: 0x00,
  STARTUP: 0x01,
  READY: 0x02,
  AUTHENTICATE: 0x03,
  OPTIONS: 0x05,
  SUPPORTED: 0x06,
  QUERY: 0x07,
  RESULT: 0x08,
  PREPARE: 0x09,
  EXECUTE: 0x0a,
  REGISTER: 0x0b,
  EVENT: 0x0c,
  BATCH: 0x0d,
  AUTH_CHALLENGE: 0x0e,
  AUTH_RESPONSE: 0x0f,
  AUTH_SUCCESS: 0x10,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Frame header flags (spec 2.2). */
export const FrameFlag = {
  COMPRESSION: 0x01,
  TRACING: 0x02,
  CUSTOM_PAYLOAD: 0x04,
  WARNING: 0x08,
  USE_BETA: 0x10,
} as const;

/** The version a connection speaks until its STARTUP says otherwise, and the codecs' default. */
export const PROTOCOL_VERSION = 4;
/** Protocol v5 (Cassandra 4.0): checksummed segments around the envelopes, and a few new fields. */
export const PROTOCOL_V5 = 5;
/** Every version a client may start with, lowest first. */
export const PROTOCOL_VERSIONS: readonly number[] = [PROTOCOL_VERSION, PROTOCOL_V5];
/** As SUPPORTED's PROTOCOL_VERSIONS and the unsupported-version error spell them. */
export const PROTOCOL_VERSIONS_TEXT: readonly string[] = PROTOCOL_VERSIONS.map((version) => `${version}/v${version}`);
export const HEADER_BYTES = 9;

export interface FrameHeader {
  /** Version number without the direction bit. */
  version: number;
  isResponse: boolean;
  flags: number;
  /** Signed 16-bit stream id. */
  stream: number;
  opcode: number;
  bodyLength: number;
}

/** An unset bound value (protocol [value] of length -2): the column is left untouched. */
export const UNSET: unique symbol = Symbol('unset');
export type Unset = typeof UNSET;
export type BoundValue = Buffer | null | Unset;

export interface QueryParameters {
  consistency: ConsistencyLevel;
  values: BoundValue[];
  /** Names of the values when the client bound them by name (flag 0x40), else null. */
  names: string[] | null;
  skipMetadata: boolean;
  /** Rows per page; null or <= 0 means no paging. */
  pageSize: number | null;
  pagingState: Buffer | null;
  serialConsistency: ConsistencyLevel | null;
  /** Client-supplied write timestamp in microseconds. */
  defaultTimestamp: bigint | null;
  /** v5 flag 0x80: the keyspace of this query alone, instead of the session's. */
  keyspace?: string;
  /** v5 flag 0x100: "now" for TTLs and deletion times, in seconds since the epoch. */
  nowInSeconds?: number;
  /**
   * v5 EXECUTE: the result metadata id the client holds for the statement. When the statement's
   * result columns have another id now, the Rows answer carries the new id and full metadata.
   */
  resultMetadataId?: Buffer;
}

export interface ColumnSpec {
  keyspace: string;
  table: string;
  name: string;
  type: DataType;
}

/** Result metadata of Rows and Prepared results (spec 4.2.5.2). */
export interface RowsMetadata {
  /** Null when the client asked to skip metadata (flag No_metadata), columnCount still set. */
  columns: ColumnSpec[] | null;
  columnCount: number;
  /** Present when there are more pages. */
  pagingState: Buffer | null;
  /**
   * v5: the result columns differ from those the client's result metadata id names; this is
   * their id (flag Metadata_changed). The columns are then always sent.
   */
  newMetadataId?: Buffer;
}

export interface PreparedMetadata {
  columns: ColumnSpec[];
  /** Indices of the bound variables that make up the partition key, in key order. */
  partitionKeyIndices: number[];
}

export type SchemaChangeType = 'CREATED' | 'UPDATED' | 'DROPPED';
export type SchemaChangeTarget = 'KEYSPACE' | 'TABLE' | 'TYPE' | 'FUNCTION' | 'AGGREGATE';

export interface SchemaChange {
  change: SchemaChangeType;
  target: SchemaChangeTarget;
  keyspace: string;
  /** Table or type name (TABLE, TYPE), function or aggregate name (FUNCTION, AGGREGATE). */
  name?: string;
  /** Argument types of a FUNCTION or AGGREGATE as CQL text. */
  argumentTypes?: string[];
}

export type ResultMessage =
  | { kind: 'void' }
  | { kind: 'rows'; metadata: RowsMetadata; rows: Array<Array<Buffer | null>> }
  | { kind: 'setKeyspace'; keyspace: string }
  | {
    kind: 'prepared';
    id: Buffer;
    metadata: PreparedMetadata;
    resultMetadata: RowsMetadata;
    /** v5: the id of resultMetadata's columns; computed from them (resultMetadataId) when absent. */
    resultMetadataId?: Buffer;
  }
  | { kind: 'schemaChange'; schemaChange: SchemaChange };

export type EventMessage =
  | { type: 'TOPOLOGY_CHANGE'; change: 'NEW_NODE' | 'REMOVED_NODE' | 'MOVED_NODE'; address: string; port: number }
  | { type: 'STATUS_CHANGE'; change: 'UP' | 'DOWN'; address: string; port: number }
  | { type: 'SCHEMA_CHANGE'; schemaChange: SchemaChange };

export type EventType = EventMessage['type'];

export const BatchType = { LOGGED: 0, UNLOGGED: 1, COUNTER: 2 } as const;
export type BatchType = (typeof BatchType)[keyof typeof BatchType];

export type BatchStatement =
  | { kind: 'query'; query: string; values: BoundValue[] }
  | { kind: 'prepared'; id: Buffer; values: BoundValue[] };

export interface BatchMessage {
  type: BatchType;
  statements: BatchStatement[];
  consistency: ConsistencyLevel;
  serialConsistency: ConsistencyLevel | null;
  defaultTimestamp: bigint | null;
  /** v5 flag 0x80: the keyspace of this batch's unqualified statements. */
  keyspace?: string;
  /** v5 flag 0x100: "now" for TTLs and deletion times, in seconds since the epoch. */
  nowInSeconds?: number;
}

export type RequestMessage =
  | { opcode: typeof Opcode.STARTUP; options: Map<string, string> }
  | { opcode: typeof Opcode.AUTH_RESPONSE; token: Buffer | null }
  | { opcode: typeof Opcode.OPTIONS }
  | { opcode: typeof Opcode.QUERY; query: string; parameters: QueryParameters }
  /** keyspace: v5 flag 0x01, the keyspace the statement is prepared in instead of the session's. */
  | { opcode: typeof Opcode.PREPARE; query: string; keyspace?: string }
  | { opcode: typeof Opcode.EXECUTE; id: Buffer; parameters: QueryParameters }
  | { opcode: typeof Opcode.BATCH; batch: BatchMessage }
  | { opcode: typeof Opcode.REGISTER; events: string[] };

export type ResponseMessage =
  | { opcode: typeof Opcode.ERROR; code: ErrorCode; message: string; details: ErrorDetails }
  | { opcode: typeof Opcode.READY }
  | { opcode: typeof Opcode.AUTHENTICATE; authenticator: string }
  | { opcode: typeof Opcode.SUPPORTED; options: Map<string, string[]> }
  | { opcode: typeof Opcode.RESULT; result: ResultMessage }
  | { opcode: typeof Opcode.EVENT; event: EventMessage }
  | { opcode: typeof Opcode.AUTH_CHALLENGE; token: Buffer | null }
  | { opcode: typeof Opcode.AUTH_SUCCESS; token: Buffer | null };
