import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BloomFilter } from './bloom.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { CorruptionError } from '../../common/errors.js';
import { TestRandom } from './fixtures.test.js';

function falsePositiveRate(chance: number, count: number, random: TestRandom): number {
  const filter = BloomFilter.create(count, chance);
  const members = new Set<bigint>();
  for (let i = 0; i < count; i++) {
    const token = random.token();
    members.add(token);
    filter.add(token);
  }
  for (const token of members) assert.equal(filter.mayContain(token), true);
  let positives = 0;
  const probes = 20_000;
  for (let i = 0; i < probes; i++) {
    const token = random.token();
    if (!members.has(token) && filter.mayContain(token)) positives++;
  }
  return positives / probes;
}

describe('bloom filter', () => {
  it('keeps the false positive rate near the configured chance', () => {
    const random = new TestRandom(42);
    const onePercent = falsePositiveRate(0.01, 10_000, random);
    assert.ok(onePercent < 0.015, `rate ${onePercent}`);
    const tenPercent = falsePositiveRate(0.1, 10_000, random);
    assert.ok(tenPercent > 0.05 && tenPercent < 0.13, `rate ${tenPercent}`);
    const tiny = falsePositiveRate(0.001, 5_000, random);
    assert.ok(tiny < 0.003, `rate ${tiny}`);
  });

  it('round-trips through its encoding and rejects a bad one', () => {
    const filter = BloomFilter.create(100, 0.01);
    for (let i = 0n; i < 100n; i++) filter.add(i * 7919n - 300n);
    const out = new ByteWriter();
    filter.encode(out);
    const decoded = BloomFilter.decode(new ByteReader(Buffer.from(out.view()), { path: 'f', offset: 0 }));
    for (let i = 0n; i < 100n; i++) assert.equal(decoded.mayContain(i * 7919n - 300n), true);
    const truncated = Buffer.from(out.view()).subarray(0, out.length - 1);
    assert.throws(() => BloomFilter.decode(new ByteReader(truncated, { path: 'f', offset: 0 })), CorruptionError);
    const badHashes = Buffer.from(out.view());
    badHashes[0] = 0;
    assert.throws(() => BloomFilter.decode(new ByteReader(badHashes, { path: 'f', offset: 0 })), CorruptionError);
  });
});
