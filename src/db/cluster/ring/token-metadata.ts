// TokenMetadata: which endpoint owns which ring tokens (vnodes), and where each endpoint sits
// (datacenter, rack). It answers the replica question for a keyspace's replication through
// the pure placement functions of replication-strategy.ts, and, while nodes join (BOOT) or
// leave (LEAVING), which extra endpoints writes must also reach. Cassandra keeps the same nouns.

import { assert, fail } from '../../common/assert.js';
import { gossipEndpointsMax, numTokensMax, replicaCacheEntriesMax } from '../../common/limits.js';
import type { Random } from '../../common/world.js';
import { compareTokens, MIN_TOKEN, ownerTokenIndex, rangesForTokens, type Token, type TokenRange } from '../../dht/token.js';
import type { ReplicationOptions } from '../../schema/metadata.js';
import type { Endpoint } from '../endpoint.js';
import { placeReplicas, type RingView } from './replication-strategy.js';

export interface Location {
  dataCenter: string;
  rack: string;
}

export interface TokenMetadataOptions {
  /** This node's endpoint, the single replica of LocalStrategy keyspaces. */
  localEndpoint?: Endpoint;
}

export class TokenMetadata implements RingView {
  private readonly owners = new Map<Token, Endpoint>();
  private readonly tokensByEndpoint = new Map<Endpoint, Token[]>();
  private readonly locations = new Map<Endpoint, Location>();
  private sorted: Token[] | undefined;
  /** Replicas by replication (its canonical text) and range token. */
  private readonly replicaCache = new Map<string, Map<Token, readonly Endpoint[]>>();
  private replicaCacheEntries = 0;
  /** Endpoints announcing BOOT with the tokens they will own once NORMAL. */
  private readonly bootstrapping = new Map<Endpoint, Token[]>();
  /** Owners announcing LEAVING: they still own their tokens until LEFT. */
  private readonly leaving = new Set<Endpoint>();
  /** The ring once every pending join and departure completes (built on demand). */
  private future: TokenMetadata | undefined;
  readonly localEndpoint: Endpoint | undefined;

  constructor(options: TokenMetadataOptions = {}) {
    this.localEndpoint = options.localEndpoint;
  }

  /** Sets an endpoint's tokens (replacing its previous ones); a token owned by another endpoint moves. */
  updateNormalTokens(endpoint: Endpoint, tokens: readonly Token[]): void {
    if (!(tokens.length > 0 && tokens.length <= numTokensMax)) fail(`bad token count ${tokens.length}`);
    assert(this.tokensByEndpoint.has(endpoint) || this.tokensByEndpoint.size < gossipEndpointsMax, 'too many endpoints in the ring');
    this.removeTokensOf(endpoint);
    const distinct = [...new Set(tokens)].sort(compareTokens);
    for (const token of distinct) {
      assert(token !== MIN_TOKEN, 'MIN_TOKEN cannot be owned');
      const previous = this.owners.get(token);
      if (previous !== undefined) this.dropToken(previous, token);
      this.owners.set(token, endpoint);
    }
    this.tokensByEndpoint.set(endpoint, distinct);
    this.bootstrapping.delete(endpoint);
    this.leaving.delete(endpoint);
    this.changed();
  }

  /** A joining endpoint (BOOT) and the tokens it will own; writes to those ranges go to it too. */
  addBootstrapTokens(endpoint: Endpoint, tokens: readonly Token[]): void {
    if (!(tokens.length > 0 && tokens.length <= numTokensMax)) fail(`bad token count ${tokens.length}`);
    assert(tokens.every((token) => token !== MIN_TOKEN), 'MIN_TOKEN cannot be owned');
    assert(this.bootstrapping.has(endpoint) || this.bootstrapping.size < gossipEndpointsMax, 'too many joining endpoints');
    this.removeTokensOf(endpoint);
    this.tokensByEndpoint.delete(endpoint);
    this.leaving.delete(endpoint);
    this.bootstrapping.set(endpoint, [...new Set(tokens)].sort(compareTokens));
    this.changed();
  }

