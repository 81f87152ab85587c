import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newestPerFlight, positionBucket, positionBucketMs, positionPartitions, positionShard, positionShards, type PlanePosition } from './positions.js';

test('buckets are aligned spans of wall-clock time', () => {
  const start = Date.UTC(2026, 0, 1, 12, 0, 0);
  assert.equal(positionBucket(start), start);
  assert.equal(positionBucket(start + positionBucketMs - 1), start);
  assert.equal(positionBucket(start + positionBucketMs), start + positionBucketMs);
});

test('a poll reads the current and the previous bucket of every shard', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 5);
  const partitions = positionPartitions(now);
  assert.equal(partitions.length, 2 * positionShards);
  assert.deepEqual(new Set(partitions.map((p) => p.bucketMs)), new Set([positionBucket(now), positionBucket(now) - positionBucketMs]));
});

test('shards are stable and spread flight numbers over every shard', () => {
  assert.equal(positionShard('AR1234'), positionShard('AR1234'));
  const used = new Set(Array.from({ length: 200 }, (_, i) => positionShard(`AR${1000 + i}`)));
  assert.equal(used.size, positionShards);
  for (const shard of used) assert.ok(shard >= 0 && shard < positionShards);
});

test('the newest sample of a flight wins across buckets', () => {
  const base = { date: '2026-01-01', latitude: 1, longitude: 2, altitudeFt: 3, groundSpeedKmh: 4, verticalRateFpm: 0, headingDeg: 5, fuelKg: 6, phase: 'cruise', origin: 'MAD', destination: 'JFK', status: 'en_route' } as const;
  const older: PlanePosition = { ...base, flightNumber: 'AR1', recordedAtMs: 1_000 };
  const newer: PlanePosition = { ...base, flightNumber: 'AR1', recordedAtMs: 2_000, latitude: 9 };
  const other: PlanePosition = { ...base, flightNumber: 'AR2', recordedAtMs: 1_500 };
  const result = newestPerFlight([newer, other, older]);
  assert.equal(result.length, 2);
  assert.equal(result.find((p) => p.flightNumber === 'AR1')?.latitude, 9);
});
