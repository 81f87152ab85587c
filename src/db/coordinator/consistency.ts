// How many replica answers a consistency level needs (Cassandra's ConsistencyLevel.blockFor).

import { ConsistencyLevel, consistencyName } from '../common/consistency.js';
import { invalidRequest, unavailable } from '../common/errors.js';

/** Replicas needed for `level` when the keyspace has these replication factors per datacenter. */
export function blockFor(level: ConsistencyLevel, factors: Map<string, number>, localDataCenter: string): number {
  const total = [...factors.values()].reduce((a, b) => a + b, 0);
  const local = factors.get(localDataCenter) ?? total;
  const quorum = (n: number) => Math.floor(n / 2) + 1;
  switch (level) {
    case ConsistencyLevel.ANY: case ConsistencyLevel.ONE: case ConsistencyLevel.LOCAL_ONE: return 1;
    case ConsistencyLevel.TWO: return 2;
    case ConsistencyLevel.THREE: return 3;
    case ConsistencyLevel.QUORUM: case ConsistencyLevel.SERIAL: return quorum(total);
    case ConsistencyLevel.ALL: return total;
    case ConsistencyLevel.LOCAL_QUORUM: case ConsistencyLevel.LOCAL_SERIAL: return quorum(local);
    case ConsistencyLevel.EACH_QUORUM: return [...factors.values()].reduce((sum, n) => sum + quorum(n), 0);
  }
  return 1;
}

/** Throws Unavailable (before any work) when fewer replicas are alive than the level needs. */
export function checkAvailable(level: ConsistencyLevel, options: { factors: Map<string, number>; localDataCenter: string; alive: number; write: boolean }): void {
  if (!options.write && level === ConsistencyLevel.ANY) throw invalidRequest('ANY ConsistencyLevel is only supported for writes');
  if (options.write && (level === ConsistencyLevel.SERIAL || level === ConsistencyLevel.LOCAL_SERIAL)) {
    throw invalidRequest(`You must use conditional updates for serializable writes (consistency ${consistencyName(level)})`);
  }
  const required = blockFor(level, options.factors, options.localDataCenter);
  if (level === ConsistencyLevel.ANY) return;
  if (options.alive < required) throw unavailable(level, required, options.alive);
}
