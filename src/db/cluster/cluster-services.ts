// The cluster half of a node, assembled: internode messaging over a transport (TCP on the
// storage port unless one is given, as the harness does), a Gossiper announcing this node's
// states, and a TokenMetadata kept in step with gossip. The node's composition root persists
// what must survive a restart (tokens, the last generation, the host id) and passes it in.

import type { Clock, Logger, Network, Random } from '../common/world.js';
import { compareTokens, type Token } from '../dht/token.js';
import type { Endpoint } from './endpoint.js';
import { formatStatus, formatTokens } from './gossip/endpoint-state.js';
import { Gossiper } from './gossip/gossiper.js';
import { MessagingService } from './messaging/messaging-service.js';
import { TcpTransport } from './messaging/tcp-transport.js';
import type { Transport } from './messaging/transport.js';
import { RingMembership } from './ring/ring-membership.js';
import { applySavedRing, type SavedPeer } from './ring/saved-ring.js';
import { TokenMetadata } from './ring/token-metadata.js';

export interface ClusterServicesOptions {
  /**
   * How long a joining node may stay down before it stops counting as a pending replica
   * (Cassandra's fat-client timeout, ring_delay): an abandoned join must not hold every write
   * of its ranges to a larger block-for, nor block the next join, forever. Default 30 s.
   */
  abandonedJoinMs?: number;
  clock: Clock;
  random: Random;
  network: Network;
  logger: Logger;
  clusterName: string;
  /** broadcast_address:storage_port, as peers reach and name this node. */
  localEndpoint: Endpoint;
  /** listen_address, when it differs from the endpoint's host. */
  listenHost?: string;
  seeds: readonly Endpoint[];
  /** This node's tokens (persisted after the first start). */
  tokens: readonly Token[];
  /**
   * The generation this node last gossiped with (persisted, like Cassandra's
   * system.local gossip_generation): the new one is the start time in seconds, but always
   * larger than this, so a restart within the same second is still seen as a restart.
   * Persist services.gossiper.generation after the start.
   */
  previousGeneration?: number;
  dataCenter: string;
  rack: string;
  hostId: string;
  rpcAddress: string;
  nativePort: number;
  releaseVersion: string;
  schemaVersion: string;
  phiConvictThreshold?: number;
  gossipIntervalMs?: number;
  /**
   * The STATUS gossiped from the start: NORMAL (default); none for a node that will bootstrap,
   * which gossips without a STATUS (no ring member, like Cassandra's joining node before it has
   * the schema) until Membership announces BOOT; BOOT directly (the in-process harness).
   */
  initialStatus?: 'BOOT' | 'NORMAL' | 'none';
  /** The ring as this node last saved it (ring/saved-ring.ts): replicas are right before gossip catches up. */
  savedPeers?: readonly SavedPeer[];
  /** Replaces the TCP transport (the in-process harness passes an in-memory one). */
  transport?: Transport;
}

export interface ClusterServices {
  messaging: MessagingService;
  gossiper: Gossiper;
  ring: TokenMetadata;
  /** Stops gossip (announcing the shutdown when asked) and closes every connection. */
  stop(options: { announce: boolean }): Promise<void>;
}

export async function startClusterServices(options: ClusterServicesOptions): Promise<ClusterServices> {
  const logger = options.logger;
  const transport = options.transport ?? new TcpTransport({
    network: options.network,
    clock: options.clock,
    logger: logger.child({ component: 'internode' }),
    localEndpoint: options.localEndpoint,
    ...(options.listenHost === undefined ? {} : { listenHost: options.listenHost }),
  });
  const messaging = new MessagingService({ transport, clock: options.clock, logger: logger.child({ component: 'messaging' }) });
  const tokens = [...options.tokens].sort(compareTokens);
  const gossiper = new Gossiper({
    messaging,
    clock: options.clock,
    random: options.random,
    logger: logger.child({ component: 'gossip' }),
    clusterName: options.clusterName,
    seeds: options.seeds,
    generation: Math.max(Math.floor(options.clock.nowMs() / 1000), (options.previousGeneration ?? 0) + 1),
    ...(options.gossipIntervalMs === undefined ? {} : { intervalMs: options.gossipIntervalMs }),
    ...(options.phiConvictThreshold === undefined ? {} : { phiConvictThreshold: options.phiConvictThreshold }),
    initialStates: {
      DC: options.dataCenter,
      RACK: options.rack,
      HOST_ID: options.hostId,
      RPC_ADDRESS: options.rpcAddress,
      NATIVE_PORT: String(options.nativePort),
      RELEASE_VERSION: options.releaseVersion,
      SCHEMA: options.schemaVersion,
      LOAD: '0',
      TOKENS: formatTokens(tokens),
      ...(options.initialStatus === 'none' ? {} : { STATUS: formatStatus(options.initialStatus ?? 'NORMAL', tokens) }),
    },
  });
  const ring = new TokenMetadata({ localEndpoint: options.localEndpoint });
  applySavedRing(ring, options.savedPeers ?? [], options.localEndpoint);
  const membership = new RingMembership(ring, gossiper, logger.child({ component: 'ring' }), { clock: options.clock, abandonedJoinMs: options.abandonedJoinMs ?? 30_000 });
  gossiper.subscribe(membership);
  membership.syncAll();
  await messaging.start();
  gossiper.start();
  return {
    messaging,
    gossiper,
    ring,
    async stop(stopOptions) {
      gossiper.stop(stopOptions);
      // Give the shutdown announcement a moment to leave before the connections close.
      if (stopOptions.announce) await options.clock.sleep(100);
      await messaging.close();
    },
  };
}
