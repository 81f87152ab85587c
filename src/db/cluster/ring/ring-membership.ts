// Keeps a TokenMetadata in step with gossip (Cassandra's StorageService does this): an
// endpoint whose STATUS is NORMAL or LEAVING, or that shut down cleanly, owns the tokens its
// TOKENS state lists, at the DC and RACK it announces; LEAVING (and 'removing', a dead node that
// nodetool removenode takes out) also marks it as departing; BOOT records the tokens a joining
// node will own (pending ranges); LEFT (and 'removed') removes it.

import { numTokensMax } from '../../common/limits.js';
import type { Clock, Logger, TimerHandle } from '../../common/world.js';
import { MIN_TOKEN, type Token } from '../../dht/token.js';
import type { Endpoint } from '../endpoint.js';
import { isGoneStatus, parseTokens, statusOf, type ApplicationState, type EndpointState } from '../gossip/endpoint-state.js';
import type { GossipListener } from '../gossip/gossiper.js';
import type { Location, TokenMetadata } from './token-metadata.js';

export type RingEntry =
  | { kind: 'owner'; tokens: Token[]; location: Location; leaving: boolean }
  | { kind: 'bootstrap'; tokens: Token[]; location: Location }
  | { kind: 'remove' }
  | { kind: 'ignore'; reason: string };

/** The reason of an endpoint that gossips no STATUS: a node that has not (yet) joined the ring. */
const noStatus = 'no STATUS';

const ringStates: ReadonlySet<ApplicationState> = new Set(['STATUS', 'TOKENS', 'DC', 'RACK']);

/** TOKENS as the ring can take them, or why not (the value comes from a peer: check it). */
function ringTokens(state: EndpointState): Token[] | string {
  const value = state.states.get('TOKENS')?.value;
  const tokens = value === undefined ? undefined : parseTokens(value);
  if (tokens === undefined || tokens.length === 0) return 'no valid TOKENS';
  if (tokens.length > numTokensMax) return `${tokens.length} tokens exceed ${numTokensMax}`;
  if (tokens.includes(MIN_TOKEN)) return 'TOKENS holds the minimum token, which nobody owns';
  return tokens;
}

/** What the ring should hold for an endpoint with this gossip state (pure). */
export function ringEntryFor(state: EndpointState): RingEntry {
  const status = statusOf(state);
  if (isGoneStatus(status)) return { kind: 'remove' };
  if (status === undefined) return { kind: 'ignore', reason: noStatus };
  const tokens = ringTokens(state);
  if (typeof tokens === 'string') return { kind: 'ignore', reason: tokens };
  const location = {
    dataCenter: state.states.get('DC')?.value ?? 'datacenter1',
    rack: state.states.get('RACK')?.value ?? 'rack1',
  };
  if (status === 'BOOT') return { kind: 'bootstrap', tokens, location };
  return { kind: 'owner', tokens, location, leaving: status === 'LEAVING' || status === 'removing' };
}

export class RingMembership implements GossipListener {
  /** Joining endpoints that are down, each with the timer that drops its pending ranges. */
  private readonly downJoins = new Map<Endpoint, TimerHandle>();

  constructor(
    private readonly ring: TokenMetadata,
    private readonly source: { endpointState(endpoint: Endpoint): EndpointState | undefined; endpoints(): Endpoint[] },
    private readonly logger: Logger,
    private readonly abandoned?: { clock: Clock; abandonedJoinMs: number },
  ) {}

  /**
   * A joining node that stays down past abandonedJoinMs stops being a pending replica (its join
   * was abandoned; if it comes back, gossip's BOOT makes it pending again and it streams anew).
   * Until then writes count it, as Cassandra's do, and coordinators hint it.
   */
  onDead(endpoint: Endpoint): void {
    const abandoned = this.abandoned;
    if (abandoned === undefined || this.downJoins.has(endpoint) || !this.ring.bootstrappingEndpoints().includes(endpoint)) return;
    this.downJoins.set(endpoint, abandoned.clock.setTimer(abandoned.abandonedJoinMs, () => {
      this.downJoins.delete(endpoint);
      if (!this.ring.bootstrappingEndpoints().includes(endpoint)) return;
      this.logger.warn('a joining node has been down too long: it no longer counts as a pending replica', { endpoint, downMs: abandoned.abandonedJoinMs });
      this.ring.removeEndpoint(endpoint);
    }));
  }

  onAlive(endpoint: Endpoint): void {
    this.downJoins.get(endpoint)?.cancel();
    this.downJoins.delete(endpoint);
    this.refresh(endpoint);
  }

  /** Loads every endpoint gossip already knows (call once, when subscribing). */
  syncAll(): void {
    for (const endpoint of this.source.endpoints()) this.refresh(endpoint);
  }

  onJoin(endpoint: Endpoint): void {
    this.refresh(endpoint);
  }

  onRestart(endpoint: Endpoint): void {
    this.downJoins.get(endpoint)?.cancel();
    this.downJoins.delete(endpoint);
    this.refresh(endpoint);
  }

  onChange(endpoint: Endpoint, key: ApplicationState): void {
    if (ringStates.has(key)) this.refresh(endpoint);
  }

  private refresh(endpoint: Endpoint): void {
    const state = this.source.endpointState(endpoint);
    if (state === undefined) return;
    const entry = ringEntryFor(state);
    if (entry.kind === 'remove') {
      if (this.ring.isMember(endpoint)) this.logger.info('endpoint left the ring', { endpoint });
      this.ring.removeEndpoint(endpoint);
    } else if (entry.kind === 'owner') {
      this.ring.updateLocation(endpoint, entry.location);
      this.ring.updateNormalTokens(endpoint, entry.tokens);
      if (entry.leaving) this.ring.addLeavingEndpoint(endpoint);
    } else if (entry.kind === 'bootstrap') {
      this.ring.updateLocation(endpoint, entry.location);
      this.ring.addBootstrapTokens(endpoint, entry.tokens);
    } else if (entry.reason === noStatus && this.ring.bootstrappingEndpoints().includes(endpoint)) {
      // A joining node that restarted gossips no STATUS until it announces BOOT again (it streams
      // anew then): until that, it is nobody's pending replica, and no other join waits for it.
      this.logger.info('a joining node restarted: not a pending replica until it announces BOOT again', { endpoint });
      this.ring.removeEndpoint(endpoint);
    } else {
      this.logger.debug('gossip state not in the ring', { endpoint, reason: entry.reason });
    }
  }
}
