// Keeps a TokenMetadata in step with gossip (Cassandra's StorageService does this): an
// endpoint whose STATUS is NORMAL or LEAVING, or that shut down cleanly, owns the tokens its
// TOKENS state lists, at the DC and RACK it announces; LEFT removes it from the ring. BOOT
// (a joining node's pending ranges) is not handled yet: the node owns nothing until NORMAL.

import type { Logger } from '../../common/world.js';
import type { Token } from '../../dht/token.js';
import type { Endpoint } from '../endpoint.js';
import { parseTokens, statusOf, type ApplicationState, type EndpointState } from '../gossip/endpoint-state.js';
import type { GossipListener } from '../gossip/gossiper.js';
import type { Location, TokenMetadata } from './token-metadata.js';

export type RingEntry =
  | { kind: 'owner'; tokens: Token[]; location: Location }
  | { kind: 'remove' }
  | { kind: 'ignore'; reason: string };

const ringStates: ReadonlySet<ApplicationState> = new Set(['STATUS', 'TOKENS', 'DC', 'RACK']);

/** What the ring should hold for an endpoint with this gossip state (pure). */
export function ringEntryFor(state: EndpointState): RingEntry {
  const status = statusOf(state);
  if (status === 'LEFT') return { kind: 'remove' };
  if (status !== 'NORMAL' && status !== 'LEAVING' && status !== 'shutdown') return { kind: 'ignore', reason: `status ${status ?? 'unknown'}` };
  const tokensValue = state.states.get('TOKENS')?.value;
  const tokens = tokensValue === undefined ? undefined : parseTokens(tokensValue);
  if (tokens === undefined || tokens.length === 0) return { kind: 'ignore', reason: 'no valid TOKENS' };
  const location = {
    dataCenter: state.states.get('DC')?.value ?? 'datacenter1',
    rack: state.states.get('RACK')?.value ?? 'rack1',
  };
  return { kind: 'owner', tokens, location };
}

export class RingMembership implements GossipListener {
  constructor(
    private readonly ring: TokenMetadata,
    private readonly source: { endpointState(endpoint: Endpoint): EndpointState | undefined; endpoints(): Endpoint[] },
    private readonly logger: Logger,
  ) {}

  /** Loads every endpoint gossip already knows (call once, when subscribing). */
  syncAll(): void {
    for (const endpoint of this.source.endpoints()) this.refresh(endpoint);
  }

  onJoin(endpoint: Endpoint): void {
    this.refresh(endpoint);
  }

  onRestart(endpoint: Endpoint): void {
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
    }
  }
}