  /** An owner announcing LEAVING: its ranges move to others once it has LEFT. */
  addLeavingEndpoint(endpoint: Endpoint): void {
    if (!this.tokensByEndpoint.has(endpoint)) return;
    this.leaving.add(endpoint);
    this.changed();
  }

  bootstrappingEndpoints(): Endpoint[] {
    return [...this.bootstrapping.keys()].sort();
  }

  leavingEndpoints(): Endpoint[] {
    return [...this.leaving].sort();
  }

  /**
   * Endpoints that are not replicas of token now but will be once pending joins and departures
   * complete: writes go to them as well, so a joining node misses nothing while it streams.
   */
  pendingReplicasFor(replication: ReplicationOptions, token: Token): Endpoint[] {
    if (this.bootstrapping.size === 0 && this.leaving.size === 0) return [];
    this.future ??= this.futureRing();
    const current = new Set(this.replicasFor(replication, token));
    return this.future.replicasFor(replication, token).filter((endpoint) => !current.has(endpoint));
  }

  /** Sets where an endpoint sits; placement by NetworkTopologyStrategy depends on it. */
  updateLocation(endpoint: Endpoint, location: Location): void {
    this.locations.set(endpoint, { ...location });
    this.changed();
  }

  removeEndpoint(endpoint: Endpoint): void {
    this.removeTokensOf(endpoint);
    this.tokensByEndpoint.delete(endpoint);
    this.bootstrapping.delete(endpoint);
    this.leaving.delete(endpoint);
    this.locations.delete(endpoint);
    this.changed();
  }

  isMember(endpoint: Endpoint): boolean {
    return this.tokensByEndpoint.has(endpoint);
  }

  /** Endpoints that own tokens, sorted. */
  endpoints(): Endpoint[] {
    return [...this.tokensByEndpoint.keys()].sort();
  }

  tokensOf(endpoint: Endpoint): readonly Token[] {
    return this.tokensByEndpoint.get(endpoint) ?? [];
  }

  sortedTokens(): readonly Token[] {
    this.sorted ??= [...this.owners.keys()].sort(compareTokens);
    return this.sorted;
  }

  tokenOwner(token: Token): Endpoint {
    const owner = this.owners.get(token);
    if (!(owner !== undefined)) fail(`no owner for ring token ${token}`);
    return owner;
  }

  /** Where an endpoint sits; endpoints never told default to datacenter1/rack1 (SimpleSnitch). */
  location(endpoint: Endpoint): Location {
    return this.locations.get(endpoint) ?? { dataCenter: 'datacenter1', rack: 'rack1' };
  }

  /** The replicas of a token under a keyspace's replication, in placement order. */
  replicasFor(replication: ReplicationOptions, token: Token): readonly Endpoint[] {
    if (this.owners.size === 0) return [];
    // Every token of a range (previous, t] has the replicas of t: cache per range, not per token.
    const rangeToken = this.sortedTokens()[ownerTokenIndex(this.sortedTokens(), token)] as Token;
    const key = replicationKey(replication);
    let byRange = this.replicaCache.get(key);
    const cached = byRange?.get(rangeToken);
    if (cached !== undefined) return cached;
    const replicas = placeReplicas(this, { replication, token: rangeToken, localEndpoint: this.localEndpoint });
    if (this.replicaCacheEntries >= replicaCacheEntriesMax) this.clearReplicaCache();
    byRange = this.replicaCache.get(key);
    if (byRange === undefined) {
      byRange = new Map();
      this.replicaCache.set(key, byRange);
    }
    byRange.set(rangeToken, replicas);
    this.replicaCacheEntries++;
    return replicas;
  }

