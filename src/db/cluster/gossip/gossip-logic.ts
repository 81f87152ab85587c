// The pure half of gossip (house style 6: plan, then do). The Gossiper shell feeds these
// functions its state and carries out what they return. Rules follow Cassandra's Gossiper:
// - SYN receiver: for each digest, ask for what it is behind on and send what it has newer;
//   endpoints the initiator does not list at all are sent whole (DESIGN.md: "ACK returns what
//   the initiator lacks"), which lets a joining node learn the ring from its first seed contact.
// - Applying states: a larger generation replaces the endpoint wholesale (it restarted);
//   the same generation merges states with larger versions; older data is ignored.
// - Each round talks to a random live peer, sometimes an unreachable one, and a seed when
//   the live peer was not one or few peers are live.

import type { Random } from '../../common/world.js';
import type { Endpoint } from '../endpoint.js';
import {
  copyEndpointState,
  maxVersion,
  stateNewerThan,
  type ApplicationState,
  type EndpointState,
  type VersionedValue,
} from './endpoint-state.js';
import type { GossipDigest } from './messages.js';
import { generationDifferenceMax } from '../../common/limits.js';

export function makeDigests(states: ReadonlyMap<Endpoint, EndpointState>): GossipDigest[] {
  return [...states].map(([endpoint, state]) => ({ endpoint, generation: state.heartbeat.generation, maxVersion: maxVersion(state) }));
}

/** What a SYN receiver asks back (requests) and sends along (deltas) in its ACK. */
export function examineDigests(
  local: ReadonlyMap<Endpoint, EndpointState>,
  digests: readonly GossipDigest[],
): { requests: GossipDigest[]; deltas: Map<Endpoint, EndpointState> } {
  const requests: GossipDigest[] = [];
  const deltas = new Map<Endpoint, EndpointState>();
  for (const digest of digests) {
    const state = local.get(digest.endpoint);
    if (state === undefined || digest.generation > state.heartbeat.generation) {
      requests.push({ endpoint: digest.endpoint, generation: digest.generation, maxVersion: 0 });
      continue;
    }
    if (digest.generation < state.heartbeat.generation) {
      deltas.set(digest.endpoint, copyEndpointState(state));
      continue;
    }
    const localMax = maxVersion(state);
    if (digest.maxVersion > localMax) {
      requests.push({ endpoint: digest.endpoint, generation: digest.generation, maxVersion: localMax });
    } else if (digest.maxVersion < localMax) {
      const newer = stateNewerThan(state, digest.maxVersion);
      if (newer !== undefined) deltas.set(digest.endpoint, newer);
    }
  }
  // Endpoints the initiator did not list at all are sent whole: it lacks them entirely.
  const listed = new Set(digests.map((digest) => digest.endpoint));
  for (const [endpoint, state] of local) {
    if (!listed.has(endpoint)) deltas.set(endpoint, copyEndpointState(state));
  }
  return { requests, deltas };
}

/** The states an ACK's requests ask for (what ACK2 carries). */
export function deltasForRequests(local: ReadonlyMap<Endpoint, EndpointState>, requests: readonly GossipDigest[]): Map<Endpoint, EndpointState> {
  const deltas = new Map<Endpoint, EndpointState>();
  for (const request of requests) {
    const state = local.get(request.endpoint);
    if (state === undefined) continue;
    // A requester on an older generation asked from version 0; anything else gets the newer part.
    const from = state.heartbeat.generation > request.generation ? 0 : request.maxVersion;
    const newer = stateNewerThan(state, from);
    if (newer !== undefined) deltas.set(request.endpoint, newer);
  }
  return deltas;
}

export interface StateChange {
  endpoint: Endpoint;
  state: ApplicationState;
  value: VersionedValue;
}

export interface ApplyPlan {
  /** Endpoint states to store, whole. */
  updates: Map<Endpoint, EndpointState>;
  /** Endpoints seen for the first time. */
  joined: Endpoint[];
  /** Endpoints back with a larger generation. */
  restarted: Endpoint[];
  /** Application states that changed on endpoints of an unchanged generation. */
  changed: StateChange[];
  /** Endpoints whose heartbeat advanced within a generation (failure detector arrivals). */
  heartbeatAdvanced: Endpoint[];
  /** Remote data refused, with why (logged by the shell); expected: a normal race after a restart, not a fault. */
  refused: { endpoint: Endpoint; reason: string; expected?: true }[];
}

export function planApply(
  local: ReadonlyMap<Endpoint, EndpointState>,
  remote: ReadonlyMap<Endpoint, EndpointState>,
  options: { localEndpoint: Endpoint; endpointsMax: number },
): ApplyPlan {
  const plan: ApplyPlan = { updates: new Map(), joined: [], restarted: [], changed: [], heartbeatAdvanced: [], refused: [] };
  let known = local.size;
  for (const [endpoint, incoming] of remote) {
    // Only this node speaks for itself.
    if (endpoint === options.localEndpoint) continue;
    const current = local.get(endpoint);
    if (current === undefined) {
      // A delta for an endpoint this node does not know answers digests of an earlier
      // incarnation of this node (a SYN sent before it restarted): taken as the whole state,
      // the missing states would never come (this node's digest would claim them).
      if (incoming.partial === true) {
        plan.refused.push({ endpoint, reason: 'a partial state of an unknown endpoint', expected: true });
        continue;
      }
      if (known >= options.endpointsMax) {
        plan.refused.push({ endpoint, reason: `more than ${options.endpointsMax} endpoints` });
        continue;
      }
      known++;
      plan.updates.set(endpoint, copyEndpointState(incoming));
      plan.joined.push(endpoint);
      continue;
    }
    planMerge(plan, { endpoint, current, incoming });
  }
  return plan;
}

