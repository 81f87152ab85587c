// A small in-process cluster for gossip: N nodes, each the cluster services of a node
// (messaging over an InMemoryTransport of the SimulatedNetwork, a Gossiper, the ring kept
// from gossip: src/db/cluster/cluster-services.ts), all on one SimulatedClock and
// driven from one seed, so a failing run replays exactly. Nodes can crash (silently, as a
// killed process) and restart with a larger generation.

import type { Endpoint } from '../../src/db/cluster/endpoint.js';
import { startClusterServices, type ClusterServices } from '../../src/db/cluster/cluster-services.js';
import type { EndpointState } from '../../src/db/cluster/gossip/endpoint-state.js';
import { savedPeersOf, type SavedPeer } from '../../src/db/cluster/ring/saved-ring.js';
import { randomTokens } from '../../src/db/cluster/ring/token-metadata.js';
import { silentLogger, type Logger, type Network } from '../../src/db/common/world.js';
import type { Token } from '../../src/db/dht/token.js';
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
  /** Where each node sits (default: datacenter1/rack1 for all). */
  location?: (index: number) => { dataCenter: string; rack: string };
  logger?: Logger;
}

export interface GossipNode extends ClusterServices {
  index: number;
  endpoint: Endpoint;
}

/** The harness never opens sockets: every node gets an in-memory transport. */
const unusedNetwork: Network = {
  listen: () => Promise.reject(new Error('the gossip harness uses in-memory transports')),
  connect: () => Promise.reject(new Error('the gossip harness uses in-memory transports')),
};

export class GossipCluster {
  readonly clock = new SimulatedClock();
  readonly random: SeededRandom;
  readonly network: SimulatedNetwork;
  readonly endpoints: Endpoint[];
  private readonly nodes: (GossipNode | undefined)[];
  private readonly generations: number[];
  private readonly tokens: Token[][];
  /** Each node's ring as it last saved it (a real node saves it to disk: ring/saved-ring.ts). */
  private readonly savedRings: SavedPeer[][];

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
    this.tokens = this.endpoints.map(() => randomTokens(this.random, { count: options.numTokens ?? 16 }));
    this.savedRings = this.endpoints.map(() => []);
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

  async startNode(index: number, options: { status?: 'BOOT' | 'NORMAL' } = {}): Promise<GossipNode> {
    if (this.nodes[index] !== undefined) throw new Error(`node ${index} is already running`);
    const endpoint = this.endpoints[index] as Endpoint;
    const logger = (this.options.logger ?? silentLogger).child({ node: endpoint });
    const services = await startClusterServices({
      clock: this.clock,
      random: this.random.fork(),
      network: unusedNetwork,
      transport: this.network.transportFor(endpoint),
      logger,
      clusterName: 'Test Cluster',
      localEndpoint: endpoint,
      seeds: this.endpoints.slice(0, this.options.seedNodes ?? 1),
      tokens: this.tokens[index] as Token[],
      // A restart gets a larger generation even within the same virtual second.
      previousGeneration: this.generations[index] as number,
      savedPeers: this.savedRings[index] as SavedPeer[],
      ...(this.options.location?.(index) ?? { dataCenter: 'datacenter1', rack: 'rack1' }),
      hostId: `00000000-0000-4000-8000-${String(index + 1).padStart(12, '0')}`,
      rpcAddress: endpoint.split(':')[0] as string,
      nativePort: 9042,
      releaseVersion: '4.0.11',
      schemaVersion: '59adb24e-f3cd-3e02-97f0-5b395827453f',
      ...(this.options.phiConvictThreshold === undefined ? {} : { phiConvictThreshold: this.options.phiConvictThreshold }),
      ...(options.status === undefined ? {} : { initialStatus: options.status }),
    });
    this.generations[index] = services.gossiper.generation;
    const node = { index, endpoint, ...services };
    this.nodes[index] = node;
    return node;
  }

  /** Kills a node: no goodbye, its in-flight requests and frames are lost. */
  async crash(index: number): Promise<void> {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`node ${index} is not running`);
    this.nodes[index] = undefined;
    this.savedRings[index] = savedPeersOf(node.ring, node.endpoint);
    await node.stop({ announce: false });
  }

  /** Stops a node cleanly: it announces its shutdown first. */
  async shutdown(index: number): Promise<void> {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`node ${index} is not running`);
    this.savedRings[index] = savedPeersOf(node.ring, node.endpoint);
    const stopped = node.stop({ announce: true });
    await this.clock.advance(150);
    await stopped;
    this.nodes[index] = undefined;
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
    return `seed=${this.options.seed} t=${this.clock.nowMs()} ${JSON.stringify(this.network.stats)}\n${views.join('\n')}\n${this.divergence().join('\n')}`;
  }

  /** Where a running node's view of another differs from that node's own states (at most 10 lines). */
  divergence(): string[] {
    const lines: string[] = [];
    for (const observer of this.running()) {
      for (const subject of this.running()) {
        if (observer === subject) continue;
        const own = subject.gossiper.endpointState(subject.endpoint) as EndpointState;
        const seen = observer.gossiper.endpointState(subject.endpoint);
        const show = (state: EndpointState | undefined) => state === undefined ? 'nothing'
          : `gen ${state.heartbeat.generation} hb ${state.heartbeat.version} ${[...state.states].map(([key, value]) => `${key}@${value.version}`).join(' ')}`;
        if (seen === undefined || !sameStates(own, seen)) lines.push(`${observer.endpoint} sees ${subject.endpoint} as ${show(seen)}; it is ${show(own)}`);
      }
    }
    return lines.slice(0, 10);
  }
}

function sameStates(own: EndpointState, seen: EndpointState): boolean {
  if (own.heartbeat.generation !== seen.heartbeat.generation) return false;
  for (const [key, value] of own.states) {
    if (seen.states.get(key)?.value !== value.value) return false;
  }
  return true;
}
