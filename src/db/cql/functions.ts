// CQL's native scalar functions usable in terms (Cassandra's TimeFcts, UuidFcts, BytesConversionFcts).
// Each takes already-evaluated argument bytes and returns bytes; the receiver's type decides
// which overload applies.

import { invalidRequest } from '../common/errors.js';
import type { DataType, NativeTypeName } from '../protocol/data-type.js';
import { decodeValue, encodeValue } from '../protocol/type-codecs.js';

export interface FunctionContext {
  nowMs: number;
  randomBytes(n: number): Buffer;
}

export interface NativeFunction {
  /** Argument types, for typing bind markers and literals passed as arguments. */
  argumentTypes: DataType[];
  returnType: DataType;
  evaluate(args: Array<Buffer | null>, context: FunctionContext): Buffer | null;
}

const t = (name: NativeTypeName): DataType => ({ kind: 'native', name });

/** 100-ns intervals between the UUID epoch (1582-10-15) and the Unix epoch. */
const UUID_EPOCH_OFFSET = 0x01b21dd213814000n;

/** A version-1 (time-based) UUID for a millisecond time, with random clock sequence and node. */
export function makeTimeuuid(timeMs: bigint, random: Buffer, { subMillisecond = 0n, rawLowBits = false }: { subMillisecond?: bigint; rawLowBits?: boolean } = {}): Buffer {
  const ticks = timeMs * 10_000n + UUID_EPOCH_OFFSET + subMillisecond;
  const out = Buffer.alloc(16);
  out.writeUInt32BE(Number(ticks & 0xffffffffn), 0);
  out.writeUInt16BE(Number((ticks >> 32n) & 0xffffn), 4);
  out.writeUInt16BE(Number((ticks >> 48n) & 0x0fffn) | 0x1000, 6);
  random.copy(out, 8, 0, 8);
  // minTimeuuid and maxTimeuuid use Cassandra's fixed low halves as they are (0x80.. and 0x7f..).
  if (!rawLowBits) out[8] = ((out[8] ?? 0) & 0x3f) | 0x80;
  return out;
}

/** Milliseconds of a version-1 UUID. */
export function timeuuidMillis(uuid: Buffer): bigint {
  const low = BigInt(uuid.readUInt32BE(0));
  const mid = BigInt(uuid.readUInt16BE(4));
  const high = BigInt(uuid.readUInt16BE(6) & 0x0fff);
  const ticks = (high << 48n) | (mid << 32n) | low;
  return (ticks - UUID_EPOCH_OFFSET) / 10_000n;
}

function randomUuid(context: FunctionContext): Buffer {
  const out = context.randomBytes(16);
  out[6] = ((out[6] ?? 0) & 0x0f) | 0x40;
  out[8] = ((out[8] ?? 0) & 0x3f) | 0x80;
  return out;
}

const millis = (ms: bigint) => encodeValue(t('timestamp'), ms);
const msPerDay = 86_400_000n;
const floorDiv = (a: bigint, b: bigint) => (a >= 0n ? a / b : -((-a + b - 1n) / b));

function timestampOf(type: DataType, bytes: Buffer): bigint {
  if (type.kind === 'native' && type.name === 'timeuuid') return timeuuidMillis(bytes);
  if (type.kind === 'native' && type.name === 'date') return BigInt(decodeValue(type, bytes) as number) * msPerDay;
  return decodeValue(t('timestamp'), bytes) as bigint;
}

function conversion(from: NativeTypeName, to: NativeTypeName, { convert }: { convert: (ms: bigint) => Buffer }): NativeFunction {
  return {
    argumentTypes: [t(from)],
    returnType: t(to),
    evaluate: ([arg]) => (arg === null || arg === undefined || arg.length === 0 ? null : convert(timestampOf(t(from), arg))),
  };
}

const functions = new Map<string, NativeFunction[]>();
function define(name: string, fn: NativeFunction): void {
  const list = functions.get(name) ?? [];
  list.push(fn);
  functions.set(name, list);
}

define('now', { argumentTypes: [], returnType: t('timeuuid'), evaluate: (_, c) => makeTimeuuid(BigInt(c.nowMs), c.randomBytes(8), { subMillisecond: BigInt(c.randomBytes(2).readUInt16BE(0) % 10000) }) });
define('currenttimeuuid', functions.get('now')![0]!);
define('uuid', { argumentTypes: [], returnType: t('uuid'), evaluate: (_, c) => randomUuid(c) });
define('currenttimestamp', { argumentTypes: [], returnType: t('timestamp'), evaluate: (_, c) => millis(BigInt(c.nowMs)) });
define('currentdate', { argumentTypes: [], returnType: t('date'), evaluate: (_, c) => encodeValue(t('date'), Math.floor(c.nowMs / 86_400_000)) });
define('currenttime', { argumentTypes: [], returnType: t('time'), evaluate: (_, c) => encodeValue(t('time'), BigInt(c.nowMs % 86_400_000) * 1_000_000n) });
for (const from of ['timeuuid', 'date', 'timestamp'] as const) {
  if (from !== 'timestamp') define('totimestamp', conversion(from, 'timestamp', { convert: millis }));
  if (from !== 'date') define('todate', conversion(from, 'date', { convert: (ms) => encodeValue(t('date'), Number(floorDiv(ms, msPerDay))) }));
  define('tounixtimestamp', conversion(from, 'bigint', { convert: (ms) => encodeValue(t('bigint'), ms) }));
}
define('dateof', conversion('timeuuid', 'timestamp', { convert: millis }));
define('unixtimestampof', conversion('timeuuid', 'bigint', { convert: (ms) => encodeValue(t('bigint'), ms) }));
define('mintimeuuid', conversion('timestamp', 'timeuuid', { convert: (ms) => makeTimeuuid(ms, Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80])) }));
define('maxtimeuuid', conversion('timestamp', 'timeuuid', { convert: (ms) => makeTimeuuid(ms, Buffer.from([0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f]), { subMillisecond: 9999n, rawLowBits: true }) }));

// typeAsBlob and blobAsType for every native type: the bytes are the same.
const blobTypes: NativeTypeName[] = ['ascii', 'bigint', 'boolean', 'decimal', 'double', 'float', 'inet', 'int', 'text', 'varchar',
  'timestamp', 'uuid', 'timeuuid', 'varint', 'date', 'time', 'smallint', 'tinyint', 'duration'];
for (const name of blobTypes) {
  define(`${name}asblob`, { argumentTypes: [t(name)], returnType: t('blob'), evaluate: ([arg]) => arg ?? null });
  define(`blobas${name}`, { argumentTypes: [t('blob')], returnType: t(name), evaluate: ([arg]) => arg ?? null });
}

/** Whether a native function has this (case-insensitive) name. */
export function isNativeFunction(name: string): boolean {
  return functions.has(name.toLowerCase());
}

/** The overloads of a function by (case-insensitive) name, system keyspace implied. */
export function findFunction(keyspace: string | null, name: string, { arity }: { arity: number }): NativeFunction[] {
  if (keyspace !== null && keyspace !== 'system') throw invalidRequest(`Unknown function ${keyspace}.${name}`);
  const overloads = (functions.get(name.toLowerCase()) ?? []).filter((fn) => fn.argumentTypes.length === arity);
  if (overloads.length === 0) throw invalidRequest(`Unknown function '${name}' with ${arity} arguments`);
  return overloads;
}
