// The error catalogue (house style 8): every operating error the database reports.
// Each CqlError maps to one native-protocol ERROR code and body (spec section 9).
// Programmer errors are not here: they are assertions (assert.ts) and crash.

import type { ConsistencyLevel } from './consistency.js';

export const ErrorCode = {
  ServerError: 0x0000,
  ProtocolError: 0x000a,
  BadCredentials: 0x0100,
  Unavailable: 0x1000,
  Overloaded: 0x1001,
  IsBootstrapping: 0x1002,
  TruncateError: 0x1003,
  WriteTimeout: 0x1100,
  ReadTimeout: 0x1200,
  ReadFailure: 0x1300,
  FunctionFailure: 0x1400,
  WriteFailure: 0x1500,
  SyntaxError: 0x2000,
  Unauthorized: 0x2100,
  Invalid: 0x2200,
  ConfigError: 0x2300,
  AlreadyExists: 0x2400,
  Unprepared: 0x2500,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

{
  const seen = new Set<number>();
  for (const [name, code] of Object.entries(ErrorCode)) {
    if (seen.has(code)) throw new Error(`duplicate error code for ${name}`);
    seen.add(code);
  }
}

/** The write types of WriteTimeout/WriteFailure bodies, as the spec spells them. */
export type WriteType = 'SIMPLE' | 'BATCH' | 'UNLOGGED_BATCH' | 'COUNTER' | 'BATCH_LOG' | 'CAS' | 'VIEW' | 'CDC';

/** Why a replica failed a request (Cassandra's RequestFailureReason), as v5's reason map codes it. */
export const RequestFailureReason = {
  UNKNOWN: 0x0000,
  READ_TOO_MANY_TOMBSTONES: 0x0001,
  TIMEOUT: 0x0002,
  INCOMPATIBLE_SCHEMA: 0x0003,
} as const;
export type RequestFailureReason = (typeof RequestFailureReason)[keyof typeof RequestFailureReason];

/** A replica that failed, and why: one entry of a failure's reason map. */
export interface ReplicaFailure {
  /** The replica's IP address (an [inetaddr] on the wire). */
  endpoint: string;
  reason: RequestFailureReason;
}

/**
 * The code-specific part of an ERROR body. In the failures, `reasons` is v5's reason map and
 * v4 sends only its size; without it, v4 sends numFailures and v5 an empty map.
 */
export type ErrorDetails =
  | { kind: 'none' }
  | { kind: 'unavailable'; consistency: ConsistencyLevel; required: number; alive: number }
  /** contentions: the Paxos contentions of a CAS write, which v5 sends after a CAS write type. */
  | { kind: 'writeTimeout'; consistency: ConsistencyLevel; received: number; blockFor: number; writeType: WriteType; contentions?: number }
  | { kind: 'readTimeout'; consistency: ConsistencyLevel; received: number; blockFor: number; dataPresent: boolean }
  | { kind: 'readFailure'; consistency: ConsistencyLevel; received: number; blockFor: number; numFailures: number; dataPresent: boolean; reasons?: ReplicaFailure[] }
  | { kind: 'writeFailure'; consistency: ConsistencyLevel; received: number; blockFor: number; numFailures: number; writeType: WriteType; reasons?: ReplicaFailure[] }
  | { kind: 'functionFailure'; keyspace: string; functionName: string; argTypes: string[] }
  | { kind: 'alreadyExists'; keyspace: string; table: string }
  | { kind: 'unprepared'; id: Buffer };

/** An error reported to a client as a native-protocol ERROR message. */
export class CqlError extends Error {
  override name = 'CqlError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetails = { kind: 'none' },
  ) {
    super(message);
  }
}

export const serverError = (message: string) => new CqlError(ErrorCode.ServerError, message);
export const protocolError = (message: string) => new CqlError(ErrorCode.ProtocolError, message);
export const badCredentials = (message: string) => new CqlError(ErrorCode.BadCredentials, message);
export const syntaxError = (message: string) => new CqlError(ErrorCode.SyntaxError, message);
export const invalidRequest = (message: string) => new CqlError(ErrorCode.Invalid, message);
export const unauthorized = (message: string) => new CqlError(ErrorCode.Unauthorized, message);
export const configurationError = (message: string) => new CqlError(ErrorCode.ConfigError, message);
export const overloaded = (message: string) => new CqlError(ErrorCode.Overloaded, message);
export const truncateError = (message: string) => new CqlError(ErrorCode.TruncateError, message);

