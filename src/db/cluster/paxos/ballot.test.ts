import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ballotMicros, compareBallots, isAfter, makeBallot, NO_BALLOT } from './ballot.js';

const nodeA = Buffer.from('0102030405060708', 'hex');
const nodeB = Buffer.from('0102030405060709', 'hex');

test('a ballot is a version-1 UUID whose time is its microseconds', () => {
  const micros = 1_764_800_000_123_456;
  const ballot = makeBallot(micros, nodeA);
  assert.equal(ballot.length, 16);
  assert.equal(ballot[6]! >> 4, 1, 'version 1');
  assert.equal(ballot[8]! >> 6, 2, 'IETF variant');
  assert.equal(ballotMicros(ballot), micros);
  // The same time as the UUID the drivers build for it (uuid v1 timestamp fields, independent arithmetic).
  const ticks = BigInt(micros) * 10n + 122_192_928_000_000_000n;
  assert.equal(ballot.readUInt32BE(0), Number(ticks % 2n ** 32n));
});

test('ballots order by time first, then by node bytes; NO_BALLOT is below all', () => {
  const early = makeBallot(1_000_000, nodeB);
  const late = makeBallot(2_000_000, nodeA);
  assert.ok(compareBallots(early, late) < 0, 'time beats node bytes');
  // Time fields are not in byte order (time_low first): 2^32 ticks later must still be later.
  const wrapped = makeBallot(429_496_730 + 1_000_000, nodeA);
  assert.ok(isAfter(wrapped, late));
  assert.ok(compareBallots(makeBallot(5, nodeA), makeBallot(5, nodeB)) < 0);
  assert.equal(compareBallots(makeBallot(5, nodeA), makeBallot(5, nodeA)), 0);
  assert.ok(isAfter(makeBallot(0, nodeA), NO_BALLOT));
  assert.equal(compareBallots(NO_BALLOT, NO_BALLOT), 0);
  assert.equal(ballotMicros(NO_BALLOT), 0);
});
