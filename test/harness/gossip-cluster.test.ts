// Gossip over the simulated network and clock: convergence under loss, failure detection,
// restarts, partitions, and replay from a seed. Failure messages carry the seed (describe()).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint } from '../../src/db/cluster/endpoint.js';
import { GossipCluster } from './gossip-cluster.js';

const seeds = [1, 2, 3, 4, 5];

test('gossip converges for 5 nodes under 10% message loss within 30 virtual seconds', async () => {
  for (const seed of seeds) {
    const cluster = new GossipCluster({ nodes: 5, seed, lossRate: 0.1 });
    await cluster.startAll();
    const converged = await cluster.runUntil(() => cluster.converged(), 30_000);
    assert.ok(converged, `not converged: ${cluster.describe()}`);
    // Every node's view of a peer carries that peer's TOKENS, HOST_ID, DC and RACK.
    const observer = cluster.node(4)?.gossiper;
    const subject = cluster.endpoints[0] as Endpoint;
    assert.equal(observer?.endpointState(subject)?.states.get('TOKENS')?.value.split(',').length, 16, cluster.describe());
  }
});

test('a crashed node is marked down by every other node within 10 s, and up after restart with a new generation', async () => {
  for (const seed of seeds) {
    const cluster = new GossipCluster({ nodes: 5, seed });
    await cluster.startAll();
    assert.ok(await cluster.runUntil(() => cluster.converged(), 30_000), cluster.describe());
    await cluster.run(30_000);
    const victim = 2;
    const oldGeneration = cluster.node(victim)?.gossiper.generation as number;
    await cluster.crash(victim);
    const down = await cluster.runUntil(() => cluster.observers(victim, true).length === 0, 10_000);
    assert.ok(down, `still seen up by ${cluster.observers(victim, true).join(' ')}: ${cluster.describe()}`);
    await cluster.run(3_000);
    const restarted = await cluster.startNode(victim);
    assert.ok(restarted.gossiper.generation > oldGeneration);
    const up = await cluster.runUntil(() => cluster.observers(victim, false).length === 0 && cluster.converged(), 10_000);
    assert.ok(up, `still seen down by ${cluster.observers(victim, false).join(' ')}: ${cluster.describe()}`);
    for (const node of cluster.running()) {
      assert.equal(node.gossiper.endpointState(restarted.endpoint)?.heartbeat.generation, restarted.gossiper.generation, cluster.describe());
    }
  }
});

test('a restart within the same virtual second still gets a larger generation; listeners hear down, restart, up', async () => {
  const cluster = new GossipCluster({ nodes: 3, seed: 11 });
  await cluster.startAll();
  assert.ok(await cluster.runUntil(() => cluster.converged(), 30_000), cluster.describe());
  const events: string[] = [];
  cluster.node(0)?.gossiper.subscribe({
    onDead: (endpoint) => events.push(`dead ${endpoint}`),
    onRestart: (endpoint) => events.push(`restart ${endpoint}`),
    onAlive: (endpoint) => events.push(`alive ${endpoint}`),
  });
  await cluster.crash(1);
  await cluster.startNode(1);
  assert.ok(await cluster.runUntil(() => cluster.converged(), 10_000), cluster.describe());
  // Seen as a restart before any conviction: down (the old incarnation), restart, up (after its echo).
  assert.deepEqual(events, ['dead 127.0.0.2:7000', 'restart 127.0.0.2:7000', 'alive 127.0.0.2:7000']);
});

test('a clean shutdown is seen at once; stale gossip cannot revive the node', async () => {
  const cluster = new GossipCluster({ nodes: 4, seed: 21 });
  await cluster.startAll();
  assert.ok(await cluster.runUntil(() => cluster.converged(), 30_000), cluster.describe());
  await cluster.shutdown(3);
  assert.deepEqual(cluster.observers(3, true), [], cluster.describe());
  await cluster.run(20_000);
  assert.deepEqual(cluster.observers(3, true), [], cluster.describe());
  await cluster.startNode(3);
  assert.ok(await cluster.runUntil(() => cluster.converged(), 10_000), cluster.describe());
});

