// The native aggregates over every numeric type: result types and Java's arithmetic
// (wrapping int sums, truncating integer averages, Kahan float sums, half-even decimal averages).

import test from 'node:test';
import assert from 'node:assert/strict';
import type { DataType, NativeTypeName } from '../protocol/data-type.js';
import { decodeValue, encodeValue } from '../protocol/type-codecs.js';
import { resolveAggregate } from './aggregates.js';

const t = (name: NativeTypeName): DataType => ({ kind: 'native', name });

function run(name: string, type: DataType, values: Array<unknown>): unknown {
  const fn = resolveAggregate(name, type);
  const aggregate = fn.newAggregate();
  for (const value of values) aggregate.add(value === null ? null : encodeValue(type, value));
  const out = aggregate.compute();
  return out === null ? null : decodeValue(fn.returnType, out);
}

test('sum and avg keep the argument type; integer sums wrap as Java does', () => {
  assert.equal(run('sum', t('tinyint'), [100, 100]), -56);
  assert.equal(run('sum', t('smallint'), [30000, 30000]), -5536);
  assert.equal(run('sum', t('int'), [2147483647, 1]), -2147483648);
  assert.equal(run('sum', t('bigint'), [9223372036854775807n, 1n]), -9223372036854775808n);
  assert.equal(run('sum', t('varint'), [9223372036854775807n, 1n]), 9223372036854775808n);
  assert.equal(run('sum', t('int'), [1, null, 2]), 3);
  assert.equal(run('sum', t('int'), []), 0);
});

test('avg of integers sums exactly and truncates toward zero', () => {
  assert.equal(run('avg', t('tinyint'), [100, 100, 101]), 100);
  assert.equal(run('avg', t('int'), [2147483647, 2147483647]), 2147483647);
  assert.equal(run('avg', t('int'), [-7, 0]), -3);
  assert.equal(run('avg', t('bigint'), [9223372036854775807n, 9223372036854775807n]), 9223372036854775807n);
  assert.equal(run('avg', t('int'), []), 0);
  assert.equal(run('avg', t('varint'), [10n, 11n]), 10n);
});

test('floating sums use Kahan summation; float results are rounded to float', () => {
  assert.equal(run('sum', t('double'), [0.1, 0.2, 0.3]), 0.6);
  assert.equal(run('sum', t('float'), [0.1, 0.2]), Math.fround(Math.fround(0.1) + Math.fround(0.2)));
  assert.equal(run('avg', t('double'), [1, 2]), 1.5);
  assert.equal(run('avg', t('double'), [Number.MAX_VALUE, Number.MAX_VALUE]), Number.MAX_VALUE);
  assert.equal(run('sum', t('double'), [Infinity, Infinity]), Infinity);
});

test('decimal sum is exact; decimal avg rounds half-even at the running scale', () => {
  assert.deepEqual(run('sum', t('decimal'), [{ unscaled: 15n, scale: 1 }, { unscaled: 25n, scale: 2 }]), { unscaled: 175n, scale: 2 });
  // 1 + (2 - 1) / 2 at scale 0: 0.5 rounds half-even to 0, so the average of 1 and 2 is 1, as Cassandra computes it.
  assert.deepEqual(run('avg', t('decimal'), [{ unscaled: 1n, scale: 0 }, { unscaled: 2n, scale: 0 }]), { unscaled: 1n, scale: 0 });
  assert.deepEqual(run('avg', t('decimal'), [{ unscaled: 10n, scale: 1 }, { unscaled: 20n, scale: 1 }]), { unscaled: 15n, scale: 1 });
});

test('count, min and max over any type; null when no value', () => {
  assert.equal(run('count', t('text'), ['a', null, 'b']), 2n);
  assert.equal(run('min', t('text'), ['b', 'a', 'c']), 'a');
  assert.equal(run('max', t('int'), [-1, 7, 3]), 7);
  assert.equal(run('max', t('int'), [null]), null);
  assert.equal(run('min', t('varint'), [5n, -10n]), -10n);
  assert.equal(run('max', t('counter'), [5n, 12n, -3n]), 12n);
  assert.equal(run('sum', t('counter'), [5n, 12n, -3n]), 14n);
  assert.equal(run('avg', t('counter'), [5n, 12n, -3n]), 4n);
});

test('sum of a non-numeric type is refused with Cassandra\'s signature list', () => {
  assert.throws(() => resolveAggregate('sum', t('text')), {
    message: 'Invalid call to function sum, none of its type signatures match (known type signatures: system.sum : (tinyint) -> tinyint, system.sum : (smallint) -> smallint, system.sum : (int) -> int, system.sum : (bigint) -> bigint, system.sum : (float) -> float, system.sum : (double) -> double, system.sum : (decimal) -> decimal, system.sum : (varint) -> varint, system.sum : (counter) -> counter)',
  });
});
