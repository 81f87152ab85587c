// BigDecimal's arithmetic and text forms, checked against values Java prints (worked out by hand
// from the JDK's documented rules, not from this code).

import test from 'node:test';
import assert from 'node:assert/strict';
import {
  decimalAdd, decimalDivide, decimalDivideToScale, decimalFromDouble, decimalFromFloat, decimalRemainder, decimalToString,
  javaDoubleString, javaFloatString,
} from './decimal.js';

const d = (unscaled: bigint, scale: number) => ({ unscaled, scale });

test('toString: plain down to an exponent of -6, scientific beyond and for negative scales', () => {
  assert.equal(decimalToString(d(12345n, 2)), '123.45');
  assert.equal(decimalToString(d(-5n, 3)), '-0.005');
  assert.equal(decimalToString(d(1n, 6)), '0.000001');
  assert.equal(decimalToString(d(1n, 7)), '1E-7');
  assert.equal(decimalToString(d(123n, -2)), '1.23E+4');
  assert.equal(decimalToString(d(0n, 0)), '0');
  assert.equal(decimalToString(d(100n, 0)), '100');
});

test('sums keep the larger scale; remainders follow the dividend sign', () => {
  assert.deepEqual(decimalAdd(d(15n, 1), d(25n, 2)), d(175n, 2));
  assert.deepEqual(decimalRemainder(d(55n, 1), d(2n, 0)), d(15n, 1));
  assert.deepEqual(decimalRemainder(d(-55n, 1), d(2n, 0)), d(-15n, 1));
});

test('division: rounding modes at a scale, and Cassandra\'s 32-digit quotient with trailing zeros stripped', () => {
  assert.deepEqual(decimalDivideToScale(d(5n, 0), d(2n, 0), { scale: 0, rounding: 'HALF_EVEN' }), d(2n, 0));
  assert.deepEqual(decimalDivideToScale(d(7n, 0), d(2n, 0), { scale: 0, rounding: 'HALF_EVEN' }), d(4n, 0));
  assert.deepEqual(decimalDivideToScale(d(5n, 0), d(2n, 0), { scale: 0, rounding: 'HALF_UP' }), d(3n, 0));
  assert.deepEqual(decimalDivideToScale(d(-5n, 0), d(2n, 0), { scale: 0, rounding: 'HALF_UP' }), d(-3n, 0));
  assert.equal(decimalToString(decimalDivide(d(1n, 0), d(3n, 0))), '0.33333333333333333333333333333333');
  assert.equal(decimalToString(decimalDivide(d(10n, 0), d(4n, 0))), '2.5');
  assert.throws(() => decimalDivide(d(1n, 0), d(0n, 0)), /Division by zero/);
});

test('Java\'s Double.toString and Float.toString', () => {
  assert.equal(javaDoubleString(1), '1.0');
  assert.equal(javaDoubleString(0.1), '0.1');
  assert.equal(javaDoubleString(1e7), '1.0E7');
  assert.equal(javaDoubleString(1.5e-4), '1.5E-4');
  assert.equal(javaDoubleString(-2.5), '-2.5');
  assert.equal(javaFloatString(Math.fround(0.1)), '0.1');
  assert.equal(javaFloatString(Math.fround(3.3)), '3.3');
  assert.equal(javaDoubleString(Math.fround(0.1)), '0.10000000149011612');
  assert.deepEqual(decimalFromDouble(100), d(1000n, 1));
  assert.deepEqual(decimalFromFloat(Math.fround(2.5)), d(25n, 1));
});
