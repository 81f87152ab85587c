// The Gossiper: the async shell around gossip-logic.ts. Every interval it bumps this node's
// heartbeat, gossips a SYN to the peers chooseGossipTargets names, and checks the failure
// detector; it answers SYN with ACK and ACK with ACK2, applies what it learns, and tells
// listeners about joins, restarts, state changes and endpoints going down or up. An endpoint
// is marked up only after it answers an ECHO (as Cassandra does), so a stale heartbeat relayed
// by a third node cannot resurrect a dead one.

import { CorruptionError } from '../../common/errors.js';
import { gossipEndpointsMax } from '../../common/limits.js';
import type { Clock, Logger, Random, TimerHandle } from '../../common/world.js';
import type { Endpoint } from '../endpoint.js';
import { FailureDetector } from '../failure-detector.js';
import type { InboundMessage, MessagingService } from '../messaging/messaging-service.js';
import {
  copyEndpointState,
  isDeadState,
  versionMax,
  type ApplicationState,
  type EndpointState,
  type VersionedValue,
} from './endpoint-state.js';
import { boundDeltas, chooseGossipTargets, deltasForRequests, examineDigests, makeDigests, planApply, type ApplyPlan } from './gossip-logic.js';
import {
  decodeGossipDigestAck,
  decodeGossipDigestAck2,
  decodeGossipDigestSyn,
  encodeGossipDigestAck,
  encodeGossipDigestAck2,
  encodeGossipDigestSyn,
} from './messages.js';

export const gossipIntervalMsDefault = 1000;
export const murmur3Partitioner = 'org.apache.cassandra.dht.Murmur3Partitioner';
/** Budget of states per ACK/ACK2, far below the frame bound; the rest follows next round. */
const gossipMessageBytesBudget = 8 * 1024 * 1024;
const statusChecksPerRound = 4;
/**
 * Live peers per round. Cassandra uses one; two halves the worst gaps between heartbeat
 * arrivals in a small cluster (measured in the harness, 5 nodes, 10% loss: longest gap 6 s
 * with one, 4 s with two), which is what lets a killed node be convicted within 10 s.
 */
export const gossipLiveFanoutDefault = 2;

export interface GossipListener {
  /** A new endpoint, or a restarted one (after onRestart), with its whole state. */
  onJoin?(endpoint: Endpoint, state: EndpointState): void;
  /** One application state changed (also for this node's own states). */
  onChange?(endpoint: Endpoint, key: ApplicationState, value: VersionedValue): void;
  onAlive?(endpoint: Endpoint, state: EndpointState): void;
  onDead?(endpoint: Endpoint, state: EndpointState): void;
  /** The endpoint came back with a larger generation. */
  onRestart?(endpoint: Endpoint, state: EndpointState): void;
}

export interface GossiperOptions {
  messaging: MessagingService;
  clock: Clock;
  random: Random;
  logger: Logger;
  clusterName: string;
  seeds: readonly Endpoint[];
  partitioner?: string;
  /** This incarnation's generation; must exceed the last one (default: start time in seconds). */
  generation?: number;
  intervalMs?: number;
  phiConvictThreshold?: number;
  /** Live peers each round gossips to (default gossipLiveFanoutDefault). */
  liveFanout?: number;
  /** Application states to announce from the first round. */
  initialStates?: Partial<Record<ApplicationState, string>>;
}

export class Gossiper {
  readonly localEndpoint: Endpoint;
  readonly generation: number;
  readonly failureDetector: FailureDetector;
  private readonly options: GossiperOptions;
  private readonly logger: Logger;
  private readonly states = new Map<Endpoint, EndpointState>();
  private readonly live = new Set<Endpoint>();
  private readonly unreachable = new Set<Endpoint>();
  private readonly echoesInFlight = new Set<Endpoint>();
  private readonly listeners = new Set<GossipListener>();
  private version = 0;
  private ticks = 0;
  private timer: TimerHandle | undefined;
  private running = false;
  /** When the last status check ran, to notice this node's own pauses. */
  private lastCheckMs: number | undefined;
  /** Convictions wait until then: gossip that queued up during a local pause is read first. */
  private convictAfterMs = 0;

