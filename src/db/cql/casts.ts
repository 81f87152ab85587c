// CAST(x AS type) (Cassandra's CastFcts): between numeric types with Java's narrowing
// conversions, between timestamp, date and timeuuid, and from every native type to text and
// ascii (the value's text form, as cqlsh-independent Cassandra prints it).

import { invalidRequest } from '../common/errors.js';
import { dataTypeToCql, type DataType, type NativeTypeName } from '../protocol/data-type.js';
import { decodeValue, encodeValue, type Decimal } from '../protocol/type-codecs.js';
import { numericKind, toDecimal } from './arithmetic.js';
import { decimalFromDouble, decimalToNumber } from './decimal.js';
import { timeuuidMillis } from './functions.js';
import { valueText } from './value-text.js';

const native = (name: NativeTypeName): DataType => ({ kind: 'native', name });

/** Cassandra's order of the numeric types, for the signatures it lists in errors. */
const numericOrder: NativeTypeName[] = ['tinyint', 'smallint', 'int', 'bigint', 'float', 'double', 'decimal', 'varint', 'counter'];
const temporalCasts: Record<string, NativeTypeName[]> = { timestamp: ['timeuuid', 'date'], date: ['timeuuid', 'timestamp'] };
const textualTypes: NativeTypeName[] = ['ascii', 'bigint', 'blob', 'boolean', 'date', 'decimal', 'double', 'duration', 'float', 'inet', 'int',
  'smallint', 'text', 'time', 'timestamp', 'timeuuid', 'tinyint', 'uuid', 'varint', 'counter'];

export function castFunctionName(target: NativeTypeName): string {
  const name = target === 'varchar' ? 'text' : target;
  return `castAs${name[0]!.toUpperCase()}${name.slice(1)}`;
}

/** The input types a cast to `target` accepts. */
function castSources(target: NativeTypeName): NativeTypeName[] {
  if (target === 'text' || target === 'varchar' || target === 'ascii') return textualTypes.filter((t) => t !== target);
  if (numericKind(native(target)) !== undefined && target !== 'counter') return numericOrder.filter((t) => t !== target);
  return temporalCasts[target] ?? [];
}

function javaInteger(bits: number, value: number | bigint | Decimal): bigint {
  let integral: bigint;
  if (typeof value === 'bigint') integral = value;
  else if (typeof value === 'number') {
    // Java's (int)/(long) of a double: NaN is 0, out of range saturates; then narrowing keeps the low bits.
    if (Number.isNaN(value)) return 0n;
    const limit = bits <= 32 ? 2 ** 31 : 2 ** 63;
    integral = value >= limit ? BigInt(limit) - 1n : value < -limit ? -BigInt(limit) : BigInt(Math.trunc(value));
  } else integral = value.scale <= 0 ? value.unscaled * 10n ** BigInt(-value.scale) : value.unscaled / 10n ** BigInt(value.scale);
  return BigInt.asIntN(bits, integral);
}

function numericCast(from: DataType, { to, bytes }: { to: NativeTypeName; bytes: Buffer }): Buffer {
  const value = decodeValue(from, bytes) as number | bigint | Decimal;
  const type = native(to);
  switch (to) {
    case 'tinyint': return encodeValue(type, Number(javaInteger(8, value)));
    case 'smallint': return encodeValue(type, Number(javaInteger(16, value)));
    case 'int': return encodeValue(type, Number(javaInteger(32, value)));
    case 'bigint': case 'counter': return encodeValue(type, javaInteger(64, value));
    case 'float': case 'double': {
      const number = typeof value === 'object' ? decimalToNumber(value) : Number(value);
      return encodeValue(type, to === 'float' ? Math.fround(number) : number);
    }
    // CastFcts widens a float to a double first: BigDecimal.valueOf(0.1f) is 0.10000000149011612.
    case 'decimal': return encodeValue(type, typeof value === 'number' ? decimalFromDouble(value) : toDecimal(from, bytes));
    case 'varint': {
      if (typeof value === 'bigint') return encodeValue(type, value);
      const decimal = toDecimal(from, bytes);
      return encodeValue(type, decimal.scale <= 0 ? decimal.unscaled * 10n ** BigInt(-decimal.scale) : decimal.unscaled / 10n ** BigInt(decimal.scale));
    }
    default: throw invalidRequest(`Cannot cast to ${to}`);
  }
}

function temporalCast(from: NativeTypeName, { to, bytes }: { to: NativeTypeName; bytes: Buffer }): Buffer {
  let ms: bigint;
  if (from === 'timeuuid') ms = timeuuidMillis(bytes);
  else if (from === 'date') ms = BigInt(decodeValue(native('date'), bytes) as number) * 86_400_000n;
  else ms = decodeValue(native('timestamp'), bytes) as bigint;
  if (to === 'timestamp') return encodeValue(native('timestamp'), ms);
  const days = ms >= 0n ? ms / 86_400_000n : -((-ms + 86_399_999n) / 86_400_000n);
  return encodeValue(native('date'), Number(days));
}

/**
 * The conversion of CAST(x AS target) for x of type `from`, or an Invalid error listing the
 * accepted types as Cassandra does. Casting to the same type changes nothing.
 */
export function castFunction(from: DataType, target: NativeTypeName): (bytes: Buffer | null) => Buffer | null {
  const to = target === 'varchar' ? 'text' : target;
  const fromText = dataTypeToCql(from);
  if (fromText === to) return (bytes) => bytes;
  const sources = castSources(to);
  if (from.kind !== 'native' || !sources.includes(from.name === 'varchar' ? 'text' : from.name)) {
    const name = castFunctionName(to);
    const signatures = sources.map((source) => `system.${name} : (${source}) -> ${to}`).join(', ');
    throw invalidRequest(`Invalid call to function system.${name}, none of its type signatures match (known type signatures: ${signatures})`);
  }
  const source = from.name;
  return (bytes) => {
    if (bytes === null || bytes.length === 0) return null;
    if (to === 'text' || to === 'ascii') return Buffer.from(valueText(from, bytes), 'utf8');
    if (to === 'timestamp' || to === 'date') return temporalCast(source, { to, bytes });
    return numericCast(from, { to, bytes });
  };
}
