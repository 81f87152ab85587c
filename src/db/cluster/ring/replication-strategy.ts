// Replica placement, pure: given the ring and a keyspace's replication, which endpoints hold a
// token. Both strategies walk the ring clockwise from the token's owner, as Cassandra does:
// - SimpleStrategy takes the first replication_factor distinct endpoints.
// - NetworkTopologyStrategy fills each datacenter's factor, preferring an endpoint from a rack
//   not yet used in that datacenter; when a datacenter has fewer racks than its factor, the
//   first endpoints met from already-used racks fill the difference (as many as
//   factor - racks), so every rack still gets one replica. A factor above a datacenter's
//   endpoint count is capped at that count.

import { assert } from '../../common/assert.js';
import { configurationError } from '../../common/errors.js';
import { ownerTokenIndex, type Token } from '../../dht/token.js';
import type { ReplicationOptions } from '../../schema/metadata.js';
import {
  EVERYWHERE_STRATEGY,
  LOCAL_STRATEGY,
  NETWORK_TOPOLOGY_STRATEGY,
  replicationFactors,
  SIMPLE_STRATEGY,
} from '../../schema/replication.js';
import type { Endpoint } from '../endpoint.js';

/** What placement needs to know about the ring. */
export interface RingView {
  sortedTokens(): readonly Token[];
  tokenOwner(token: Token): Endpoint;
  endpoints(): Endpoint[];
  location(endpoint: Endpoint): { dataCenter: string; rack: string };
}

export interface PlacementQuery {
  replication: ReplicationOptions;
  token: Token;
  /** The single replica of LocalStrategy keyspaces. */
  localEndpoint?: Endpoint | undefined;
}

export function placeReplicas(ring: RingView, query: PlacementQuery): Endpoint[] {
  const strategy = query.replication.class;
  if (strategy === SIMPLE_STRATEGY) {
    return simpleStrategyReplicas(ring, { token: query.token, factor: replicationFactors(query.replication).get('') ?? 0 });
  }
  if (strategy === NETWORK_TOPOLOGY_STRATEGY) {
    return networkTopologyReplicas(ring, { token: query.token, factors: replicationFactors(query.replication) });
  }
  if (strategy === LOCAL_STRATEGY) {
    assert(query.localEndpoint !== undefined, 'LocalStrategy placement needs the local endpoint');
    return [query.localEndpoint];
  }
  if (strategy === EVERYWHERE_STRATEGY) return distinctOwnersFrom(ring, query.token, Number.MAX_SAFE_INTEGER);
  throw configurationError(`Unable to find replication strategy class '${strategy}'`);
}

/** The ring's tokens in clockwise order starting with the owner of `token`. */
function* ringWalk(ring: RingView, token: Token): Generator<Endpoint> {
  const tokens = ring.sortedTokens();
  if (tokens.length === 0) return;
  const start = ownerTokenIndex(tokens, token);
  for (let step = 0; step < tokens.length; step++) {
    yield ring.tokenOwner(tokens[(start + step) % tokens.length] as Token);
  }
}

function distinctOwnersFrom(ring: RingView, token: Token, count: number): Endpoint[] {
  const replicas: Endpoint[] = [];
  if (count <= 0) return replicas;
  for (const endpoint of ringWalk(ring, token)) {
    if (replicas.includes(endpoint)) continue;
    replicas.push(endpoint);
    if (replicas.length >= count) break;
  }
  return replicas;
}

export function simpleStrategyReplicas(ring: RingView, options: { token: Token; factor: number }): Endpoint[] {
  return distinctOwnersFrom(ring, options.token, options.factor);
}

/** Per-datacenter progress of a NetworkTopologyStrategy walk. */
interface DataCenterFill {
  replicasLeft: number;
  rackRepeatsLeft: number;
  racksUsed: Set<string>;
}

export function networkTopologyReplicas(ring: RingView, options: { token: Token; factors: ReadonlyMap<string, number> }): Endpoint[] {
  const fills = dataCenterFills(ring, options.factors);
  const replicas: Endpoint[] = [];
  let dataCentersLeft = fills.size;
  if (dataCentersLeft === 0) return replicas;
  for (const endpoint of ringWalk(ring, options.token)) {
    const { dataCenter, rack } = ring.location(endpoint);
    const fill = fills.get(dataCenter);
    if (fill === undefined || fill.replicasLeft === 0 || replicas.includes(endpoint)) continue;
    if (!fill.racksUsed.has(rack)) {
      fill.racksUsed.add(rack);
    } else if (fill.rackRepeatsLeft > 0) {
      fill.rackRepeatsLeft--;
    } else {
      continue; // keep the remaining replicas for racks not used yet
    }
    replicas.push(endpoint);
    fill.replicasLeft--;
    if (fill.replicasLeft === 0 && --dataCentersLeft === 0) break;
  }
  return replicas;
}

function dataCenterFills(ring: RingView, factors: ReadonlyMap<string, number>): Map<string, DataCenterFill> {
  const endpointsPerDataCenter = new Map<string, number>();
  const racksPerDataCenter = new Map<string, Set<string>>();
  for (const endpoint of ring.endpoints()) {
    const { dataCenter, rack } = ring.location(endpoint);
    endpointsPerDataCenter.set(dataCenter, (endpointsPerDataCenter.get(dataCenter) ?? 0) + 1);
    let racks = racksPerDataCenter.get(dataCenter);
    if (racks === undefined) racksPerDataCenter.set(dataCenter, (racks = new Set()));
    racks.add(rack);
  }
  const fills = new Map<string, DataCenterFill>();
  for (const [dataCenter, factor] of factors) {
    const endpointCount = endpointsPerDataCenter.get(dataCenter) ?? 0;
    if (factor <= 0 || endpointCount === 0) continue;
    const racksTotal = racksPerDataCenter.get(dataCenter)?.size ?? 0;
    fills.set(dataCenter, {
      replicasLeft: Math.min(factor, endpointCount),
      rackRepeatsLeft: Math.max(0, factor - racksTotal),
      racksUsed: new Set(),
    });
  }
  return fills;
}