  constructor(options: GossiperOptions) {
    this.options = options;
    this.logger = options.logger;
    this.localEndpoint = options.messaging.localEndpoint;
    this.generation = options.generation ?? Math.floor(options.clock.nowMs() / 1000);
    const intervalMs = options.intervalMs ?? gossipIntervalMsDefault;
    this.failureDetector = new FailureDetector({
      clock: options.clock,
      // Cassandra starts from twice the gossip interval; one interval keeps a node that just
      // met its peers (it restarted, or they did) from needing 11 s instead of 6 to convict.
      initialIntervalMs: intervalMs,
      maxIntervalMs: 2 * intervalMs,
      ...(options.phiConvictThreshold === undefined ? {} : { phiConvictThreshold: options.phiConvictThreshold }),
    });
    this.states.set(this.localEndpoint, { heartbeat: { generation: this.generation, version: this.nextVersion() }, states: new Map() });
    for (const [key, value] of Object.entries(options.initialStates ?? {})) this.setApplicationState(key as ApplicationState, value);
    const messaging = options.messaging;
    messaging.registerHandler('GOSSIP_DIGEST_SYN', (message) => this.guard(message, () => this.handleSyn(message)));
    messaging.registerHandler('GOSSIP_DIGEST_ACK', (message) => this.guard(message, () => this.handleAck(message)));
    messaging.registerHandler('GOSSIP_DIGEST_ACK2', (message) => this.guard(message, () => this.handleAck2(message)));
    messaging.registerHandler('GOSSIP_SHUTDOWN', (message) => this.guard(message, () => this.handleShutdown(message.from)));
    messaging.registerHandler('ECHO', () => undefined);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.lastCheckMs = undefined;
    // The first round goes out at once: a restarted node is seen up sooner.
    this.gossipRound();
    this.schedule();
  }

  /** Stops gossiping; with announce, first tells live peers this node is shutting down. */
  stop(options: { announce: boolean }): void {
    if (!this.running) return;
    if (options.announce) {
      this.setApplicationState('STATUS', 'shutdown');
      for (const peer of this.live) this.options.messaging.send(peer, 'GOSSIP_SHUTDOWN', Buffer.alloc(0));
    }
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
  }

