// N whole storage replicas in one process: each node is the gossip cluster's node (messaging,
// gossip, ring over the simulated network and clock) plus a StorageEngine on its own
// SimulatedDisk, answering the replica verbs (MUTATION, HINT, READ, RANGE_READ, TRUNCATE).
// A crash loses what the node's disk had not synced and kills its messaging; a restart
// replays the commit log and rejoins gossip with a larger generation. What is missing for a
// full node is the coordinator: tests (and later the coordinator) drive the replicas by verb.

import { registerReplicaVerbs } from '../../src/db/cluster/replica-verbs.js';
import { openBatchlogEngine } from '../../src/db/coordinator/batchlog.js';
import { silentLogger } from '../../src/db/common/world.js';
import { StorageEngine, type EngineTableOptions } from '../../src/db/storage/engine.js';
import { GossipCluster, type GossipClusterOptions, type GossipNode } from './gossip-cluster.js';
import { SimulatedDisk } from './simulated-disk.js';

export interface StorageClusterOptions extends GossipClusterOptions {
  tables: EngineTableOptions[];
  /** Crashes keep a random prefix of unsynced bytes (torn writes) instead of none. */
  tornWrites?: boolean;
}

export interface StorageNode extends GossipNode {
  engine: StorageEngine;
  /** The node's batchlog engine (on the same disk, as a real node's: coordinator/batchlog.ts). */
  batchlogStore: StorageEngine;
}

export class StorageCluster {
  readonly gossip: GossipCluster;
  private readonly disks: SimulatedDisk[];
  private readonly engines: (StorageEngine | undefined)[];
  private readonly batchlogStores: (StorageEngine | undefined)[];

  constructor(readonly options: StorageClusterOptions) {
    this.gossip = new GossipCluster(options);
    this.disks = this.gossip.endpoints.map((_, index) => new SimulatedDisk({ seed: options.seed * 1000 + index }));
    this.engines = this.gossip.endpoints.map(() => undefined);
    this.batchlogStores = this.gossip.endpoints.map(() => undefined);
  }

  get clock() {
    return this.gossip.clock;
  }

  get endpoints() {
    return this.gossip.endpoints;
  }

  async startAll(): Promise<void> {
    for (let index = 0; index < this.endpoints.length; index++) await this.startNode(index);
  }

  /** Opens the node's engine (replaying its commit log), then starts its cluster services. */
  async startNode(index: number): Promise<StorageNode> {
    const disk = this.disks[index] as SimulatedDisk;
    const logger = (this.options.logger ?? silentLogger).child({ node: this.endpoints[index] });
    const engine = await StorageEngine.open({
      world: { clock: this.clock, disk: disk.view(), logger },
      dataDirectory: 'data',
      commitLogDirectory: 'commitlog',
      syncMode: 'batch',
      syncPeriodMs: 10,
      memtableFlushBytes: 1 << 20,
      tables: this.options.tables,
    });
    this.engines[index] = engine;
    const batchlogStore = await openBatchlogEngine({ clock: this.clock, disk: disk.view(), logger }, 'batchlog', { syncMode: 'batch', syncPeriodMs: 10 });
    this.batchlogStores[index] = batchlogStore;
    const node = await this.gossip.startNode(index);
    // No virtual time passes between the start and this registration, so no request is missed.
    registerReplicaVerbs(node.messaging, { store: engine, logger });
    return { ...node, engine, batchlogStore };
  }

  node(index: number): StorageNode | undefined {
    const node = this.gossip.node(index);
    const engine = this.engines[index];
    const batchlogStore = this.batchlogStores[index];
    return node === undefined || engine === undefined || batchlogStore === undefined ? undefined : { ...node, engine, batchlogStore };
  }

  running(): StorageNode[] {
    return this.gossip.running().map((node) => this.node(node.index) as StorageNode);
  }

  /** Kills a node: unsynced bytes are lost; its engine is abandoned, not closed (the process died). */
  async crash(index: number): Promise<void> {
    await this.gossip.crash(index);
    (this.disks[index] as SimulatedDisk).crash({ tornWrites: this.options.tornWrites === true });
    this.engines[index] = undefined;
    this.batchlogStores[index] = undefined;
  }

  async runUntil(condition: () => boolean, limitMs: number): Promise<boolean> {
    return this.gossip.runUntil(condition, limitMs);
  }

  describe(): string {
    return this.gossip.describe();
  }
}
