// Which replicas a request needs for its consistency level, counted datacenter by datacenter
// (Cassandra's ReplicaPlan and its blockFor per level). A level is one or more groups, each a
// set of replicas (all of them, the local datacenter's, or one datacenter's) and how many of
// them must answer: EACH_QUORUM has a group per datacenter, every other level one group.
// Writes add the pending replicas of joining or leaving nodes to the counts, so a node that is
// streaming its ranges never lets a level be met without it.

import { assert, fail } from '../common/assert.js';
import { ConsistencyLevel } from '../common/consistency.js';
import { invalidRequest, unavailable } from '../common/errors.js';
import type { Endpoint } from '../cluster/endpoint.js';
import { replicationFactors } from '../schema/replication.js';
import type { ReplicationOptions } from '../schema/metadata.js';

export interface ReplicaGroup {
  /** Whether a replica counts towards this group. */
  counts(endpoint: Endpoint): boolean;
  required: number;
}

/** The replicas a read asks for data, the live ones it may fall back on, and what it needs. */
export interface DataPlan {
  contacts: readonly Endpoint[];
  spares: readonly Endpoint[];
  groups: readonly ReplicaGroup[];
  fail: (received: number, dataPresent: boolean) => Error;
}

export interface PlanContext {
  replication: ReplicationOptions;
  localDataCenter: string;
  dataCenterOf(endpoint: Endpoint): string;
}

const quorum = (n: number) => Math.floor(n / 2) + 1;

/**
 * The groups a level must satisfy. SimpleStrategy has no datacenters in its options: every
 * replica is then "local", so LOCAL_QUORUM is QUORUM, as in Cassandra with one datacenter.
 */
export function replicaGroups(level: ConsistencyLevel, context: PlanContext, pending: readonly Endpoint[] = []): ReplicaGroup[] {
  const factors = replicationFactors(context.replication);
  const simple = factors.has('');
  const total = [...factors.values()].reduce((a, b) => a + b, 0);
  const inDataCenter = (dataCenter: string) => (endpoint: Endpoint) => simple || context.dataCenterOf(endpoint) === dataCenter;
  const anywhere = () => true;
  const withPending = (group: ReplicaGroup): ReplicaGroup => ({ counts: group.counts, required: group.required + pending.filter(group.counts).length });
  switch (level) {
    case ConsistencyLevel.ANY: case ConsistencyLevel.ONE: return [withPending({ counts: anywhere, required: 1 })];
    case ConsistencyLevel.TWO: return [withPending({ counts: anywhere, required: 2 })];
    case ConsistencyLevel.THREE: return [withPending({ counts: anywhere, required: 3 })];
    case ConsistencyLevel.QUORUM: case ConsistencyLevel.SERIAL: return [withPending({ counts: anywhere, required: quorum(total) })];
    case ConsistencyLevel.ALL: return [withPending({ counts: anywhere, required: total })];
    case ConsistencyLevel.LOCAL_ONE: return [withPending({ counts: inDataCenter(context.localDataCenter), required: 1 })];
    case ConsistencyLevel.LOCAL_QUORUM: case ConsistencyLevel.LOCAL_SERIAL: {
      const local = simple ? total : factors.get(context.localDataCenter) ?? 0;
      return [withPending({ counts: inDataCenter(context.localDataCenter), required: quorum(local) })];
    }
    case ConsistencyLevel.EACH_QUORUM: {
      if (simple) return [withPending({ counts: anywhere, required: quorum(total) })];
      return [...factors].filter(([, factor]) => factor > 0)
        .map(([dataCenter, factor]) => withPending({ counts: inDataCenter(dataCenter), required: quorum(factor) }));
    }
  }
  return [withPending({ counts: anywhere, required: 1 })];
}

/** Whether the answers of these replicas satisfy every group. */
export function satisfies(groups: readonly ReplicaGroup[], answered: Iterable<Endpoint>): boolean {
  const list = [...answered];
  return groups.every((group) => list.filter(group.counts).length >= group.required);
}

/** What the error fields report: the first unmet group's need and count (the only one unless EACH_QUORUM). */
export function tally(groups: readonly ReplicaGroup[], answered: Iterable<Endpoint>): { received: number; blockFor: number } {
  const list = [...answered];
  const unmet = groups.find((group) => list.filter(group.counts).length < group.required) ?? groups[0];
  if (unmet === undefined) return { received: list.length, blockFor: 0 };
  return { received: list.filter(unmet.counts).length, blockFor: unmet.required };
}

/** Throws Unavailable when the live replicas cannot satisfy the level (checked before sending). */
export function assureSufficientLive(level: ConsistencyLevel, groups: readonly ReplicaGroup[], live: readonly Endpoint[], options: { write: boolean }): void {
  if (!options.write && level === ConsistencyLevel.ANY) throw invalidRequest('ANY ConsistencyLevel is only supported for writes');
  if (options.write && (level === ConsistencyLevel.SERIAL || level === ConsistencyLevel.LOCAL_SERIAL)) {
    throw invalidRequest('You must use conditional updates for serializable writes');
  }
  // A replica listed twice would be counted twice towards the level.
  if (!(new Set(live).size === live.length)) fail(`a live replica is listed twice: ${live.join(', ')}`);
  // ANY is met by a hint the coordinator stores itself.
  if (level === ConsistencyLevel.ANY || satisfies(groups, live)) return;
  const { received, blockFor } = tally(groups, live);
  throw unavailable(level, blockFor, received);
}

/**
 * The replicas a read contacts: the fewest live ones, closest first, that satisfy the level
 * (the first one answers with data, the others with digests).
 */
export function readContacts(groups: readonly ReplicaGroup[], liveByProximity: readonly Endpoint[]): Endpoint[] {
  const chosen: Endpoint[] = [];
  for (const endpoint of liveByProximity) {
    if (satisfies(groups, chosen)) break;
    const useful = groups.some((group) => group.counts(endpoint) && chosen.filter(group.counts).length < group.required);
    if (useful) chosen.push(endpoint);
  }
  assert(new Set(chosen).size === chosen.length, 'a read contacts a replica twice');
  return chosen;
}

/** Sorts replicas closest first: this node, then its datacenter, then the rest (stable otherwise). */
export function sortByProximity(replicas: readonly Endpoint[], context: { localEndpoint: Endpoint; localDataCenter: string; dataCenterOf(endpoint: Endpoint): string }): Endpoint[] {
  const rank = (endpoint: Endpoint) => (endpoint === context.localEndpoint ? 0 : context.dataCenterOf(endpoint) === context.localDataCenter ? 1 : 2);
  return [...replicas].sort((a, b) => rank(a) - rank(b));
}
