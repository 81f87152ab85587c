import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CqlError } from '../common/errors.js';
import {
  MAX_TOKEN, MIN_TOKEN, midpoint, ownerTokenIndex, parseToken, rangeContains, rangeSize, rangesForTokens,
  tokenToString, unwrapRange,
} from './token.js';

test('contains: plain, wrapping, full ring, to end of ring', () => {
  assert.ok(rangeContains({ left: 0n, right: 10n }, 10n));
  assert.ok(!rangeContains({ left: 0n, right: 10n }, 0n));
  assert.ok(!rangeContains({ left: 0n, right: 10n }, 11n));
  assert.ok(rangeContains({ left: 10n, right: 0n }, MAX_TOKEN));
  assert.ok(rangeContains({ left: 10n, right: 0n }, -5n));
  assert.ok(!rangeContains({ left: 10n, right: 0n }, 5n));
  assert.ok(rangeContains({ left: 7n, right: 7n }, 7n));
  assert.ok(rangeContains({ left: 7n, right: MIN_TOKEN }, MAX_TOKEN));
  assert.ok(!rangeContains({ left: 7n, right: MIN_TOKEN }, 0n));
});

test('rangesForTokens covers the ring once', () => {
  const ranges = rangesForTokens([-100n, 0n, 100n]);
  assert.deepEqual(ranges, [{ left: 100n, right: -100n }, { left: -100n, right: 0n }, { left: 0n, right: 100n }]);
  for (const token of [MIN_TOKEN + 1n, -100n, -99n, 0n, 1n, 100n, 101n, MAX_TOKEN]) {
    assert.equal(ranges.filter((range) => rangeContains(range, token)).length, 1, `token ${token}`);
  }
  assert.throws(() => rangesForTokens([1n, 1n]));
  assert.deepEqual(rangesForTokens([5n]), [{ left: 5n, right: 5n }]);
});

test('ownerTokenIndex finds the first token >= key token, wrapping', () => {
  const tokens = [-100n, 0n, 100n];
  assert.equal(ownerTokenIndex(tokens, -100n), 0);
  assert.equal(ownerTokenIndex(tokens, -99n), 1);
  assert.equal(ownerTokenIndex(tokens, 100n), 2);
  assert.equal(ownerTokenIndex(tokens, 101n), 0);
});

test('unwrap, size, midpoint', () => {
  assert.deepEqual(unwrapRange({ left: 10n, right: 0n }), [{ left: 10n, right: MIN_TOKEN }, { left: MIN_TOKEN, right: 0n }]);
  assert.deepEqual(unwrapRange({ left: 0n, right: 10n }), [{ left: 0n, right: 10n }]);
  assert.equal(rangeSize({ left: 0n, right: 10n }), 10n);
  assert.equal(rangeSize({ left: 3n, right: 3n }), 2n ** 64n);
  assert.equal(midpoint({ left: 0n, right: 10n }), 5n);
  assert.equal(midpoint({ left: MAX_TOKEN - 1n, right: MIN_TOKEN + 3n }), MIN_TOKEN);
});

test('token text round trip and rejects', () => {
  for (const token of [MIN_TOKEN, MAX_TOKEN, 0n, -1n, 123456789n]) assert.equal(parseToken(tokenToString(token)), token);
  for (const bad of ['', 'abc', '1.5', '9223372036854775808', '-9223372036854775809', '+1']) {
    assert.throws(() => parseToken(bad), CqlError);
  }
});
