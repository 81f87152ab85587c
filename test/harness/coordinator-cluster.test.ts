// The coordinator (StorageProxy) on every node of an in-process cluster over the simulated
// network and clock: Unavailable with the spec's fields, read repair of a stale replica,
// hints delivered after a replica returns, reads falling back on a spare replica, and the
// batchlog. The many-seed QUORUM chaos test is quorum-chaos.test.ts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Endpoint } from '../../src/db/cluster/endpoint.js';
import { ConsistencyLevel } from '../../src/db/common/consistency.js';
import { CqlError } from '../../src/db/common/errors.js';
import { silentLogger } from '../../src/db/common/world.js';
import { Batchlog } from '../../src/db/coordinator/batchlog.js';
import { HintStore } from '../../src/db/coordinator/hints.js';
import { encodeBatchStoreRequest } from '../../src/db/cluster/messaging/payloads.js';
import { StorageProxy } from '../../src/db/coordinator/storage-proxy.js';
import { drive, keyOf, proxyFor, read, replication, scan, table, valueOf, write } from './coordinator-fixtures.js';
import { StorageCluster, type StorageNode } from './storage-cluster.js';

async function startedCluster(seed: number, options: { lossRate?: number; delayMaxMs?: number } = {}): Promise<StorageCluster> {
  const cluster = new StorageCluster({ nodes: 5, seed, tables: [table], ...options });
  await cluster.startAll();
  assert.ok(await cluster.runUntil(() => cluster.gossip.converged(), 60_000), cluster.describe());
  return cluster;
}

test('too few live replicas: Unavailable with the required and alive counts; ONE still succeeds', async () => {
  const cluster = await startedCluster(11);
  const coordinator = cluster.node(0) as StorageNode;
  const proxy = proxyFor(coordinator, cluster.clock);
  const now = () => Math.floor(cluster.clock.nowMs() / 1000);
  // A key whose replicas do not include the coordinator, two of them then crashed.
  const k = Array.from({ length: 200 }, (_, i) => i).find((i) => !coordinator.ring.replicasFor(replication, keyOf(i).token).includes(coordinator.endpoint)) as number;
  const replicas = coordinator.ring.replicasFor(replication, keyOf(k).token);
  await drive(cluster, proxy.mutate([write(k, 'before', cluster.clock.nowMicros())], ConsistencyLevel.ALL));
  const victims = replicas.slice(0, 2).map((endpoint) => cluster.endpoints.indexOf(endpoint));
  for (const victim of victims) await cluster.crash(victim);
  assert.ok(await cluster.runUntil(() => replicas.slice(0, 2).every((e) => !coordinator.gossiper.isAlive(e)), 15_000));
  for (const attempt of [
    () => proxy.mutate([write(k, 'x', cluster.clock.nowMicros())], ConsistencyLevel.QUORUM),
    () => proxy.read(read(k, now()), ConsistencyLevel.QUORUM).then(() => undefined),
  ]) {
    await assert.rejects(drive(cluster, attempt()), (error: unknown) => {
      assert.ok(error instanceof CqlError);
      assert.deepEqual(error.details, { kind: 'unavailable', consistency: ConsistencyLevel.QUORUM, required: 2, alive: 1 });
      return true;
    });
  }
  await drive(cluster, proxy.mutate([write(k, 'one', cluster.clock.nowMicros())], ConsistencyLevel.ONE));
  assert.equal(valueOf(await drive(cluster, proxy.read(read(k, now()), ConsistencyLevel.ONE))), 'one');
});

