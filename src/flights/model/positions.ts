// Where the map reads the planes from: `flight_positions`, the newest sample of every flying
// flight, partitioned by a wall-clock time bucket and a shard. The simulator upserts a flight's
// row in the current bucket with every tracking sample; the map reads the current and the
// previous bucket of every shard, so one poll costs 2 x positionShards partition reads however
// many flights fly (reading flight_tracking instead costs one partition read per flight per
// poll). Rows expire by TTL soon after their bucket has passed. The row repeats the flight's
// route and status for display only (weak, ONE): the status of record stays in flight_status,
// read and written at QUORUM.

import type { FlightStatus, TrackingSample } from './flight.js';

/** Wall-clock span of one bucket. */
export const positionBucketMs = 10_000;
/** Partitions per bucket, so that one bucket's writes spread over the ring. */
export const positionShards = 8;
/** Long enough for the map to read a bucket after it has passed, short enough to keep buckets small. */
export const positionTtlSeconds = 60;

export interface PlanePosition extends TrackingSample {
  origin: string;
  destination: string;
  status: FlightStatus;
}

export function positionBucket(nowMs: number): number {
  return Math.floor(nowMs / positionBucketMs) * positionBucketMs;
}

/** A flight's shard: a string hash of its number (stable across processes and restarts). */
export function positionShard(flightNumber: string): number {
  let hash = 0;
  for (let i = 0; i < flightNumber.length; i++) hash = (Math.imul(hash, 31) + flightNumber.charCodeAt(i)) >>> 0;
  return hash % positionShards;
}

/** The partitions one map poll reads: the current and the previous bucket, every shard. */
export function positionPartitions(nowMs: number): Array<{ bucketMs: number; shard: number }> {
  const current = positionBucket(nowMs);
  const partitions: Array<{ bucketMs: number; shard: number }> = [];
  for (const bucketMs of [current, current - positionBucketMs]) {
    for (let shard = 0; shard < positionShards; shard++) partitions.push({ bucketMs, shard });
  }
  return partitions;
}

/** The newest position per flight, from rows of several buckets. */
export function newestPerFlight(positions: readonly PlanePosition[]): PlanePosition[] {
  const newest = new Map<string, PlanePosition>();
  for (const position of positions) {
    const key = `${position.flightNumber}/${position.date}`;
    const seen = newest.get(key);
    if (seen === undefined || seen.recordedAtMs < position.recordedAtMs) newest.set(key, position);
  }
  return [...newest.values()];
}