test('a partition marks the other side down; healing brings everyone back', async () => {
  for (const seed of seeds) {
    const cluster = new GossipCluster({ nodes: 5, seed, lossRate: 0.05 });
    await cluster.startAll();
    assert.ok(await cluster.runUntil(() => cluster.converged(), 30_000), cluster.describe());
    const [a, b, c, d, e] = cluster.endpoints as [Endpoint, Endpoint, Endpoint, Endpoint, Endpoint];
    cluster.network.partition([a, b], [c, d, e]);
    const split = await cluster.runUntil(() => {
      const left = cluster.node(0)?.gossiper.liveEndpoints() ?? [];
      const right = cluster.node(4)?.gossiper.liveEndpoints() ?? [];
      return left.join() === b && right.join() === [c, d].join();
    }, 20_000);
    assert.ok(split, `partition not detected: ${cluster.describe()}`);
    cluster.network.heal();
    assert.ok(await cluster.runUntil(() => cluster.converged(), 30_000), `not healed: ${cluster.describe()}`);
  }
});

async function trace(seed: number): Promise<string[]> {
  const cluster = new GossipCluster({ nodes: 5, seed, lossRate: 0.1, delayMaxMs: 50 });
  const events: string[] = [];
  await cluster.startAll();
  for (const node of cluster.running()) {
    node.gossiper.subscribe({
      onAlive: (endpoint) => events.push(`${cluster.clock.nowMs()} ${node.endpoint} up ${endpoint}`),
      onDead: (endpoint) => events.push(`${cluster.clock.nowMs()} ${node.endpoint} down ${endpoint}`),
    });
  }
  await cluster.run(5_000);
  await cluster.crash(1);
  await cluster.run(15_000);
  events.push(JSON.stringify(cluster.network.stats));
  return events;
}

test('a run is reproducible from its seed', async () => {
  const first = await trace(42);
  const second = await trace(42);
  assert.ok(first.length > 4);
  assert.deepEqual(second, first, 'seed 42 replayed differently');
  assert.notDeepEqual(await trace(43), first);
});

test('every node builds the same ring from gossip and places replicas alike', async () => {
  const cluster = new GossipCluster({ nodes: 5, seed: 7, lossRate: 0.1 });
  await cluster.startAll();
  assert.ok(await cluster.runUntil(() => cluster.converged(), 30_000), cluster.describe());
  const rings = cluster.running().map((node) => node.ring);
  const replication = { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '3' };
  for (const ring of rings) {
    assert.deepEqual(ring.endpoints(), cluster.endpoints);
    assert.equal(ring.sortedTokens().length, 5 * 16);
    for (const token of [0n, -123456789n, 2n ** 62n]) {
      assert.deepEqual(ring.replicasFor(replication, token), rings[0]?.replicasFor(replication, token));
    }
  }
});

test('NetworkTopologyStrategy over a gossiped two-datacenter topology', async () => {
  // Nodes 0-2 in dc1 (racks r0, r1, r0), nodes 3-5 in dc2 (one rack).
  const cluster = new GossipCluster({
    nodes: 6, seed: 8, seedNodes: 2,
    location: (index) => (index < 3 ? { dataCenter: 'dc1', rack: `r${index % 2}` } : { dataCenter: 'dc2', rack: 'r0' }),
  });
  await cluster.startAll();
  assert.ok(await cluster.runUntil(() => cluster.converged(), 30_000), cluster.describe());
  const replication = { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '2', dc2: '1' };
  const dc1 = new Set(cluster.endpoints.slice(0, 3));
  for (const node of cluster.running()) {
    for (let step = 0; step < 50; step++) {
      const token = BigInt.asIntN(64, BigInt(step) * 0x9e3779b97f4a7c15n);
      const replicas = node.ring.replicasFor(replication, token);
      const inDc1 = replicas.filter((replica) => dc1.has(replica));
      assert.equal(inDc1.length, 2, cluster.describe());
      assert.equal(replicas.length, 3, cluster.describe());
      // Two dc1 replicas on two different racks.
      assert.notEqual(node.ring.location(inDc1[0] as Endpoint).rack, node.ring.location(inDc1[1] as Endpoint).rack);
      assert.deepEqual(replicas, cluster.node(0)?.ring.replicasFor(replication, token));
    }
  }
});