function planMerge(plan: ApplyPlan, merge: { endpoint: Endpoint; current: EndpointState; incoming: EndpointState }): void {
  const { endpoint, current, incoming } = merge;
  const localGeneration = current.heartbeat.generation;
  const remoteGeneration = incoming.heartbeat.generation;
  if (remoteGeneration > localGeneration + generationDifferenceMax) {
    plan.refused.push({ endpoint, reason: `generation ${remoteGeneration} too far ahead of ${localGeneration}` });
    return;
  }
  if (remoteGeneration > localGeneration) {
    if (incoming.partial === true) {
      plan.refused.push({ endpoint, reason: `a partial state of generation ${remoteGeneration}, newer than ${localGeneration}`, expected: true });
      return;
    }
    plan.updates.set(endpoint, copyEndpointState(incoming));
    plan.restarted.push(endpoint);
    return;
  }
  if (remoteGeneration < localGeneration || maxVersion(incoming) <= maxVersion(current)) return;
  const merged = copyEndpointState(current);
  if (incoming.heartbeat.version > current.heartbeat.version) {
    merged.heartbeat.version = incoming.heartbeat.version;
    plan.heartbeatAdvanced.push(endpoint);
  }
  for (const [state, value] of incoming.states) {
    const existing = current.states.get(state);
    if (existing !== undefined && existing.version >= value.version) continue;
    merged.states.set(state, { ...value });
    plan.changed.push({ endpoint, state, value: { ...value } });
  }
  plan.updates.set(endpoint, merged);
}

export interface GossipTargets {
  /** Distinct random live peers (up to the fanout). */
  live: Endpoint[];
  unreachable?: Endpoint;
  seed?: Endpoint;
}

function pick(random: Random, endpoints: readonly Endpoint[]): Endpoint | undefined {
  return endpoints.length === 0 ? undefined : endpoints[random.nextInt(endpoints.length)];
}

/** Up to count distinct endpoints, chosen at random. */
function pickDistinct(random: Random, endpoints: readonly Endpoint[], count: number): Endpoint[] {
  const remaining = [...endpoints];
  const chosen: Endpoint[] = [];
  while (chosen.length < count && remaining.length > 0) {
    const index = random.nextInt(remaining.length);
    chosen.push(remaining[index] as Endpoint);
    remaining.splice(index, 1);
  }
  return chosen;
}

/**
 * Whom one gossip round talks to. Cassandra talks to one live peer per round; liveFanout
 * (default 1) talks to more, which shortens the gaps between heartbeat arrivals relayed by
 * third nodes, so the failure detector can convict sooner without false convictions.
 */
export function chooseGossipTargets(
  peers: { live: readonly Endpoint[]; unreachable: readonly Endpoint[]; seeds: readonly Endpoint[]; localEndpoint: Endpoint; liveFanout?: number },
  random: Random,
): GossipTargets {
  const targets: GossipTargets = { live: pickDistinct(random, peers.live, peers.liveFanout ?? 1) };
  // An unreachable peer with probability unreachable / (live + 1), to notice it coming back.
  if (peers.unreachable.length > 0 && random.nextFloat() < peers.unreachable.length / (peers.live.length + 1)) {
    const unreachable = pick(random, peers.unreachable);
    if (unreachable !== undefined) targets.unreachable = unreachable;
  }
  const seeds = peers.seeds.filter((seed) => seed !== peers.localEndpoint);
  const gossipedToSeed = targets.live.some((live) => peers.seeds.includes(live));
  if (seeds.length > 0 && (!gossipedToSeed || peers.live.length < seeds.length)) {
    // With nobody live, always a seed (that is how a node joins); otherwise now and then,
    // so partitions of the cluster find each other through the seeds.
    const probability = peers.live.length === 0 ? 1 : seeds.length / (peers.live.length + peers.unreachable.length);
    if (random.nextFloat() <= probability) {
      const seed = pick(random, seeds);
      if (seed !== undefined) targets.seed = seed;
    }
  }
  return targets;
}

/** Rough encoded size of a state (for keeping one gossip message within its budget). */
function approximateBytes(endpoint: Endpoint, state: EndpointState): number {
  let bytes = endpoint.length + 16;
  for (const value of state.states.values()) bytes += 9 + value.value.length * 3;
  return bytes;
}

/**
 * Keeps deltas within bytesMax (at least one endpoint); the rest waits for a later round.
 * Bounds a message even when many endpoints carry large values at once.
 */
export function boundDeltas(deltas: Map<Endpoint, EndpointState>, bytesMax: number): Map<Endpoint, EndpointState> {
  const bounded = new Map<Endpoint, EndpointState>();
  let bytes = 0;
  for (const [endpoint, state] of deltas) {
    const size = approximateBytes(endpoint, state);
    if (bounded.size > 0 && bytes + size > bytesMax) break;
    bounded.set(endpoint, state);
    bytes += size;
  }
  return bounded;
}
