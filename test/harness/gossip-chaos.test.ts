// Gossip under a seeded storm of crashes, restarts, partitions, loss and delay: whatever
// happens, once links heal and every node is back, the cluster converges, and no node's view
// of a peer ever goes back to an older generation. The seed is in every failure message.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint } from '../../src/db/cluster/endpoint.js';
import { GossipCluster } from './gossip-cluster.js';
import { SeededRandom } from './seeded-random.js';

async function storm(seed: number): Promise<void> {
  const dice = new SeededRandom(seed * 7919);
  const nodes = 3 + dice.nextInt(4);
  const cluster = new GossipCluster({ nodes, seed, lossRate: dice.nextFloat() * 0.2, delayMaxMs: 5 + dice.nextInt(100), seedNodes: 1 + dice.nextInt(2) });
  await cluster.startAll();
  assert.ok(await cluster.runUntil(() => cluster.converged(), 60_000), `initial convergence: ${cluster.describe()}`);
  const seenGenerations = new Map<string, number>();
  const checkGenerations = () => {
    for (const observer of cluster.running()) {
      for (const endpoint of cluster.endpoints) {
        const generation = observer.gossiper.endpointState(endpoint)?.heartbeat.generation;
        if (generation === undefined) continue;
        const key = `${observer.endpoint}>${endpoint}`;
        assert.ok(generation >= (seenGenerations.get(key) ?? 0), `generation went back at ${key}: ${cluster.describe()}`);
        seenGenerations.set(key, generation);
      }
    }
  };
  for (let event = 0; event < 6; event++) {
    const running = cluster.running();
    const crashed = cluster.endpoints.map((_, index) => index).filter((index) => cluster.node(index) === undefined);
    const roll = dice.nextInt(4);
    if (roll === 0 && running.length > 2) await cluster.crash((running[dice.nextInt(running.length)] as { index: number }).index);
    else if (roll === 1 && crashed.length > 0) await cluster.startNode(crashed[dice.nextInt(crashed.length)] as number);
    else if (roll === 2) {
      const cut = 1 + dice.nextInt(nodes - 1);
      cluster.network.partition(cluster.endpoints.slice(0, cut), cluster.endpoints.slice(cut) as Endpoint[]);
    } else cluster.network.heal();
    for (let step = 0; step < 5 + dice.nextInt(10); step++) {
      await cluster.run(1_000);
      checkGenerations();
    }
  }
  cluster.network.heal();
  for (let index = 0; index < nodes; index++) if (cluster.node(index) === undefined) await cluster.startNode(index);
  assert.ok(await cluster.runUntil(() => cluster.converged(), 60_000), `no convergence after the storm: ${cluster.describe()}`);
  checkGenerations();
}

test('gossip converges after seeded storms of crashes, restarts and partitions', async () => {
  for (let seed = 1; seed <= 20; seed++) await storm(seed);
});