  subscribe(listener: GossipListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  setApplicationState(key: ApplicationState, value: string): void {
    const local = this.states.get(this.localEndpoint) as EndpointState;
    const versioned = { value, version: this.nextVersion() };
    local.states.set(key, versioned);
    this.emit((listener) => listener.onChange?.(this.localEndpoint, key, { ...versioned }));
  }

  /**
   * Announces on behalf of a dead endpoint that it left the ring (nodetool removenode), as
   * Cassandra's advertiseTokenRemoved does: its state under a newer generation with STATUS
   * LEFT, which every node takes as a restart into a dead state and spreads by gossip.
   */
  advertiseRemoved(endpoint: Endpoint, status: string): void {
    const current = this.states.get(endpoint);
    if (current === undefined || endpoint === this.localEndpoint) return;
    const states = new Map([...current.states].map(([key, value]) => [key, { value: value.value, version: 1 }]));
    states.set('STATUS', { value: status, version: 2 });
    this.applyStates(new Map([[endpoint, { heartbeat: { generation: current.heartbeat.generation + 1, version: 2 }, states }]]));
    this.logger.info('advertised the removal of an endpoint', { endpoint });
  }

  /** A copy of what this node knows of an endpoint. */
  endpointState(endpoint: Endpoint): EndpointState | undefined {
    const state = this.states.get(endpoint);
    return state === undefined ? undefined : copyEndpointState(state);
  }

  /** Every endpoint known, this node included, sorted. */
  endpoints(): Endpoint[] {
    return [...this.states.keys()].sort();
  }

  isAlive(endpoint: Endpoint): boolean {
    return endpoint === this.localEndpoint ? this.running : this.live.has(endpoint);
  }

  liveEndpoints(): Endpoint[] {
    return [...this.live].sort();
  }

  unreachableEndpoints(): Endpoint[] {
    return [...this.unreachable].sort();
  }

  /** One round (the timer calls it every interval; tests may call it directly). */
  gossipRound(): void {
    const local = this.states.get(this.localEndpoint) as EndpointState;
    if (local.heartbeat.version < versionMax) local.heartbeat.version = this.nextVersion();
    const targets = chooseGossipTargets(
      {
        live: [...this.live],
        unreachable: [...this.unreachable],
        seeds: this.options.seeds,
        localEndpoint: this.localEndpoint,
        liveFanout: this.options.liveFanout ?? gossipLiveFanoutDefault,
      },
      this.options.random,
    );
    const syn = encodeGossipDigestSyn({
      clusterName: this.options.clusterName,
      partitioner: this.options.partitioner ?? murmur3Partitioner,
      digests: makeDigests(this.states),
    });
    const sent = new Set<Endpoint>();
    for (const target of [...targets.live, targets.unreachable, targets.seed]) {
      if (target === undefined || sent.has(target)) continue;
      sent.add(target);
      this.options.messaging.send(target, 'GOSSIP_DIGEST_SYN', syn);
    }
    this.statusCheck();
  }

  /**
   * Gossips once per interval and checks the failure detector four times per interval, so a
   * conviction waits for the threshold, not for the next round as well.
   */
  private schedule(): void {
    const intervalMs = this.options.intervalMs ?? gossipIntervalMsDefault;
    const checkMs = intervalMs / statusChecksPerRound;
    this.timer = this.options.clock.setTimer(checkMs, () => {
      if (!this.running) return;
      this.ticks = (this.ticks + 1) % statusChecksPerRound;
      if (this.ticks === 0) this.gossipRound();
      else this.statusCheck();
      this.schedule();
    });
  }

  private nextVersion(): number {
    this.version = Math.min(this.version + 1, versionMax - 1);
    return this.version;
  }

  private statusCheck(): void {
    if (this.pausedLocally()) return;
    for (const endpoint of this.live) {
      if (!this.failureDetector.isConvicted(endpoint)) continue;
      this.logger.info('endpoint is now DOWN', { endpoint, phi: this.failureDetector.phi(endpoint) });
      this.markDead(endpoint);
    }
    // Retry the echo of endpoints whose heartbeat is fresh but whose last echo was lost.
    for (const endpoint of this.unreachable) {
      const state = this.states.get(endpoint);
      const phi = this.failureDetector.phi(endpoint);
      if (state === undefined || isDeadState(state) || phi === undefined || this.failureDetector.isConvicted(endpoint)) continue;
      this.markAlive(endpoint);
    }
  }

  /**
   * Whether this node itself was paused (event loop blocked, process stopped) and must not
   * convict yet: after a pause, every peer looks silent until the gossip that queued up
   * meanwhile is read, so convictions wait one interval (Cassandra's local pause check).
   */
  private pausedLocally(): boolean {
    const nowMs = this.options.clock.monotonicMs();
    const intervalMs = this.options.intervalMs ?? gossipIntervalMsDefault;
    if (this.lastCheckMs !== undefined && nowMs - this.lastCheckMs > intervalMs) {
      this.logger.warn('local pause: not marking endpoints down for one interval', { pauseMs: nowMs - this.lastCheckMs });
      this.convictAfterMs = nowMs + intervalMs;
    }
    this.lastCheckMs = nowMs;
    return nowMs < this.convictAfterMs;
  }

  /** Runs a handler when gossip is running; bad payloads are logged and dropped. */
  private guard(message: InboundMessage, handle: () => void): undefined {
    if (!this.running) return undefined;
    try {
      handle();
    } catch (error) {
      if (!(error instanceof CorruptionError)) throw error;
      this.logger.warn('dropping bad gossip message', { peer: message.from, verb: message.verb, error: error.message });
    }
    return undefined;
  }

  private handleSyn(message: InboundMessage): void {
    const syn = decodeGossipDigestSyn(message.payload, `gossip from ${message.from}`);
    const partitioner = this.options.partitioner ?? murmur3Partitioner;
    if (syn.clusterName !== this.options.clusterName || syn.partitioner !== partitioner) {
      this.logger.warn('gossip from another cluster ignored', { peer: message.from, clusterName: syn.clusterName, partitioner: syn.partitioner });
      return;
    }
    const { requests, deltas } = examineDigests(this.states, syn.digests);
    const ack = encodeGossipDigestAck({ digests: requests, states: boundDeltas(deltas, gossipMessageBytesBudget) });
    this.options.messaging.send(message.from, 'GOSSIP_DIGEST_ACK', ack);
  }

  private handleAck(message: InboundMessage): void {
    const ack = decodeGossipDigestAck(message.payload, `gossip from ${message.from}`);
    this.applyStates(ack.states);
    const deltas = boundDeltas(deltasForRequests(this.states, ack.digests), gossipMessageBytesBudget);
    if (deltas.size === 0) return;
    this.options.messaging.send(message.from, 'GOSSIP_DIGEST_ACK2', encodeGossipDigestAck2({ states: deltas }));
  }

  private handleAck2(message: InboundMessage): void {
    this.applyStates(decodeGossipDigestAck2(message.payload, `gossip from ${message.from}`).states);
  }

  private handleShutdown(endpoint: Endpoint): void {
    const state = this.states.get(endpoint);
    if (state === undefined || endpoint === this.localEndpoint) return;
    // Pin the heartbeat at the highest version: stale gossip of this generation relayed by
    // others can no longer revive it; only a restart (a larger generation) brings it back.
    state.heartbeat.version = versionMax;
    state.states.set('STATUS', { value: 'shutdown', version: versionMax });
    this.logger.info('endpoint announced shutdown', { endpoint });
    if (this.live.has(endpoint)) this.markDead(endpoint);
    this.failureDetector.remove(endpoint);
  }

  private applyStates(remote: Map<Endpoint, EndpointState>): void {
    const plan = planApply(this.states, remote, { localEndpoint: this.localEndpoint, endpointsMax: gossipEndpointsMax });
    for (const { endpoint, reason, expected } of plan.refused) {
      if (expected === true) this.logger.debug('gossip state refused', { endpoint, reason });
      else this.logger.warn('gossip state refused', { endpoint, reason });
    }
    for (const [endpoint, state] of plan.updates) this.states.set(endpoint, state);
    for (const endpoint of plan.joined) this.handleMajorChange(endpoint, { restarted: false });
    for (const endpoint of plan.restarted) this.handleMajorChange(endpoint, { restarted: true });
    this.handleMinorChanges(plan);
  }

  private handleMajorChange(endpoint: Endpoint, options: { restarted: boolean }): void {
    const state = this.states.get(endpoint) as EndpointState;
    this.failureDetector.remove(endpoint);
    this.failureDetector.report(endpoint);
    if (options.restarted) {
      this.logger.info('endpoint restarted', { endpoint, generation: state.heartbeat.generation });
      if (this.live.has(endpoint)) this.markDead(endpoint);
      this.emit((listener) => listener.onRestart?.(endpoint, copyEndpointState(state)));
    } else {
      this.logger.info('endpoint joined gossip', { endpoint, generation: state.heartbeat.generation });
      this.unreachable.add(endpoint);
    }
    this.emit((listener) => listener.onJoin?.(endpoint, copyEndpointState(state)));
    if (!isDeadState(state)) this.markAlive(endpoint);
  }

  private handleMinorChanges(plan: ApplyPlan): void {
    for (const change of plan.changed) this.emit((listener) => listener.onChange?.(change.endpoint, change.state, { ...change.value }));
    for (const endpoint of plan.heartbeatAdvanced) this.failureDetector.report(endpoint);
    const touched = new Set([...plan.heartbeatAdvanced, ...plan.changed.map((change) => change.endpoint)]);
    for (const endpoint of touched) {
      const state = this.states.get(endpoint) as EndpointState;
      if (isDeadState(state)) {
        if (this.live.has(endpoint)) this.markDead(endpoint);
      } else if (!this.live.has(endpoint) && plan.heartbeatAdvanced.includes(endpoint)) {
        this.markAlive(endpoint);
      }
    }
  }

  /** Confirms with an ECHO that the endpoint answers before marking it up. */
  private markAlive(endpoint: Endpoint): void {
    if (this.echoesInFlight.has(endpoint) || this.live.has(endpoint)) return;
    this.echoesInFlight.add(endpoint);
    // A short timeout: a lost echo is retried at the next heartbeat, not after the 10 s rpc timeout.
    const timeoutMs = 2 * (this.options.intervalMs ?? gossipIntervalMsDefault);
    this.options.messaging.sendRequest(endpoint, 'ECHO', Buffer.alloc(0), { timeoutMs }).then(
      () => {
        this.echoesInFlight.delete(endpoint);
        const state = this.states.get(endpoint);
        if (!this.running || state === undefined || isDeadState(state) || this.live.has(endpoint)) return;
        this.live.add(endpoint);
        this.unreachable.delete(endpoint);
        // The wait for the echo is not a heartbeat gap: start the detector afresh.
        this.failureDetector.remove(endpoint);
        this.failureDetector.report(endpoint);
        this.logger.info('endpoint is now UP', { endpoint });
        this.emit((listener) => listener.onAlive?.(endpoint, copyEndpointState(state)));
      },
      (error: unknown) => {
        this.echoesInFlight.delete(endpoint);
        this.logger.debug('echo failed', { endpoint, error: String(error) });
      },
    );
  }

  private markDead(endpoint: Endpoint): void {
    this.live.delete(endpoint);
    this.unreachable.add(endpoint);
    const state = this.states.get(endpoint);
    if (state !== undefined) this.emit((listener) => listener.onDead?.(endpoint, copyEndpointState(state)));
  }

  private emit(call: (listener: GossipListener) => void): void {
    for (const listener of this.listeners) {
      try {
        call(listener);
      } catch (error) {
        // A listener's bug must not stop gossip for everyone else; it is logged loudly.
        this.logger.error('gossip listener failed', { error: String(error) });
      }
    }
  }
}
