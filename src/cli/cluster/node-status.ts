// What a node's admin channel says about itself and, once gossip runs, about its peers
// (GET /status, src/db/node/admin.ts). The CLI reads it defensively: fields the node does not
// report yet (tokens, peers) come back as null and the output shows '?', as nodetool does.
//
// The shape read here, for the node side to produce:
//   { clusterName, listenAddress, nativePort, hostId, dataCenter, rack, state, loadBytes,
//     schemaVersion, endpoint?: 'host:port' (its internode address), tokens?: string[],
//     owns?: number (0..1), ownershipKeyspace?: string (set when owns is effective ownership
//     under that keyspace's replication: GET /status?keyspace=ks asks for it),
//     peers?: [{ address ('host:port'), hostId, dataCenter, rack, status: 'UP' | 'DOWN', state, loadBytes, tokens, owns? }] }
// `peers` present (even empty) means the node gossips; absent means it runs alone.

import { adminStatusBytesMax, gossipEndpointsMax, numTokensMax } from '../../db/common/limits.js';

export type EndpointLiveness = 'UP' | 'DOWN' | 'UNKNOWN';
export type EndpointRingState = 'NORMAL' | 'JOINING' | 'LEAVING' | 'MOVING';

/** One node as the ring sees it. */
export interface RingEndpoint {
  address: string;
  /** The internode (storage) port the node gave with the address; null when it gave none. */
  storagePort: number | null;
  hostId: string | null;
  dataCenter: string;
  rack: string;
  status: EndpointLiveness;
  state: EndpointRingState;
  loadBytes: number | null;
  /** Tokens as decimal strings; null when the node does not report them. */
  tokens: string[] | null;
  /** Share of the ring (0..1) the node computed for this endpoint; null: compute it from tokens. */
  owns: number | null;
}

export interface NodeStatusReport {
  clusterName: string | null;
  nativePort: number | null;
  schemaVersion: string | null;
  /** The keyspace whose replication the reported `owns` figures are effective for; null: raw ownership. */
  ownershipKeyspace: string | null;
  /** The node answering; it is up, since it answered. */
  local: RingEndpoint;
  /** The other nodes it knows through gossip; null when the node does not gossip (yet). */
  peers: RingEndpoint[] | null;
}

/** The status could not be fetched or read. */
export class NodeStatusError extends Error {
  override readonly name: string = 'NodeStatusError';
}

/** The status was fetched but is not the shape described above. */
export class NodeStatusShapeError extends NodeStatusError {
  override readonly name: string = 'NodeStatusShapeError';
}

/** Parses a /status body; throws NodeStatusError when it is not a node's status at all. */
export function parseNodeStatus(body: unknown): NodeStatusReport {
  if (!isRecord(body)) throw new NodeStatusShapeError('the status is not a JSON object');
  const address = text(body['listenAddress']);
  if (address === null) throw new NodeStatusShapeError('the status names no listenAddress');
  // The address is listenAddress; the storage port comes from `endpoint`, the node's host:port.
  const local = { ...parseEndpoint({ ...body, address, status: 'UP' }), storagePort: portOf(text(body['endpoint']) ?? '') };
  const peers = Array.isArray(body['peers']) ? parsePeers(body['peers'], address) : null;
  return {
    clusterName: text(body['clusterName']),
    nativePort: integer(body['nativePort']),
    schemaVersion: text(body['schemaVersion']),
    ownershipKeyspace: text(body['ownershipKeyspace']),
    local,
    peers,
  };
}

function parsePeers(values: unknown[], localAddress: string): RingEndpoint[] {
  if (values.length > gossipEndpointsMax) throw new NodeStatusShapeError(`the status lists ${values.length} peers, more than ${gossipEndpointsMax}`);
  const peers: RingEndpoint[] = [];
  for (const value of values) {
    if (!isRecord(value)) throw new NodeStatusShapeError('a peer in the status is not an object');
    const peer = parseEndpoint(value);
    // Some gossip views include the node itself; it is already `local`.
    if (peer.address !== localAddress) peers.push(peer);
  }
  return peers;
}

