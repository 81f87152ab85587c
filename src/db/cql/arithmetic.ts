// Arithmetic operators of selectors and terms (Cassandra's OperationFcts): + - * / % between
// numbers, with Cassandra's type promotion (a floating type if either side is one, at the
// larger width; decimal and varint when either side is unbounded), Java's integer overflow and
// truncating division, and timestamp/date +/- duration. Failures (division by zero) are
// FunctionFailure errors worded as Cassandra's OperationExecutionException.

import { CqlError, ErrorCode, invalidRequest } from '../common/errors.js';
import { dataTypeToCql, type DataType, type NativeTypeName } from '../protocol/data-type.js';
import type { ArithmeticOperator } from './ast.js';
import { formatDuration } from './value-text.js';
import { decodeValue, encodeValue, type Duration } from '../protocol/type-codecs.js';
import {
  decimalAdd, decimalDivide, decimalFromDouble, decimalFromFloat, decimalMultiply, decimalRemainder, decimalSubtract,
  type Decimal,
} from './decimal.js';

export type { ArithmeticOperator };

const functionNames: Record<ArithmeticOperator, string> = { '+': '_add', '-': '_substract', '*': '_multiply', '/': '_divide', '%': '_modulo' };

interface NumericKind {
  /** Bytes of the value, Infinity when unbounded. */
  size: number;
  floating: boolean;
}

const numericKinds: Partial<Record<NativeTypeName, NumericKind>> = {
  tinyint: { size: 1, floating: false },
  smallint: { size: 2, floating: false },
  int: { size: 4, floating: false },
  bigint: { size: 8, floating: false },
  counter: { size: 8, floating: false },
  varint: { size: Infinity, floating: false },
  float: { size: 4, floating: true },
  double: { size: 8, floating: true },
  decimal: { size: Infinity, floating: true },
};

const native = (name: NativeTypeName): DataType => ({ kind: 'native', name });

export function numericKind(type: DataType): NumericKind | undefined {
  return type.kind === 'native' ? numericKinds[type.name] : undefined;
}

export function isTemporal(type: DataType): boolean {
  return type.kind === 'native' && (type.name === 'timestamp' || type.name === 'date');
}

const isDuration = (type: DataType): boolean => type.kind === 'native' && type.name === 'duration';

/** The result type of `left op right`, or null when Cassandra has no such operation. */
export function operationType(operator: ArithmeticOperator, { left, right }: { left: DataType; right: DataType }): DataType | null {
  const l = numericKind(left);
  const r = numericKind(right);
  if (l !== undefined && r !== undefined) {
    const size = Math.max(l.size, r.size);
    if (l.floating || r.floating) return native(size === 4 ? 'float' : size === 8 ? 'double' : 'decimal');
    return native(size === 1 ? 'tinyint' : size === 2 ? 'smallint' : size === 4 ? 'int' : size === 8 ? 'bigint' : 'varint');
  }
  if ((operator === '+' || operator === '-') && isTemporal(left) && isDuration(right)) return left;
  return null;
}

function operationFailure(operator: ArithmeticOperator, { types, error }: { types: [DataType, DataType]; error: unknown }): CqlError {
  const argTypes = types.map(dataTypeToCql);
  const detail = error instanceof Error ? error.message : String(error);
  return new CqlError(ErrorCode.FunctionFailure, `the operation '${argTypes[0]} ${operator} ${argTypes[1]}' failed: ${detail}`, {
    kind: 'functionFailure', keyspace: 'system', functionName: functionNames[operator], argTypes,
  });
}

function toBigInt(type: DataType, bytes: Buffer): bigint {
  const value = decodeValue(type, bytes);
  return typeof value === 'bigint' ? value : BigInt(value as number);
}

function toNumber(type: DataType, bytes: Buffer): number {
  const value = decodeValue(type, bytes);
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return Number((value as Decimal).unscaled) / 10 ** (value as Decimal).scale;
}

export function toDecimal(type: DataType, bytes: Buffer): Decimal {
  const value = decodeValue(type, bytes);
  if (typeof value === 'bigint') return { unscaled: value, scale: 0 };
  if (typeof value === 'number') {
    if (Number.isInteger(value) && type.kind === 'native' && !numericKind(type)!.floating) return { unscaled: BigInt(value), scale: 0 };
    return type.kind === 'native' && type.name === 'float' ? decimalFromFloat(value) : decimalFromDouble(value);
  }
  return value as Decimal;
}

const integerBits: Partial<Record<NativeTypeName, number>> = { tinyint: 8, smallint: 16, int: 32, bigint: 64, counter: 64 };

function integerOperation(operator: ArithmeticOperator, { a, b, unbounded }: { a: bigint; b: bigint; unbounded: boolean }): bigint {
  switch (operator) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': case '%':
      if (b === 0n) throw new RangeError(unbounded ? 'BigInteger divide by zero' : '/ by zero');
      return operator === '/' ? a / b : a % b;
  }
}

