// Which data moves when the ring changes (pure): the ranges of the finest split of the two
// rings (every token of either), each with its replicas before and after the change. A joining
// node fetches the ranges it gains from a replica that holds them now; a leaving node sends
// each of its ranges to the endpoints that gain it; a removed node's ranges are copied from a
// surviving replica to the endpoints that gain them (Cassandra's RangeStreamer and
// StorageService.getChangedReplicasForLeaving, without its strict-source rule: any live
// current replica may be the source, the one losing the range first).

import { compareTokens, rangesForTokens, type Token, type TokenRange } from '../../dht/token.js';
import type { ReplicationOptions } from '../../schema/metadata.js';
import type { Endpoint } from '../endpoint.js';
import type { TokenMetadata } from '../ring/token-metadata.js';

export interface RangeMovement {
  range: TokenRange;
  /** Replicas now, in placement order. */
  before: readonly Endpoint[];
  /** Replicas once the change completes. */
  after: readonly Endpoint[];
  /** after minus before: who must receive the range. */
  gainers: Endpoint[];
}

/** The ranges whose replicas differ between the two rings. */
export function rangeMovements(current: TokenMetadata, future: TokenMetadata, replication: ReplicationOptions): RangeMovement[] {
  const tokens = [...new Set([...current.sortedTokens(), ...future.sortedTokens()])].sort(compareTokens);
  if (tokens.length === 0 || future.sortedTokens().length === 0) return [];
  const movements: RangeMovement[] = [];
  for (const range of rangesForTokens(tokens)) {
    const right = range.right as Token;
    const before = current.sortedTokens().length === 0 ? [] : current.replicasFor(replication, right);
    const after = future.replicasFor(replication, right);
    const gainers = after.filter((endpoint) => !before.includes(endpoint));
    if (gainers.length > 0 || before.some((endpoint) => !after.includes(endpoint))) movements.push({ range, before, after, gainers });
  }
  return movements;
}

/** The ring once endpoint owns tokens (a join completes). */
export function ringWithJoined(ring: TokenMetadata, endpoint: Endpoint, tokens: readonly Token[]): TokenMetadata {
  const future = ring.clone();
  future.updateNormalTokens(endpoint, tokens);
  return future;
}

/** The ring once endpoint is gone (a decommission or removal completes). */
export function ringWithout(ring: TokenMetadata, endpoint: Endpoint): TokenMetadata {
  const future = ring.clone();
  future.removeEndpoint(endpoint);
  return future;
}

/**
 * The source of a range a gainer fetches: a live current replica other than the gainer,
 * preferring one that loses the range (it holds what the gainer replaces), then placement order.
 */
export function chooseSource(movement: RangeMovement, options: { gainer: Endpoint; isAlive: (endpoint: Endpoint) => boolean; exclude?: Endpoint }): Endpoint | undefined {
  const candidates = movement.before.filter((endpoint) => endpoint !== options.gainer && endpoint !== options.exclude && options.isAlive(endpoint));
  return candidates.find((endpoint) => !movement.after.includes(endpoint)) ?? candidates[0];
}