test('a node announcing LEFT leaves every ring and is no longer seen up', async () => {
  const cluster = new GossipCluster({ nodes: 4, seed: 9, lossRate: 0.05 });
  await cluster.startAll();
  assert.ok(await cluster.runUntil(() => cluster.converged(), 30_000), cluster.describe());
  const leaving = cluster.node(3);
  leaving?.gossiper.setApplicationState('STATUS', 'LEFT');
  const gone = await cluster.runUntil(
    () => cluster.running().every((node) => node.index === 3 || (!node.ring.isMember(leaving?.endpoint as Endpoint) && !node.gossiper.isAlive(leaving?.endpoint as Endpoint))),
    20_000,
  );
  assert.ok(gone, cluster.describe());
});

test('a joining node is a pending replica everywhere until it turns NORMAL', async () => {
  const cluster = new GossipCluster({ nodes: 4, seed: 12 });
  for (let index = 0; index < 3; index++) await cluster.startNode(index);
  assert.ok(await cluster.runUntil(() => cluster.converged(), 30_000), cluster.describe());
  const joining = await cluster.startNode(3, { status: 'BOOT' });
  const replication = { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '2' };
  const pendingEverywhere = () => cluster.running().every((node) => node.ring.bootstrappingEndpoints().includes(joining.endpoint));
  assert.ok(await cluster.runUntil(pendingEverywhere, 20_000), cluster.describe());
  const observer = cluster.node(0)?.ring;
  assert.ok(!observer?.isMember(joining.endpoint), 'a joining node owns nothing yet');
  const pendingSomewhere = Array.from({ length: 200 }, (_, step) => BigInt.asIntN(64, BigInt(step) * 0x9e3779b97f4a7c15n))
    .some((candidate) => observer?.pendingReplicasFor(replication, candidate).includes(joining.endpoint));
  assert.ok(pendingSomewhere, 'writes to some ranges also go to the joining node');
  joining.gossiper.setApplicationState('STATUS', 'NORMAL');
  const joined = () => cluster.running().every((node) => node.ring.isMember(joining.endpoint) && node.ring.bootstrappingEndpoints().length === 0);
  assert.ok(await cluster.runUntil(joined, 20_000), cluster.describe());
});

test('a restarted node places replicas right from its first instant (the saved ring), before gossip tells it anything', async () => {
  const cluster = new GossipCluster({ nodes: 5, seed: 31 });
  await cluster.startAll();
  assert.ok(await cluster.runUntil(() => cluster.converged(), 30_000), cluster.describe());
  const replication = { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '3' };
  const observer = cluster.node(0)?.ring;
  await cluster.crash(3);
  cluster.network.partition([cluster.endpoints[3] as Endpoint], cluster.endpoints.filter((_, index) => index !== 3));
  const restarted = await cluster.startNode(3);
  await cluster.run(5_000);
  // Cut off from everyone, it still knows the whole ring.
  assert.deepEqual(restarted.ring.endpoints(), [...cluster.endpoints].sort());
  for (const token of [-7n, 0n, 123_456_789n, 9_000_000_000_000_000_000n]) {
    assert.deepEqual(restarted.ring.replicasFor(replication, token), observer?.replicasFor(replication, token), `token ${token}`);
  }
});