function floatingOperation(operator: ArithmeticOperator, { a, b }: { a: number; b: number }): number {
  switch (operator) {
    case '+': return a + b;
    case '-': return a - b;
    case '*': return a * b;
    case '/': return a / b;
    case '%': return a % b;
  }
}

function decimalOperation(operator: ArithmeticOperator, { a, b }: { a: Decimal; b: Decimal }): Decimal {
  switch (operator) {
    case '+': return decimalAdd(a, b);
    case '-': return decimalSubtract(a, b);
    case '*': return decimalMultiply(a, b);
    case '/': return decimalDivide(a, b);
    case '%': return decimalRemainder(a, b);
  }
}

/** `left op right` of the given operand types; null when either side is null or empty. */
export function applyOperation(operator: ArithmeticOperator, { types, values }: { types: [DataType, DataType]; values: [Buffer | null, Buffer | null] }): Buffer | null {
  const [left, right] = values;
  if (left === null || right === null || left.length === 0 || right.length === 0) return null;
  const result = operationType(operator, { left: types[0], right: types[1] });
  if (result === null || result.kind !== 'native') throw invalidRequest(`the '${operator}' operation is not supported between ${dataTypeToCql(types[0])} and ${dataTypeToCql(types[1])}`);
  try {
    if (isTemporal(result)) return temporalOperation(operator, result, { temporal: left, duration: decodeValue(types[1], right) as Duration });
    if (result.name === 'decimal') return encodeValue(result, decimalOperation(operator, { a: toDecimal(types[0], left), b: toDecimal(types[1], right) }));
    if (result.name === 'float' || result.name === 'double') {
      const value = floatingOperation(operator, { a: toNumber(types[0], left), b: toNumber(types[1], right) });
      return encodeValue(result, result.name === 'float' ? Math.fround(value) : value);
    }
    const bits = integerBits[result.name];
    const value = integerOperation(operator, { a: toBigInt(types[0], left), b: toBigInt(types[1], right), unbounded: bits === undefined });
    const wrapped = bits === undefined ? value : BigInt.asIntN(bits, value);
    return encodeValue(result, bits !== undefined && bits < 64 ? Number(wrapped) : wrapped);
  } catch (error) {
    if (error instanceof CqlError) throw error;
    throw operationFailure(operator, { types, error });
  }
}

/** Unary minus (Java's: the most negative integer stays itself). */
export function negate(type: DataType, value: Buffer | null): Buffer | null {
  if (value === null || value.length === 0) return null;
  const kind = numericKind(type);
  if (kind === undefined || type.kind !== 'native') throw invalidRequest(`Unsupported negation of a ${dataTypeToCql(type)}`);
  if (type.name === 'decimal') {
    const d = decodeValue(type, value) as Decimal;
    return encodeValue(type, { unscaled: -d.unscaled, scale: d.scale });
  }
  if (kind.floating) return encodeValue(type, -(decodeValue(type, value) as number));
  const bits = integerBits[type.name];
  const negated = -toBigInt(type, value);
  if (bits === undefined) return encodeValue(type, negated);
  const wrapped = BigInt.asIntN(bits, negated);
  return encodeValue(type, bits < 64 ? Number(wrapped) : wrapped);
}

const msPerDay = 86_400_000;

/** Calendar arithmetic in UTC as java.util.Calendar does it: months first (clamping the day), then days, then milliseconds. */
export function addDuration(timeMs: number, duration: Duration, { sign }: { sign: 1 | -1 }): number {
  const months = sign * duration.months;
  const days = sign * duration.days;
  const millis = sign * Number(duration.nanoseconds / 1_000_000n);
  if (months === 0) return timeMs + days * msPerDay + millis;
  const date = new Date(timeMs);
  const day = date.getUTCDate();
  const target = new Date(timeMs);
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.getTime() + days * msPerDay + millis;
}

function temporalOperation(operator: ArithmeticOperator, type: DataType, { temporal, duration }: { temporal: Buffer; duration: Duration }): Buffer {
  const sign = operator === '+' ? 1 : -1;
  const isDate = type.kind === 'native' && type.name === 'date';
  // As Cassandra's validateDuration: a date moves by whole days, a timestamp by whole milliseconds.
  if (isDate ? duration.nanoseconds !== 0n : duration.nanoseconds % 1_000_000n !== 0n) {
    throw invalidRequest(`The duration must have a ${isDate ? 'day' : 'millisecond'} precision. Was: ${formatDuration(duration)}`);
  }
  if (isDate) {
    const days = decodeValue(type, temporal) as number;
    return encodeValue(type, Math.floor(addDuration(days * msPerDay, duration, { sign }) / msPerDay));
  }
  return encodeValue(type, BigInt(addDuration(Number(decodeValue(type, temporal) as bigint), duration, { sign })));
}
