// system.peers and system.peers_v2 rows from gossip: what drivers learn of the other nodes.
// A peer is listed while it is in the ring (NORMAL, LEAVING, or shut down but not LEFT), up
// or down, as Cassandra lists it; joining (BOOT) and departed (LEFT) nodes are not.

import type { PeerInfo } from '../../schema/system-tables.js';
import { parseEndpoint, type Endpoint } from '../endpoint.js';
import { parseTokens, statusOf, type EndpointState } from './endpoint-state.js';

export function peerInfoFromGossip(endpoint: Endpoint, state: EndpointState): PeerInfo | undefined {
  const status = statusOf(state);
  if (status !== 'NORMAL' && status !== 'LEAVING' && status !== 'shutdown') return undefined;
  const address = parseEndpoint(endpoint);
  if (address === undefined) return undefined;
  const value = (key: Parameters<typeof state.states.get>[0]) => state.states.get(key)?.value ?? null;
  const nativePortText = value('NATIVE_PORT');
  const nativePort = nativePortText === null ? null : Number(nativePortText);
  const tokens = parseTokens(value('TOKENS') ?? '') ?? [];
  return {
    peer: address.host,
    peerPort: address.port,
    dataCenter: value('DC'),
    rack: value('RACK'),
    hostId: value('HOST_ID'),
    nativeAddress: value('RPC_ADDRESS'),
    nativePort: nativePort !== null && Number.isInteger(nativePort) && nativePort > 0 && nativePort <= 65535 ? nativePort : null,
    preferredIp: null,
    preferredPort: null,
    releaseVersion: value('RELEASE_VERSION'),
    schemaVersion: value('SCHEMA'),
    tokens: tokens.map((token) => token.toString(10)),
  };
}

/** Every peer gossip knows, this node excluded, sorted by endpoint. */
export function peersFromGossip(gossip: { localEndpoint: Endpoint; endpoints(): Endpoint[]; endpointState(endpoint: Endpoint): EndpointState | undefined }): PeerInfo[] {
  const peers: PeerInfo[] = [];
  for (const endpoint of gossip.endpoints()) {
    if (endpoint === gossip.localEndpoint) continue;
    const state = gossip.endpointState(endpoint);
    const info = state === undefined ? undefined : peerInfoFromGossip(endpoint, state);
    if (info !== undefined) peers.push(info);
  }
  return peers;
}

/**
 * Schema versions as gossip sees them (nodetool describecluster): version -> endpoints, for
 * endpoints that are alive (this node included). One entry means the cluster agrees.
 */
export function schemaVersionsFromGossip(gossip: {
  endpoints(): Endpoint[];
  endpointState(endpoint: Endpoint): EndpointState | undefined;
  isAlive(endpoint: Endpoint): boolean;
}): Map<string, Endpoint[]> {
  const versions = new Map<string, Endpoint[]>();
  for (const endpoint of gossip.endpoints()) {
    if (!gossip.isAlive(endpoint)) continue;
    const version = gossip.endpointState(endpoint)?.states.get('SCHEMA')?.value;
    if (version === undefined) continue;
    const holders = versions.get(version);
    if (holders === undefined) versions.set(version, [endpoint]);
    else holders.push(endpoint);
  }
  return versions;
}
