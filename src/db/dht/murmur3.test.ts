import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { murmur3Token } from './murmur3.js';
import { MAX_TOKEN } from './token.js';

// The Node.js driver's own tokenizer is the independent reference: token-aware routing must agree.
const require = createRequire(import.meta.url);
const { Murmur3Tokenizer } = require('cassandra-driver/lib/tokenizer.js') as {
  Murmur3Tokenizer: new () => { hash(value: Buffer): { getValue(): { toString(): string } } };
};
const tokenizer = new Murmur3Tokenizer();

function driverToken(key: Buffer): bigint {
  return BigInt(tokenizer.hash(key).getValue().toString());
}

/** Deterministic xorshift bytes, so failures reproduce. */
function randomBytes(seed: number, length: number): Buffer {
  let state = seed >>> 0 || 1;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    out[i] = state & 0xff;
  }
  return out;
}

test('known vectors', () => {
  // Values Cassandra reports for token('...') of text keys / blobs.
  assert.equal(murmur3Token(Buffer.alloc(0)), 0n);
  assert.equal(murmur3Token(Buffer.from('123', 'utf8')), -7468325962851647638n);
  assert.equal(murmur3Token(Buffer.from([0, 0, 0, 1])), -4069959284402364209n);
});

test('agrees with the driver for every length 0..64 and random bytes', () => {
  let seed = 12345;
  for (let length = 0; length <= 64; length++) {
    for (let round = 0; round < 60; round++) {
      const key = randomBytes(seed++, length);
      assert.equal(murmur3Token(key), driverToken(key), `key ${key.toString('hex')}`);
    }
  }
});

test('agrees with the driver on high bytes (sign-extension quirk)', () => {
  for (let length = 1; length <= 33; length++) {
    const key = Buffer.alloc(length, 0xff);
    assert.equal(murmur3Token(key), driverToken(key));
    const mixed = Buffer.from(Array.from({ length }, (_, i) => (i % 2 === 0 ? 0x80 : 0x7f)));
    assert.equal(murmur3Token(mixed), driverToken(mixed));
  }
});

test('tokens stay in range and never equal MIN_TOKEN', () => {
  for (let i = 0; i < 500; i++) {
    const token = murmur3Token(randomBytes(i + 99, i % 40));
    assert.ok(token <= MAX_TOKEN && token > -(2n ** 63n));
  }
});
