// A small in-process cluster for gossip: N nodes, each a MessagingService over an
// InMemoryTransport of the SimulatedNetwork plus a Gossiper, all on one SimulatedClock and
// driven from one seed, so a failing run replays exactly. Nodes can crash (silently, as a
// killed process) and restart with a larger generation.

import type { Endpoint } from '../../src/db/cluster/endpoint.js';
import { formatStatus, formatTokens, type EndpointState } from '../../src/db/cluster/gossip/endpoint-state.js';
import { Gossiper } from '../../src/db/cluster/gossip/gossiper.js';
import { MessagingService } from '../../src/db/cluster/messaging/messaging-service.js';
import { randomTokens } from '../../src/db/cluster/ring/token-metadata.js';
import { silentLogger, type Logger } from '../../src/db/common/world.js';
import { SeededRandom } from './seeded-random.js';
import { SimulatedClock } from './simulated-clock.js';
import { SimulatedNetwork } from './simulated-network.js';

export interface GossipClusterOptions {
  nodes: number;
  seed: number;
  /** How many of the first nodes are seeds (default 1). */
  seedNodes?: number;
  lossRate?: number;
  delayMinMs?: number;
  delayMaxMs?: number;
  numTokens?: number;
  phiConvictThreshold?: number;
  logger?: Logger;
}

export interface GossipNode {
  index: number;
  endpoint: Endpoint;
  messaging: MessagingService;
  gossiper: Gossiper;
}

export class GossipCluster {
  readonly clock = new SimulatedClock();
  readonly random: SeededRandom;
  readonly network: SimulatedNetwork;
  readonly endpoints: Endpoint[];
  private readonly nodes: (GossipNode | undefined)[];
  private readonly generations: number[];
  private readonly tokens: string[];

  constructor(readonly options: GossipClusterOptions) {
    this.random = new SeededRandom(options.seed);
    this.network = new SimulatedNetwork({
      clock: this.clock,
      random: this.random.fork(),
      lossRate: options.lossRate ?? 0,
      delayMinMs: options.delayMinMs ?? 1,
      delayMaxMs: options.delayMaxMs ?? 20,
    });
    this.endpoints = Array.from({ length: options.nodes }, (_, index) => `127.0.0.${index + 1}:7000`);
    this.nodes = this.endpoints.map(() => undefined);
    this.generations = this.endpoints.map(() => 0);
    this.tokens = this.endpoints.map(() => formatTokens(randomTokens(this.random, { count: options.numTokens ?? 16 })));
  }

  /** Starts every node (in index order, all at the same virtual instant). */
  async startAll(): Promise<void> {
    for (let index = 0; index < this.endpoints.length; index++) await this.startNode(index);
  }

  node(index: number): GossipNode | undefined {
    return this.nodes[index];
  }

  running(): GossipNode[] {
    return this.nodes.filter((node): node is GossipNode => node !== undefined);
  }

  async startNode(index: number): Promise<GossipNode> {
    if (this.nodes[index] !== undefined) throw new Error(`node ${index} is already running`);
    const endpoint = this.endpoints[index] as Endpoint;
    const logger = (this.options.logger ?? silentLogger).child({ node: endpoint });
    const messaging = new MessagingService({ transport: this.network.transportFor(endpoint), clock: this.clock, logger });
    // A restart gets a larger generation even within the same virtual second, as a node's
    // persisted generation guarantees.
    const generation = Math.max(Math.floor(this.clock.nowMs() / 1000), (this.generations[index] as number) + 1);
    this.generations[index] = generation;
    const gossiper = new Gossiper({
      messaging,
      clock: this.clock,
      random: this.random.fork(),
      logger,
      clusterName: 'Test Cluster',
      seeds: this.endpoints.slice(0, this.options.seedNodes ?? 1),
      generation,
      ...(this.options.phiConvictThreshold === undefined ? {} : { phiConvictThreshold: this.options.phiConvictThreshold }),
      initialStates: {
        DC: 'datacenter1',
        RACK: 'rack1',
        HOST_ID: `00000000-0000-4000-8000-${String(index + 1).padStart(12, '0')}`,
        RPC_ADDRESS: endpoint.split(':')[0] as string,
        NATIVE_PORT: '9042',
        RELEASE_VERSION: '4.0.11',
        SCHEMA: '59adb24e-f3cd-3e02-97f0-5b395827453f',
        TOKENS: this.tokens[index] as string,
        STATUS: formatStatus('NORMAL'),
      },
    });
    await messaging.start();
    gossiper.start();
    const node = { index, endpoint, messaging, gossiper };
    this.nodes[index] = node;
    return node;
  }

  /** Kills a node: no goodbye, its in-flight requests and frames are lost. */
  async crash(index: number): Promise<void> {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`node ${index} is not running`);
    this.nodes[index] = undefined;
    node.gossiper.stop({ announce: false });
    await node.messaging.close();
  }

  /** Stops a node cleanly: it announces its shutdown first. */
  async shutdown(index: number): Promise<void> {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`node ${index} is not running`);
    node.gossiper.stop({ announce: true });
    await this.clock.advance(50);
    this.nodes[index] = undefined;
    await node.messaging.close();
  }

  async run(durationMs: number): Promise<void> {
    await this.clock.advance(durationMs);
  }

  /** Runs until condition holds (checked every 100 ms) or limitMs passes; returns whether it held. */
  async runUntil(condition: () => boolean, limitMs: number): Promise<boolean> {
    return this.clock.advanceUntil(condition, { limitMs, stepMs: 100 });
  }

  /** Whether every running node knows every running node's own current states and sees it up. */
  converged(): boolean {
    const running = this.running();
    for (const observer of running) {
      for (const subject of running) {
        if (observer === subject) continue;
        if (!observer.gossiper.isAlive(subject.endpoint)) return false;
        const own = subject.gossiper.endpointState(subject.endpoint) as EndpointState;
        const seen = observer.gossiper.endpointState(subject.endpoint);
        if (seen === undefined || !sameStates(own, seen)) return false;
      }
    }
    return true;
  }

  /** Running nodes (other than index) that see the node up, or down. */
  observers(index: number, alive: boolean): Endpoint[] {
    const endpoint = this.endpoints[index] as Endpoint;
    return this.running()
      .filter((node) => node.index !== index && node.gossiper.isAlive(endpoint) === alive)
      .map((node) => node.endpoint);
  }

  /** A line for failure messages: how to replay, and who sees whom. */
  describe(): string {
    const views = this.running().map((node) => `${node.endpoint} live=[${node.gossiper.liveEndpoints().join(' ')}]`);
    return `seed=${this.options.seed} t=${this.clock.nowMs()} ${JSON.stringify(this.network.stats)}\n${views.join('\n')}`;
  }
}

function sameStates(own: EndpointState, seen: EndpointState): boolean {
  if (own.heartbeat.generation !== seen.heartbeat.generation) return false;
  for (const [key, value] of own.states) {
    if (seen.states.get(key)?.value !== value.value) return false;
  }
  return true;
}