  /** Every range of the ring with its replicas: (previous token, token] for each ring token. */
  rangesWithReplicas(replication: ReplicationOptions): { range: TokenRange; replicas: readonly Endpoint[] }[] {
    const tokens = this.sortedTokens();
    if (tokens.length === 0) return [];
    return rangesForTokens(tokens).map((range) => ({ range, replicas: this.replicasFor(replication, range.right) }));
  }

  /** The ranges an endpoint holds a replica of (what it must store, stream and repair). */
  rangesFor(replication: ReplicationOptions, endpoint: Endpoint): TokenRange[] {
    return this.rangesWithReplicas(replication).filter((entry) => entry.replicas.includes(endpoint)).map((entry) => entry.range);
  }

  /** A copy that later changes to this one do not affect (a snapshot for a plan). */
  clone(): TokenMetadata {
    const copy = this.normalCopy();
    for (const [endpoint, tokens] of this.bootstrapping) copy.addBootstrapTokens(endpoint, tokens);
    for (const endpoint of this.leaving) copy.addLeavingEndpoint(endpoint);
    return copy;
  }

  private normalCopy(): TokenMetadata {
    const copy = new TokenMetadata(this.localEndpoint === undefined ? {} : { localEndpoint: this.localEndpoint });
    for (const [endpoint, tokens] of this.tokensByEndpoint) copy.updateNormalTokens(endpoint, tokens);
    for (const [endpoint, location] of this.locations) copy.updateLocation(endpoint, location);
    return copy;
  }

  /** The ring after the leaving endpoints left and the joining ones turned NORMAL. */
  private futureRing(): TokenMetadata {
    const future = this.normalCopy();
    for (const endpoint of this.leaving) future.removeEndpoint(endpoint);
    for (const [endpoint, tokens] of this.bootstrapping) {
      future.updateLocation(endpoint, this.location(endpoint));
      future.updateNormalTokens(endpoint, tokens);
    }
    return future;
  }

  private removeTokensOf(endpoint: Endpoint): void {
    for (const token of this.tokensByEndpoint.get(endpoint) ?? []) {
      if (this.owners.get(token) === endpoint) this.owners.delete(token);
    }
  }

  private dropToken(endpoint: Endpoint, token: Token): void {
    const remaining = (this.tokensByEndpoint.get(endpoint) ?? []).filter((owned) => owned !== token);
    if (remaining.length === 0) this.tokensByEndpoint.delete(endpoint);
    else this.tokensByEndpoint.set(endpoint, remaining);
  }

  private changed(): void {
    this.sorted = undefined;
    this.future = undefined;
    this.clearReplicaCache();
  }

  private clearReplicaCache(): void {
    this.replicaCache.clear();
    this.replicaCacheEntries = 0;
  }
}

/**
 * The cache key of a replication: its JSON, computed once per options object (schema changes
 * replace the object, never edit it) instead of on every lookup (a profile put the
 * stringification at about 1.5% of a QUORUM node's CPU).
 */
const replicationKeys = new WeakMap<ReplicationOptions, string>();
function replicationKey(replication: ReplicationOptions): string {
  let key = replicationKeys.get(replication);
  if (key === undefined) {
    key = JSON.stringify(replication);
    replicationKeys.set(replication, key);
  }
  return key;
}

/** num_tokens random tokens, distinct from each other and from the ring's (never MIN_TOKEN). */
export function randomTokens(random: Random, options: { count: number; taken?: ReadonlySet<Token> }): Token[] {
  if (!(options.count > 0 && options.count <= numTokensMax)) fail(`bad num_tokens ${options.count}`);
  const chosen = new Set<Token>();
  // Collisions among 2^64 values are vanishingly rare; the bound only guards a broken Random.
  for (let attempts = 0; chosen.size < options.count; attempts++) {
    assert(attempts < options.count * 100, 'random source keeps repeating tokens');
    const token = random.bytes(8).readBigInt64BE(0);
    if (token === MIN_TOKEN || chosen.has(token) || options.taken?.has(token) === true) continue;
    chosen.add(token);
  }
  return [...chosen].sort(compareTokens);
}