test('a QUORUM read repairs a stale replica before answering; hints reach a replica that returns', async () => {
  const cluster = await startedCluster(12);
  const coordinator = cluster.node(0) as StorageNode;
  const hints = new HintStore({ clock: cluster.clock, logger: silentLogger, hintWindowMs: 3 * 3600_000 });
  const proxy = proxyFor(coordinator, cluster.clock, hints);
  const plain = proxyFor(coordinator, cluster.clock);
  const now = () => Math.floor(cluster.clock.nowMs() / 1000);
  const victim = 3;
  const victimEndpoint = cluster.endpoints[victim] as Endpoint;
  const keys = Array.from({ length: 60 }, (_, i) => i).filter((i) => coordinator.ring.replicasFor(replication, keyOf(i).token).includes(victimEndpoint));
  assert.ok(keys.length > 5);
  for (const k of keys) await drive(cluster, plain.mutate([write(k, `old-${k}`, cluster.clock.nowMicros())], ConsistencyLevel.ALL));
  await cluster.crash(victim);
  assert.ok(await cluster.runUntil(() => !coordinator.gossiper.isAlive(victimEndpoint), 15_000));
  const [repaired, hinted] = [keys.slice(0, keys.length / 2), keys.slice(keys.length / 2)];
  // Hints off for the first half (the plain proxy), on for the second.
  for (const k of repaired) await drive(cluster, plain.mutate([write(k, `new-${k}`, cluster.clock.nowMicros())], ConsistencyLevel.ONE));
  for (const k of hinted) await drive(cluster, proxy.mutate([write(k, `new-${k}`, cluster.clock.nowMicros())], ConsistencyLevel.ONE));
  assert.equal(hints.pending(victimEndpoint), hinted.length);
  const restarted = await cluster.startNode(victim);
  assert.ok(await cluster.runUntil(() => coordinator.gossiper.isAlive(victimEndpoint), 15_000));
  assert.equal(await drive(cluster, proxy.replayHints(victimEndpoint)), hinted.length);
  for (const k of hinted) assert.equal(valueOf(await drive(cluster, restarted.engine.read(read(k, now())))), `new-${k}`, `hinted key ${k}`);
  for (const k of repaired) assert.equal(valueOf(await drive(cluster, restarted.engine.read(read(k, now())))), `old-${k}`, `stale key ${k}`);
  // ALL contacts the stale replica for sure; the read answers the newest value and repairs it.
  for (const k of repaired) assert.equal(valueOf(await drive(cluster, plain.read(read(k, now()), ConsistencyLevel.ALL))), `new-${k}`);
  for (const k of repaired) assert.equal(valueOf(await drive(cluster, restarted.engine.read(read(k, now())))), `new-${k}`, `repaired key ${k}`);
  assert.ok(plain.stats.readRepairs >= repaired.length);
  // A range scan across the ring sees every key once, in token order.
  const all = await drive(cluster, plain.read(scan(now(), 1000), ConsistencyLevel.QUORUM));
  assert.equal(all.partitions.length, keys.length);
  const tokens = all.partitions.map((p) => p.token);
  assert.deepEqual(tokens, [...tokens].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  const limited = await drive(cluster, plain.read(scan(now(), 7), ConsistencyLevel.QUORUM));
  assert.deepEqual(limited.partitions.map((p) => p.token), tokens.slice(0, 7));
});

test('a replica that dies unnoticed: QUORUM reads fall back on a spare replica', async () => {
  const cluster = await startedCluster(13);
  const coordinator = cluster.node(0) as StorageNode;
  const proxy = proxyFor(coordinator, cluster.clock);
  const now = () => Math.floor(cluster.clock.nowMs() / 1000);
  const keys = Array.from({ length: 30 }, (_, i) => i);
  for (const k of keys) await drive(cluster, proxy.mutate([write(k, `v-${k}`, cluster.clock.nowMicros())], ConsistencyLevel.QUORUM));
  await drive(cluster, cluster.gossip.run(500));
  await cluster.crash(2);
  // Read at once: the coordinator still believes node 2 alive and contacts it for some keys.
  assert.ok(coordinator.gossiper.isAlive(cluster.endpoints[2] as Endpoint));
  for (const k of keys) assert.equal(valueOf(await drive(cluster, proxy.read(read(k, now()), ConsistencyLevel.QUORUM))), `v-${k}`);
});

test('speculative retry: a replica that does not answer holds a read only until the threshold, not the read timeout', async () => {
  const cluster = await startedCluster(14);
  const coordinator = cluster.node(0) as StorageNode;
  const now = () => Math.floor(cluster.clock.nowMs() / 1000);
  const keys = Array.from({ length: 30 }, (_, i) => i);
  const writer = proxyFor(coordinator, cluster.clock);
  for (const k of keys) await drive(cluster, writer.mutate([write(k, `v-${k}`, cluster.clock.nowMicros())], ConsistencyLevel.ALL));
  // Requests to node 2 are lost; it stays alive to the coordinator (its gossip still arrives).
  const silent = cluster.endpoints[2] as Endpoint;
  cluster.gossip.network.cut(coordinator.endpoint, silent, { oneWay: true });
  const timed = async (proxy: StorageProxy, level: ConsistencyLevel) => {
    let slowest = 0;
    for (const k of keys) {
      const startMs = cluster.clock.nowMs();
      assert.equal(valueOf(await drive(cluster, proxy.read(read(k, now()), level))), `v-${k}`);
      slowest = Math.max(slowest, cluster.clock.nowMs() - startMs);
    }
    return slowest;
  };
  const speculating = new StorageProxy({ ...proxyFor(coordinator, cluster.clock).options, speculativeRetryOf: () => '20ms' });
  for (const level of [ConsistencyLevel.QUORUM, ConsistencyLevel.ONE]) {
    const before = speculating.stats.speculativeRetries;
    assert.ok(await timed(speculating, level) < 500, `${level}: no read waits for the silent replica`);
    assert.ok(speculating.stats.speculativeRetries > before, `${level}: some read asked a spare`);
  }
  // Without speculation a read that contacted the silent replica waits for its timeout.
  const waiting = new StorageProxy({ ...proxyFor(coordinator, cluster.clock).options, speculativeRetryOf: () => 'NONE' });
  assert.ok(coordinator.gossiper.isAlive(silent), 'the silent replica is still alive to the coordinator');
  assert.ok(await timed(waiting, ConsistencyLevel.QUORUM) >= waiting.readTimeoutMs);
  assert.equal(waiting.stats.speculativeRetries, 0);
});

function batchlogProxy(cluster: StorageCluster, node: StorageNode, batchlog?: Batchlog): StorageProxy {
  let counter = 0;
  return new StorageProxy({
    clock: cluster.clock, logger: silentLogger, messaging: node.messaging, ring: node.ring,
    isAlive: (endpoint) => node.gossiper.isAlive(endpoint), store: node.engine,
    replicationOf: () => replication, keyspaceOfTable: () => table.keyspace, localDataCenter: 'datacenter1',
    batchIds: () => { const id = Buffer.alloc(16); id.writeUInt32BE(++counter); id.writeUInt32BE(node.index, 8); return id; },
    ...(batchlog === undefined ? {} : { localBatchlog: batchlog }),
  });
}

function batchlogOf(cluster: StorageCluster, node: StorageNode): Batchlog {
  const batchlog = new Batchlog({ clock: cluster.clock, logger: silentLogger, store: node.batchlogStore, replayAfterMs: 4000 });
  batchlog.register(node.messaging);
  return batchlog;
}

test('logged batches go through the batchlog; an orphaned entry survives its holder\'s crash and is replayed', async () => {
  const cluster = await startedCluster(14);
  const batchlogs = cluster.running().map((node) => batchlogOf(cluster, node));
  const coordinator = cluster.node(0) as StorageNode;
  const proxy = batchlogProxy(cluster, coordinator);
  const now = () => Math.floor(cluster.clock.nowMs() / 1000);
  await drive(cluster, proxy.mutateLogged([write(1, 'a', cluster.clock.nowMicros()), write(2, 'b', cluster.clock.nowMicros())], ConsistencyLevel.QUORUM));
  await drive(cluster, cluster.gossip.run(200));
  assert.equal(batchlogs.reduce((sum, log) => sum + log.size(), 0), 0, 'entries removed after the batch applied');
  assert.equal(valueOf(await drive(cluster, proxy.read(read(2, now()), ConsistencyLevel.QUORUM))), 'b');
  // A coordinator that stored its batch and died before applying it: the entry stays.
  const orphan = encodeBatchStoreRequest({ batchId: Buffer.alloc(16, 7), creationMicros: cluster.clock.nowMicros(), mutations: [write(3, 'orphan', cluster.clock.nowMicros())] });
  await drive(cluster, coordinator.messaging.sendRequest(cluster.endpoints[1] as Endpoint, 'BATCH_STORE', orphan));
  assert.equal((batchlogs[1] as Batchlog).size(), 1);
  // Its holder crashes too (the entry was synced before BATCH_STORE was answered) and restarts.
  await cluster.crash(1);
  const holderNode = await cluster.startNode(1);
  const holder = batchlogOf(cluster, holderNode);
  assert.equal(await drive(cluster, holder.load()), 1, 'the entry survived the restart');
  assert.ok(await cluster.runUntil(() => cluster.gossip.converged(), 30_000), cluster.describe());
  const holderProxy = batchlogProxy(cluster, holderNode);
  const replay = () => drive(cluster, holder.replayOrphans((mutations) => holderProxy.mutate(mutations, ConsistencyLevel.QUORUM)));
  assert.equal(valueOf(await drive(cluster, proxy.read(read(3, now()), ConsistencyLevel.QUORUM))), undefined, 'not applied yet');
  await drive(cluster, cluster.gossip.run(5000));
  assert.equal(await replay(), 1);
  assert.equal(valueOf(await drive(cluster, proxy.read(read(3, now()), ConsistencyLevel.QUORUM))), 'orphan');
  assert.equal(holder.size(), 0);
  // Removed for good: after another restart nothing is left to replay.
  await cluster.crash(1);
  assert.equal(await drive(cluster, batchlogOf(cluster, await cluster.startNode(1)).load()), 0);
});

test('a coordinator alone keeps its logged batch in its own batchlog, replayed after it restarts', async () => {
  const cluster = new StorageCluster({ nodes: 1, seed: 15, tables: [table] });
  await cluster.startAll();
  const node = cluster.node(0) as StorageNode;
  const batchlog = batchlogOf(cluster, node);
  const proxy = batchlogProxy(cluster, node, batchlog);
  const now = () => Math.floor(cluster.clock.nowMs() / 1000);
  await drive(cluster, proxy.mutateLogged([write(1, 'x', cluster.clock.nowMicros()), write(2, 'y', cluster.clock.nowMicros())], ConsistencyLevel.ONE));
  assert.equal(batchlog.size(), 0, 'stored, applied, removed');
  assert.equal(valueOf(await drive(cluster, proxy.read(read(2, now()), ConsistencyLevel.ONE))), 'y');
  // Stored, then the node died before applying the batch: the restarted node replays it.
  await drive(cluster, batchlog.store(encodeBatchStoreRequest({ batchId: Buffer.alloc(16, 9), creationMicros: cluster.clock.nowMicros(), mutations: [write(5, 'late', cluster.clock.nowMicros())] })));
  await cluster.crash(0);
  const restarted = await cluster.startNode(0);
  const reloaded = batchlogOf(cluster, restarted);
  assert.equal(await drive(cluster, reloaded.load()), 1);
  await drive(cluster, cluster.gossip.run(5000));
  const restartedProxy = batchlogProxy(cluster, restarted, reloaded);
  assert.equal(await drive(cluster, reloaded.replayOrphans((mutations) => restartedProxy.mutate(mutations, ConsistencyLevel.ONE))), 1);
  assert.equal(valueOf(await drive(cluster, restartedProxy.read(read(5, now()), ConsistencyLevel.ONE))), 'late');
});

test('an unlogged batch of many partitions reaches each replica in one message, and every replica holds all of its share', async () => {
  const cluster = await startedCluster(14);
  const coordinator = cluster.node(0) as StorageNode;
  const sent = new Map<string, number>();
  const counting = {
    localEndpoint: coordinator.messaging.localEndpoint,
    sendRequest: ((endpoint, verb, payload, options) => {
      sent.set(verb, (sent.get(verb) ?? 0) + 1);
      return coordinator.messaging.sendRequest(endpoint, verb, payload, options);
    }) as typeof coordinator.messaging.sendRequest,
  };
  const proxy = new StorageProxy({ ...proxyFor(coordinator, cluster.clock).options, messaging: counting });
  const keys = Array.from({ length: 40 }, (_, i) => 1000 + i);
  await drive(cluster, proxy.mutate(keys.map((k) => write(k, `v${k}`, cluster.clock.nowMicros())), ConsistencyLevel.QUORUM));
  // At most one message per other node, whatever the number of partitions.
  assert.equal(sent.get('MUTATION') ?? 0, 0);
  assert.ok((sent.get('MUTATION_BATCH') ?? 0) <= cluster.endpoints.length - 1, `messages: ${JSON.stringify([...sent])}`);
  const now = Math.floor(cluster.clock.nowMs() / 1000);
  for (const k of keys) {
    for (const replica of coordinator.ring.replicasFor(replication, keyOf(k).token)) {
      const node = cluster.node(cluster.endpoints.indexOf(replica)) as StorageNode;
      assert.equal(valueOf(await drive(cluster, node.engine.read(read(k, now)))), `v${k}`, `key ${k} on ${replica}`);
    }
  }
});
