// How much of the ring each endpoint holds, as nodetool status shows it ("Owns"): the share of
// the token space in its primary ranges, or, for a keyspace, in every range it replicates
// (effective ownership; with replication factor n the shares sum to n).

import { rangeSize, rangesForTokens, type Token } from '../../dht/token.js';
import type { ReplicationOptions } from '../../schema/metadata.js';
import type { Endpoint } from '../endpoint.js';
import type { TokenMetadata } from './token-metadata.js';

const ringSize = 2 ** 64;

/** Share of the ring (0..1) in each endpoint's primary ranges (the ranges ending at its tokens). */
export function primaryOwnership(ring: TokenMetadata): Map<Endpoint, number> {
  const shares = new Map<Endpoint, number>(ring.endpoints().map((endpoint) => [endpoint, 0]));
  const tokens = ring.sortedTokens();
  if (tokens.length === 0) return shares;
  for (const range of rangesForTokens(tokens)) {
    const owner = ring.tokenOwner(range.right as Token);
    shares.set(owner, (shares.get(owner) ?? 0) + Number(rangeSize(range)) / ringSize);
  }
  return shares;
}

/** Share of the ring (0..1) each endpoint holds a replica of, under a keyspace's replication. */
export function effectiveOwnership(ring: TokenMetadata, replication: ReplicationOptions): Map<Endpoint, number> {
  const shares = new Map<Endpoint, number>(ring.endpoints().map((endpoint) => [endpoint, 0]));
  for (const { range, replicas } of ring.rangesWithReplicas(replication)) {
    const share = Number(rangeSize(range)) / ringSize;
    for (const replica of replicas) shares.set(replica, (shares.get(replica) ?? 0) + share);
  }
  return shares;
}
