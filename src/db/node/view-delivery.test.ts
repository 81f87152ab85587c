import test from 'node:test';
import assert from 'node:assert/strict';
import { pairedViewReplicas, viewDelivery } from './view-delivery.js';

test('the i-th base replica pairs with the i-th view replica; a non-replica sends to every view replica', () => {
  const base = ['a', 'b', 'c'];
  const view = ['c', 'a', 'b'];
  assert.deepEqual(pairedViewReplicas(base, view, 'a'), ['c']);
  assert.deepEqual(pairedViewReplicas(base, view, 'b'), ['a']);
  assert.deepEqual(pairedViewReplicas(base, view, 'c'), ['b']);
  // Every view replica is paired with exactly one base replica.
  assert.deepEqual(base.flatMap((endpoint) => pairedViewReplicas(base, view, endpoint)).sort(), ['a', 'b', 'c']);
  assert.deepEqual(pairedViewReplicas(base, view, 'd'), ['c', 'a', 'b']);
  assert.deepEqual(pairedViewReplicas(['a', 'b'], ['b'], 'b'), ['b']);
});

function deliveryWith(peers: { alive: boolean; answers: boolean; answer?: Promise<void>; pending?: string[]; sendsInFlightMax?: number; batchlogFull?: boolean }) {
  const events: string[] = [];
  const deliver = viewDelivery({
    localEndpoint: 'a', replicasFor: (_replication, token) => (token === 1n ? ['a', 'b'] : ['b', 'a']),
    pendingReplicasFor: (_replication, token) => (token === 2n ? peers.pending ?? [] : []), replicationOf: () => ({ class: 'SimpleStrategy', replicationFactor: 2 }) as never,
    isAlive: () => peers.alive,
    messaging: { sendRequest: async (endpoint: string) => { events.push(`send ${endpoint}`); await peers.answer; if (!peers.answers) throw new Error('timed out'); return Buffer.alloc(0); } } as never,
    hint: async (endpoint) => { events.push(`hint ${endpoint}`); return false; },
    logger: { debug() {}, info() {}, warn() {}, error() {}, child() { return this; } } as never, timeoutMs: 10,
    batchlog: { store: async () => { if (peers.batchlogFull === true) throw new Error('batchlog full'); events.push('store'); }, remove: async () => { events.push('remove'); } },
    batchIds: () => Buffer.alloc(16, 1), clock: { nowMicros: () => 1 },
    ...(peers.sendsInFlightMax === undefined ? {} : { sendsInFlightMax: peers.sendsInFlightMax }),
  });
  const mutation = { keyspace: 'ks', tableId: 'view', key: Buffer.from('k'), token: 2n, partitionDeletion: null, rangeTombstones: [], rows: [] };
  return { events, stats: deliver.stats, run: () => deliver([mutation], { keyspace: 'ks', token: 1n }, async () => { events.push('local'); }) };
}

/** Lets the deliveries still running in the background (promises only, no timers) finish. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

test('view mutations for another node are in the local batchlog before they are sent, and leave it once acknowledged', async () => {
  const acknowledged = deliveryWith({ alive: true, answers: true });
  await acknowledged.run();
  await settle();
  assert.deepEqual(acknowledged.events, ['store', 'send b', 'remove']);
  // Down, or not answering, with no hint stored: the entry stays for the batchlog replay.
  const down = deliveryWith({ alive: false, answers: false });
  await down.run();
  await settle();
  assert.deepEqual(down.events, ['store', 'hint b']);
  const silent = deliveryWith({ alive: true, answers: false });
  await silent.run();
  await settle();
  assert.deepEqual(silent.events, ['store', 'send b', 'hint b']);
});

test('the base write does not wait for the paired view replica (the batchlog entry covers it)', async () => {
  let answer = () => {};
  const slow = deliveryWith({ alive: true, answers: true, answer: new Promise<void>((resolve) => { answer = resolve; }) });
  await slow.run();
  assert.deepEqual(slow.events, ['store', 'send b'], 'resolved with the entry stored and the send under way');
  answer();
  await settle();
  assert.deepEqual(slow.events, ['store', 'send b', 'remove']);
});

test('a pending view replica of a range movement gets the update too, as does this node when it is the pending one', async () => {
  const joining = deliveryWith({ alive: true, answers: true, pending: ['c'] });
  await joining.run();
  await settle();
  assert.deepEqual(joining.events, ['store', 'send b', 'send c', 'remove']);
  const self = deliveryWith({ alive: true, answers: true, pending: ['a'] });
  await self.run();
  await settle();
  assert.deepEqual(self.events, ['store', 'local', 'send b', 'remove']);
});

test('background view sends are bounded: past the bound the batchlog replay delivers, or the write waits when the batchlog refused the entry', async () => {
  let answer = () => {};
  const held = new Promise<void>((resolve) => { answer = resolve; });
  const bounded = deliveryWith({ alive: true, answers: true, answer: held, sendsInFlightMax: 2 });
  await bounded.run();
  await bounded.run();
  await bounded.run();
  assert.deepEqual(bounded.events, ['store', 'send b', 'store', 'send b', 'store'], 'the third delivery is stored and left to the batchlog replay');
  assert.deepEqual(bounded.stats, { inFlight: 2, deferred: 1 });
  answer();
  await settle();
  assert.equal(bounded.stats.inFlight, 0);
  assert.deepEqual(bounded.events.filter((event) => event === 'remove'), ['remove', 'remove'], 'the deferred entry stays for the replay');

  let release = () => {};
  const full = deliveryWith({ alive: true, answers: true, answer: new Promise<void>((resolve) => { release = resolve; }), sendsInFlightMax: 1, batchlogFull: true });
  await full.run();
  let waited = false;
  const second = full.run().then(() => { waited = true; });
  await settle();
  assert.equal(waited, false, 'with no batchlog entry and the bound reached, the base write waits for its sends');
  release();
  await second;
  assert.deepEqual(full.events, ['send b', 'send b']);
  assert.equal(full.stats.inFlight, 0);
});