function parseEndpoint(value: Record<string, unknown>): RingEndpoint {
  const address = text(value['address']) ?? text(value['endpoint']) ?? text(value['listenAddress']);
  if (address === null) throw new NodeStatusShapeError('a peer in the status has no address');
  return {
    address: stripPort(address),
    storagePort: portOf(address),
    hostId: text(value['hostId']),
    dataCenter: text(value['dataCenter']) ?? 'datacenter1',
    rack: text(value['rack']) ?? 'rack1',
    status: liveness(value['status'] ?? value['up']),
    state: ringState(value['state']),
    loadBytes: integer(value['loadBytes']),
    tokens: tokenList(value['tokens']),
    owns: fraction(value['owns']),
  };
}

/** Gossip may name endpoints host:port; nodetool shows the address alone. */
function stripPort(address: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed !== null) return bracketed[1] ?? address;
  const parts = address.split(':');
  return parts.length === 2 ? (parts[0] ?? address) : address;
}

/** The port of "host:port" or "[v6]:port"; null for an address without one. */
function portOf(address: string): number | null {
  const match = /^(?:\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(address);
  const port = match === null ? NaN : Number(match[1]);
  return Number.isInteger(port) && port > 0 && port <= 65535 ? port : null;
}

function liveness(value: unknown): EndpointLiveness {
  if (value === true) return 'UP';
  if (value === false) return 'DOWN';
  const upper = typeof value === 'string' ? value.toUpperCase() : '';
  return upper === 'UP' || upper === 'DOWN' ? upper : 'UNKNOWN';
}

/** Gossip's STATUS values (BOOT, NORMAL, LEAVING, LEFT, removing) and nodetool's words both map. */
function ringState(value: unknown): EndpointRingState {
  const upper = typeof value === 'string' ? value.toUpperCase() : '';
  if (upper === 'BOOT' || upper === 'JOINING') return 'JOINING';
  if (upper === 'LEAVING' || upper === 'LEFT' || upper === 'REMOVING' || upper === 'DECOMMISSIONED') return 'LEAVING';
  if (upper === 'MOVING') return 'MOVING';
  return 'NORMAL';
}

function tokenList(value: unknown): string[] | null {
  if (!Array.isArray(value)) return null;
  if (value.length > numTokensMax) throw new NodeStatusShapeError(`a node reports ${value.length} tokens, more than ${numTokensMax}`);
  const tokens: string[] = [];
  for (const token of value) {
    const digits = typeof token === 'string' || typeof token === 'number' || typeof token === 'bigint' ? String(token) : '';
    if (!/^-?\d{1,20}$/.test(digits)) throw new NodeStatusShapeError(`a node reports a token that is not an integer: ${JSON.stringify(token)}`);
    tokens.push(digits);
  }
  return tokens;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= 1024 ? value : null;
}

function integer(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

function fraction(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1 ? value : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** GET /status of the admin channel at host:port, bounded in time and size. */
export async function fetchNodeStatus(host: string, port: number, options: { timeoutMs: number; keyspace?: string }): Promise<NodeStatusReport> {
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const query = options.keyspace === undefined ? '' : `?${new URLSearchParams({ keyspace: options.keyspace }).toString()}`;
  const response = await fetch(`http://${shownHost}:${port}/status${query}`, { signal: AbortSignal.timeout(options.timeoutMs) });
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > adminStatusBytesMax) throw new NodeStatusError(`the status is ${declared} bytes, more than ${adminStatusBytesMax}`);
  const body = await response.text();
  if (body.length > adminStatusBytesMax) throw new NodeStatusError(`the status is larger than ${adminStatusBytesMax} bytes`);
  if (!response.ok) throw new NodeStatusError(`GET /status answered ${response.status}: ${body.trim().slice(0, 200)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    throw new NodeStatusError(`GET /status did not answer JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return parseNodeStatus(parsed);
}
