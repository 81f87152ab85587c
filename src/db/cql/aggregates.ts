// CQL's native aggregate functions (Cassandra's AggregateFcts): count(*), count, min, max for
// every type, sum and avg for every numeric type. Results keep the argument's type, as in
// Cassandra: sum of int is an int (wrapping on overflow like Java's int), avg of int truncates;
// float and double sums use Kahan summation; the avg of integers sums exactly.

import { invalidRequest } from '../common/errors.js';
import { dataTypeToCql, type DataType, type NativeTypeName } from '../protocol/data-type.js';
import { decodeValue, encodeValue } from '../protocol/type-codecs.js';
import { compareValues } from '../schema/value-order.js';
import {
  decimalAdd, decimalDivideToScale, decimalFromDouble, decimalSubtract, decimalToNumber, type Decimal,
} from './decimal.js';

/** The state of one aggregate over one group of rows. */
export interface Aggregate {
  add(value: Buffer | null): void;
  compute(): Buffer | null;
}

export interface AggregateFunction {
  name: string;
  argumentType: DataType | null;
  returnType: DataType;
  newAggregate(): Aggregate;
}

export const aggregateNames: ReadonlySet<string> = new Set(['count', 'min', 'max', 'sum', 'avg']);

const native = (name: NativeTypeName): DataType => ({ kind: 'native', name });
const bigint = native('bigint');

/** The numeric types sum and avg are defined over, in Cassandra's declaration order. */
export const numericTypeNames: readonly NativeTypeName[] = ['tinyint', 'smallint', 'int', 'bigint', 'float', 'double', 'decimal', 'varint', 'counter'];

export const countRows: AggregateFunction = {
  name: 'countRows', argumentType: null, returnType: bigint,
  newAggregate() {
    let count = 0n;
    return { add: () => { count++; }, compute: () => encodeValue(bigint, count) };
  },
};

function count(type: DataType): AggregateFunction {
  return {
    name: 'count', argumentType: type, returnType: bigint,
    newAggregate() {
      let n = 0n;
      return { add: (value) => { if (value !== null && value.length > 0) n++; }, compute: () => encodeValue(bigint, n) };
    },
  };
}

/** Counters compare as signed 64-bit numbers (Cassandra's min and max for counters); other types by their order. */
function comparatorOf(type: DataType): (a: Buffer, b: Buffer) => number {
  if (type.kind === 'native' && type.name === 'counter') {
    return (a, b) => {
      const x = a.readBigInt64BE(0);
      const y = b.readBigInt64BE(0);
      return x < y ? -1 : x > y ? 1 : 0;
    };
  }
  return (a, b) => compareValues(type, a, { b });
}

function extremum(name: 'min' | 'max', type: DataType): AggregateFunction {
  const better = name === 'min' ? (c: number) => c < 0 : (c: number) => c > 0;
  const compare = comparatorOf(type);
  return {
    name, argumentType: type, returnType: type,
    newAggregate() {
      let best: Buffer | null = null;
      return {
        add(value) {
          if (value === null || value.length === 0) return;
          if (best === null || better(compare(value, best))) best = value;
        },
        compute: () => best,
      };
    },
  };
}

/** Java's narrowing of an integer sum to the type's width. */
function wrap(name: NativeTypeName, value: bigint): bigint {
  switch (name) {
    case 'tinyint': return BigInt.asIntN(8, value);
    case 'smallint': return BigInt.asIntN(16, value);
    case 'int': return BigInt.asIntN(32, value);
    case 'bigint': case 'counter': return BigInt.asIntN(64, value);
    default: return value;
  }
}

function integerValue(name: NativeTypeName, bytes: Buffer): bigint {
  const value = decodeValue(native(name), bytes);
  return typeof value === 'bigint' ? value : BigInt(value as number);
}

function encodeInteger(name: NativeTypeName, value: bigint): Buffer {
  const type = native(name);
  return name === 'bigint' || name === 'counter' || name === 'varint' ? encodeValue(type, value) : encodeValue(type, Number(value));
}

/** Kahan summation of doubles, as Cassandra's FloatSumAggregate. */
class KahanSum {
  sum = 0;
  compensation = 0;
  simple = 0;
  add(x: number): void {
    this.simple += x;
    const y = x - this.compensation;
    const rounded = this.sum + y;
    this.compensation = (rounded - this.sum) - y;
    this.sum = rounded;
  }
  total(): number {
    const total = this.sum + this.compensation;
    return Number.isNaN(total) && !Number.isFinite(this.simple) && !Number.isNaN(this.simple) ? this.simple : total;
  }
}

