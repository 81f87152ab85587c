// The cluster part of the admin channel's GET /status, in the shape `aero nodetool` reads
// (src/cli/cluster/node-status.ts): this node's tokens and ownership, every peer gossip knows
// with its liveness, ring state, load and tokens, and the coordinator's counters (requests
// coordinated for keys this node does not replicate, hints, read repairs).

import type { Endpoint } from '../cluster/endpoint.js';
import { isGoneStatus, parseStatus, parseTokens } from '../cluster/gossip/endpoint-state.js';
import { effectiveOwnership, primaryOwnership } from '../cluster/ring/ownership.js';
import type { Schema } from '../schema/schema.js';
import type { ClusterNode } from './cluster-node.js';

export function clusterStatus(cluster: ClusterNode, options: { schema: Schema; tokens: readonly bigint[]; keyspace: string | undefined }): Record<string, unknown> {
  const { gossiper, ring, messaging } = cluster.services;
  const replication = options.keyspace === undefined ? undefined : options.schema.findKeyspace(options.keyspace)?.replication;
  const owns = replication === undefined ? primaryOwnership(ring) : effectiveOwnership(ring, replication);
  const local = messaging.localEndpoint;
  // Nodetool shows the ring's nodes, as Cassandra's (its normal and bootstrapping tokens): not a
  // node that left (decommission, removenode), nor one that gossips no STATUS yet (a joining node
  // that waits for the schema before it announces BOOT; it is no member yet, and counting it as
  // UN would tell a script waiting for the join that it is done).
  const inRing = (endpoint: Endpoint) => {
    const status = gossiper.endpointState(endpoint)?.states.get('STATUS')?.value;
    return status !== undefined && !isGoneStatus(parseStatus(status));
  };
  const peers = gossiper.endpoints().filter((endpoint) => endpoint !== local && inRing(endpoint)).map((endpoint) => peerStatus(cluster, endpoint, owns));
  return {
    endpoint: local,
    generation: gossiper.generation,
    tokens: options.tokens.map(String),
    ...(owns.has(local) ? { owns: owns.get(local) } : {}),
    ...(replication === undefined ? {} : { ownershipKeyspace: options.keyspace }),
    peers,
    coordinator: { ...cluster.proxy.stats, hintedHandoffEnabled: cluster.proxy.hintedHandoffEnabled, hints: cluster.hints.stats(), batchlogEntries: cluster.batchlog.size(), batchesReplayed: cluster.batchlog.replayed, paxos: { ...cluster.proxy.paxos.stats } },
  };
}

function peerStatus(cluster: ClusterNode, endpoint: Endpoint, owns: Map<Endpoint, number>): Record<string, unknown> {
  const { gossiper } = cluster.services;
  const state = gossiper.endpointState(endpoint);
  const value = (key: 'HOST_ID' | 'DC' | 'RACK' | 'STATUS' | 'LOAD' | 'TOKENS' | 'SCHEMA') => state?.states.get(key)?.value;
  const load = Number(value('LOAD') ?? NaN);
  const status = value('STATUS');
  return {
    address: endpoint,
    hostId: value('HOST_ID') ?? null,
    dataCenter: value('DC') ?? 'datacenter1',
    rack: value('RACK') ?? 'rack1',
    status: gossiper.isAlive(endpoint) ? 'UP' : 'DOWN',
    state: parseStatus(status ?? '') ?? 'NORMAL',
    loadBytes: Number.isSafeInteger(load) && load >= 0 ? load : null,
    tokens: (parseTokens(value('TOKENS') ?? '') ?? []).map(String),
    schemaVersion: value('SCHEMA') ?? null,
    ...(owns.has(endpoint) ? { owns: owns.get(endpoint) } : {}),
  };
}
