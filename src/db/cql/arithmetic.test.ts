// Operators and casts: Cassandra's type promotion, Java's integer semantics, calendar
// arithmetic of durations, and the messages of failures.

import test from 'node:test';
import assert from 'node:assert/strict';
import { CqlError, ErrorCode } from '../common/errors.js';
import type { DataType, NativeTypeName } from '../protocol/data-type.js';
import { decodeValue, encodeValue } from '../protocol/type-codecs.js';
import { addDuration, applyOperation, negate, operationType, type ArithmeticOperator } from './arithmetic.js';
import { castFunction } from './casts.js';

const t = (name: NativeTypeName): DataType => ({ kind: 'native', name });

function op(operator: ArithmeticOperator, [lt, l]: [NativeTypeName, unknown], [rt, r]: [NativeTypeName, unknown]): unknown {
  const result = operationType(operator, { left: t(lt), right: t(rt) })!;
  const out = applyOperation(operator, { types: [t(lt), t(rt)], values: [encodeValue(t(lt), l), encodeValue(t(rt), r)] });
  return out === null ? null : decodeValue(result, out);
}

test('result types: floating if either side is, at the larger width; unbounded types win', () => {
  const name = (l: NativeTypeName, r: NativeTypeName) => (operationType('+', { left: t(l), right: t(r) }) as { name: string }).name;
  assert.equal(name('tinyint', 'tinyint'), 'tinyint');
  assert.equal(name('tinyint', 'int'), 'int');
  assert.equal(name('int', 'bigint'), 'bigint');
  assert.equal(name('int', 'float'), 'float');
  assert.equal(name('bigint', 'float'), 'double');
  assert.equal(name('int', 'varint'), 'varint');
  assert.equal(name('float', 'varint'), 'decimal');
  assert.equal(name('double', 'decimal'), 'decimal');
  assert.equal(name('counter', 'int'), 'bigint');
  assert.equal(name('timestamp', 'duration'), 'timestamp');
  assert.equal(operationType('*', { left: t('timestamp'), right: t('duration') }), null);
  assert.equal(operationType('+', { left: t('text'), right: t('int') }), null);
});

test('integer arithmetic wraps and truncates as Java does', () => {
  assert.equal(op('+', ['int', 2147483647], ['int', 1]), -2147483648);
  assert.equal(op('+', ['tinyint', 127], ['tinyint', 1]), -128);
  assert.equal(op('/', ['int', -7], ['int', 2]), -3);
  assert.equal(op('%', ['int', -7], ['int', 2]), -1);
  assert.equal(op('*', ['bigint', 3037000500n], ['bigint', 3037000500n]), -9223372036709301616n);
  assert.equal(op('-', ['int', 5], ['varint', 7n]), -2n);
  assert.equal(op('/', ['double', 1], ['int', 0]), Infinity);
  assert.equal(op('+', ['int', 1], ['float', 0.5]), 1.5);
  assert.deepEqual(op('/', ['decimal', { unscaled: 1n, scale: 0 }], ['int', 4]), { unscaled: 25n, scale: 2 });
  assert.equal(decodeValue(t('int'), negate(t('int'), encodeValue(t('int'), -2147483648))!), -2147483648);
});

test('integer division by zero is a FunctionFailure worded as Cassandra\'s', () => {
  assert.throws(() => op('/', ['int', 1], ['int', 0]), (error: unknown) => {
    assert.ok(error instanceof CqlError);
    assert.equal(error.code, ErrorCode.FunctionFailure);
    assert.equal(error.message, "the operation 'int / int' failed: / by zero");
    assert.deepEqual(error.details, { kind: 'functionFailure', keyspace: 'system', functionName: '_divide', argTypes: ['int', 'int'] });
    return true;
  });
  assert.throws(() => op('%', ['varint', 1n], ['varint', 0n]), { message: "the operation 'varint % varint' failed: BigInteger divide by zero" });
});

test('durations: months clamp to the end of the month, then days, then time', () => {
  const jan31 = Date.UTC(2024, 0, 31, 10, 0, 0);
  assert.equal(addDuration(jan31, { months: 1, days: 0, nanoseconds: 0n }, { sign: 1 }), Date.UTC(2024, 1, 29, 10, 0, 0));
  assert.equal(addDuration(jan31, { months: 1, days: 1, nanoseconds: 3_600_000_000_000n }, { sign: 1 }), Date.UTC(2024, 2, 1, 11, 0, 0));
  assert.equal(addDuration(jan31, { months: 0, days: 2, nanoseconds: 0n }, { sign: -1 }), Date.UTC(2024, 0, 29, 10, 0, 0));
  const date = op('+', ['date', 0], ['duration', { months: 0, days: 3, nanoseconds: 0n }]);
  assert.equal(date, 3);
  assert.throws(() => op('+', ['date', 0], ['duration', { months: 0, days: 1, nanoseconds: 3_600_000_000_000n }]), {
    message: 'The duration must have a day precision. Was: 1d1h',
  });
  assert.throws(() => op('-', ['timestamp', 0n], ['duration', { months: 0, days: 0, nanoseconds: 1_500n }]), {
    message: 'The duration must have a millisecond precision. Was: 1us500ns',
  });
});

test('casts between numbers narrow as Java does; to text as Cassandra prints values', () => {
  const cast = (from: NativeTypeName, to: NativeTypeName, value: unknown) => {
    const out = castFunction(t(from), to)(encodeValue(t(from), value));
    return out === null ? null : decodeValue(t(to === 'varchar' ? 'text' : to), out);
  };
  assert.equal(cast('double', 'int', 3.99), 3);
  assert.equal(cast('double', 'int', -3.99), -3);
  assert.equal(cast('double', 'int', 1e20), 2147483647);
  assert.equal(cast('int', 'tinyint', 300), 44);
  assert.equal(cast('bigint', 'int', 4294967297n), 1);
  assert.deepEqual(cast('float', 'decimal', Math.fround(0.1)), { unscaled: 10000000149011612n, scale: 17 });
  assert.equal(cast('decimal', 'varint', { unscaled: -199n, scale: 2 }), -1n);
  assert.equal(cast('int', 'text', 42), '42');
  assert.equal(cast('double', 'text', 1), '1.0');
  assert.equal(cast('timestamp', 'text', 1296705900000n), '2011-02-03T04:05:00.000Z');
  assert.equal(cast('timestamp', 'date', 1296705900000n), 15008);
  assert.equal(cast('date', 'timestamp', 1), 86_400_000n);
  assert.equal(cast('blob', 'text', Buffer.from([0xca, 0xfe])), 'cafe');
  assert.throws(() => castFunction(t('text'), 'int'), /^CqlError: Invalid call to function system.castAsInt, none of its type signatures match \(known type signatures: system.castAsInt : \(tinyint\) -> int, /);
  assert.throws(() => castFunction(t('boolean'), 'timestamp'), /castAsTimestamp : \(timeuuid\) -> timestamp, system.castAsTimestamp : \(date\) -> timestamp\)/);
});