function sum(name: NativeTypeName): AggregateFunction {
  const type = native(name);
  return {
    name: 'sum', argumentType: type, returnType: type,
    newAggregate(): Aggregate {
      if (name === 'float' || name === 'double') {
        const kahan = new KahanSum();
        return {
          add: (v) => { if (v !== null && v.length > 0) kahan.add(decodeValue(type, v) as number); },
          compute: () => encodeValue(type, name === 'float' ? Math.fround(kahan.total()) : kahan.total()),
        };
      }
      if (name === 'decimal') {
        let total: Decimal = { unscaled: 0n, scale: 0 };
        return {
          add: (v) => { if (v !== null && v.length > 0) total = decimalAdd(total, decodeValue(type, v) as Decimal); },
          compute: () => encodeValue(type, total),
        };
      }
      let total = 0n;
      return {
        add: (v) => { if (v !== null && v.length > 0) total = wrap(name, total + integerValue(name, v)); },
        compute: () => encodeInteger(name, total),
      };
    },
  };
}

function avg(name: NativeTypeName): AggregateFunction {
  const type = native(name);
  return {
    name: 'avg', argumentType: type, returnType: type,
    newAggregate(): Aggregate {
      if (name === 'float' || name === 'double') return floatingAverage(name);
      if (name === 'decimal') return decimalAverage();
      // Integers: an exact sum (Cassandra's long with a BigInteger fallback), truncated quotient.
      let total = 0n;
      let n = 0n;
      return {
        add: (v) => { if (v !== null && v.length > 0) { total += integerValue(name, v); n++; } },
        compute: () => encodeInteger(name, n === 0n ? 0n : total / n),
      };
    },
  };
}

/** Kahan-summed doubles, switching to an exact decimal sum once the double sum overflows (FloatAvgAggregate). */
function floatingAverage(name: 'float' | 'double'): Aggregate {
  const type = native(name);
  const kahan = new KahanSum();
  let n = 0;
  let exact: Decimal | null = null;
  return {
    add(v) {
      if (v === null || v.length === 0) return;
      n++;
      const x = decodeValue(type, v) as number;
      if (exact !== null) {
        exact = decimalAdd(exact, decimalFromDouble(x));
        return;
      }
      const previous = kahan.sum;
      kahan.add(x);
      if (!Number.isFinite(kahan.sum) && Number.isFinite(x)) exact = decimalAdd(decimalFromDouble(previous), decimalFromDouble(x));
    },
    compute() {
      let average = 0;
      if (n > 0 && exact !== null) average = decimalToNumber(decimalDivideToScale(exact, { unscaled: BigInt(n), scale: 0 }, { scale: exact.scale, rounding: 'HALF_EVEN' }));
      else if (n > 0) average = kahan.total() / n;
      return encodeValue(type, name === 'float' ? Math.fround(average) : average);
    },
  };
}

/** A running average, avg += (x - avg) / n rounded half-even, as Cassandra's decimal avg. */
function decimalAverage(): Aggregate {
  const type = native('decimal');
  let average: Decimal = { unscaled: 0n, scale: 0 };
  let n = 0n;
  return {
    add(v) {
      if (v === null || v.length === 0) return;
      n++;
      const delta = decimalSubtract(decodeValue(type, v) as Decimal, average);
      average = decimalAdd(average, decimalDivideToScale(delta, { unscaled: n, scale: 0 }, { scale: delta.scale, rounding: 'HALF_EVEN' }));
    },
    compute: () => encodeValue(type, average),
  };
}

function isNumeric(type: DataType): type is { kind: 'native'; name: NativeTypeName } {
  return type.kind === 'native' && numericTypeNames.includes(type.name);
}

/** The signatures Cassandra lists when no overload of sum or avg accepts the argument. */
function signatures(name: string): string {
  return numericTypeNames.map((t) => `system.${name} : (${t}) -> ${t}`).join(', ');
}

/** The aggregate `name` over an argument of `type`, or an Invalid error as Cassandra words it. */
export function resolveAggregate(name: string, type: DataType): AggregateFunction {
  switch (name) {
    case 'count': return count(type);
    case 'min': case 'max': return extremum(name, type);
    case 'sum': case 'avg':
      if (!isNumeric(type)) {
        throw invalidRequest(`Invalid call to function ${name}, none of its type signatures match (known type signatures: ${signatures(name)})`);
      }
      return name === 'sum' ? sum(type.name) : avg(type.name);
    default:
      throw invalidRequest(`Unknown aggregate ${name} over ${dataTypeToCql(type)}`);
  }
}