export function alreadyExists(keyspace: string, table: string): CqlError {
  const what = table === '' ? `keyspace ${keyspace}` : `table ${keyspace}.${table}`;
  return new CqlError(ErrorCode.AlreadyExists, `Cannot add already existing ${what}`, { kind: 'alreadyExists', keyspace, table });
}

export function unprepared(id: Buffer): CqlError {
  return new CqlError(ErrorCode.Unprepared, `Prepared query with ID ${id.toString('hex')} not found`, { kind: 'unprepared', id });
}

export function unavailable(consistency: ConsistencyLevel, required: number, alive: number): CqlError {
  return new CqlError(ErrorCode.Unavailable, `Cannot achieve consistency level: required ${required}, alive ${alive}`, {
    kind: 'unavailable', consistency, required, alive,
  });
}

export function writeTimeout(consistency: ConsistencyLevel, received: number, blockFor: number, writeType: WriteType): CqlError {
  return new CqlError(ErrorCode.WriteTimeout, `Operation timed out - received only ${received} responses.`, {
    kind: 'writeTimeout', consistency, received, blockFor, writeType,
  });
}

export function readTimeout(consistency: ConsistencyLevel, received: number, blockFor: number, dataPresent: boolean): CqlError {
  return new CqlError(ErrorCode.ReadTimeout, `Operation timed out - received only ${received} responses.`, {
    kind: 'readTimeout', consistency, received, blockFor, dataPresent,
  });
}

/**
 * Storage found bytes that fail their checksum or do not parse. Names the file and offset;
 * the read that met it fails (reported to clients as a ServerError), never returns wrong data.
 */
export class CorruptionError extends Error {
  override name = 'CorruptionError';
  constructor(readonly path: string, readonly offset: number, detail: string) {
    super(`corrupt data in ${path} at offset ${offset}: ${detail}`);
  }
}

/** A disk operation failed (disk full, permission, I/O error). `cause` holds the system error code. */
export class DiskError extends Error {
  override name = 'DiskError';
  constructor(readonly path: string, readonly operation: string, readonly systemCode: string, detail: string) {
    super(`${operation} ${path} failed: ${systemCode} ${detail}`);
  }
}

/** A bad configuration file or flag. Names the key and the problem. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
  constructor(readonly key: string, problem: string) {
    super(`configuration error in '${key}': ${problem}`);
  }
}

/** Maps any thrown value to the CqlError a client should see. */
/** A write that met a full disk: expected while the disk is full (the storage engine logs the episode once), not a bug. */
export function isDiskFull(error: unknown): error is DiskError {
  return error instanceof DiskError && error.systemCode === 'ENOSPC';
}

export function toCqlError(error: unknown): CqlError {
  if (error instanceof CqlError) return error;
  if (isDiskFull(error)) return serverError(`Disk full: No space left on device (${error.operation} ${error.path})`);
  if (error instanceof CorruptionError || error instanceof DiskError) return serverError(error.message);
  if (error instanceof Error) return serverError(`${error.name}: ${error.message}`);
  return serverError(String(error));
}

/** Why an internode request got no answer: no response in time, a failure response, a full queue, or shutdown. */
export type InternodeFailure = 'timeout' | 'failure' | 'overloaded' | 'closed';

/**
 * An internode request that did not succeed. The coordinator turns these into the client's
 * WriteTimeout, ReadTimeout, ReadFailure or WriteFailure as the consistency level demands.
 */
export class InternodeError extends Error {
  override name = 'InternodeError';
  constructor(readonly reason: InternodeFailure, readonly peer: string, readonly verb: string, detail: string) {
    super(`${verb} to ${peer}: ${reason}: ${detail}`);
  }
}
