import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Random } from '../../common/world.js';
import { MIN_TOKEN } from '../../dht/token.js';
import type { ReplicationOptions } from '../../schema/metadata.js';
import { randomTokens, TokenMetadata, type Location } from './token-metadata.js';

const simple = (factor: number): ReplicationOptions => ({ class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: String(factor) });
const topology = (factors: Record<string, number>): ReplicationOptions => {
  const options: ReplicationOptions = { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy' };
  for (const [dataCenter, factor] of Object.entries(factors)) options[dataCenter] = String(factor);
  return options;
};

function ring(owners: Record<string, { tokens: number[]; location?: Location }>): TokenMetadata {
  const metadata = new TokenMetadata({ localEndpoint: 'L' });
  for (const [endpoint, { tokens, location }] of Object.entries(owners)) {
    metadata.updateNormalTokens(endpoint, tokens.map(BigInt));
    if (location !== undefined) metadata.updateLocation(endpoint, location);
  }
  return metadata;
}

// Ring for SimpleStrategy, sorted: 0 A, 25 B, 50 C, 100 A, 125 B, 150 C.
const simpleRing = () => ring({ A: { tokens: [0, 100] }, B: { tokens: [25, 125] }, C: { tokens: [50, 150] } });

test('SimpleStrategy: the owner of the next token clockwise, then distinct endpoints onward', () => {
  const metadata = simpleRing();
  assert.deepEqual(metadata.replicasFor(simple(1), 30n), ['C']);
  assert.deepEqual(metadata.replicasFor(simple(2), 30n), ['C', 'A']);
  assert.deepEqual(metadata.replicasFor(simple(3), 30n), ['C', 'A', 'B']);
  assert.deepEqual(metadata.replicasFor(simple(2), 25n), ['B', 'C'], 'a token equal to a ring token belongs to its owner');
  assert.deepEqual(metadata.replicasFor(simple(2), 151n), ['A', 'B'], 'past the last token wraps to the first');
  assert.deepEqual(metadata.replicasFor(simple(2), -5n), ['A', 'B']);
  assert.deepEqual(metadata.replicasFor(simple(5), 30n), ['C', 'A', 'B'], 'capped at the endpoint count');
  assert.deepEqual(metadata.replicasFor(simple(0), 30n), []);
});

// NetworkTopologyStrategy ring, sorted:
//   10 A (dc1/r1), 15 D (dc2/r1), 20 B (dc1/r1), 25 E (dc2/r1), 30 C (dc1/r2)
const topologyRing = () => ring({
  A: { tokens: [10], location: { dataCenter: 'dc1', rack: 'r1' } },
  B: { tokens: [20], location: { dataCenter: 'dc1', rack: 'r1' } },
  C: { tokens: [30], location: { dataCenter: 'dc1', rack: 'r2' } },
  D: { tokens: [15], location: { dataCenter: 'dc2', rack: 'r1' } },
  E: { tokens: [25], location: { dataCenter: 'dc2', rack: 'r1' } },
});

test('NetworkTopologyStrategy: per datacenter, new racks first', () => {
  const metadata = topologyRing();
  // From 15: D fills dc2; B takes dc1/r1; E skipped (dc2 full); C takes dc1/r2.
  assert.deepEqual(metadata.replicasFor(topology({ dc1: 2, dc2: 1 }), 12n), ['D', 'B', 'C']);
  // From 10: A (r1); B skipped (r1 used, two racks for two replicas); C (r2).
  assert.deepEqual(metadata.replicasFor(topology({ dc1: 2 }), 5n), ['A', 'C']);
  // Compare SimpleStrategy, which ignores racks and datacenters.
  assert.deepEqual(metadata.replicasFor(simple(2), 5n), ['A', 'D']);
});

test('NetworkTopologyStrategy: fewer racks than replicas lets the first rack repeats in', () => {
  const metadata = topologyRing();
  // dc1 has 2 racks for 3 replicas: one repeat allowed. From 15: D, B(r1), E, C(r2), then A (repeat).
  assert.deepEqual(metadata.replicasFor(topology({ dc1: 3, dc2: 2 }), 12n), ['D', 'B', 'E', 'C', 'A']);
  // From 10: A (r1), B (r1 repeat, allowed: 3 replicas over 2 racks), C (r2).
  assert.deepEqual(metadata.replicasFor(topology({ dc1: 3 }), 5n), ['A', 'B', 'C']);
  // A factor above the datacenter's size is capped at its endpoint count.
  assert.deepEqual(metadata.replicasFor(topology({ dc1: 5 }), 5n), ['A', 'B', 'C']);
});

test('NetworkTopologyStrategy: unknown and zero-factor datacenters hold no replicas', () => {
  const metadata = topologyRing();
  assert.deepEqual(metadata.replicasFor(topology({ dc3: 3 }), 5n), []);
  assert.deepEqual(metadata.replicasFor(topology({ dc1: 0, dc2: 1 }), 5n), ['D']);
});

test('rack repeats are taken by the first endpoints met, not the last', () => {
  // One dc, racks r1 (P, Q, R) and r2 (S); rf 3 → one repeat. Sorted: 1 P, 2 Q, 3 R, 4 S.
  const metadata = ring({
    P: { tokens: [1], location: { dataCenter: 'dc', rack: 'r1' } },
    Q: { tokens: [2], location: { dataCenter: 'dc', rack: 'r1' } },
    R: { tokens: [3], location: { dataCenter: 'dc', rack: 'r1' } },
    S: { tokens: [4], location: { dataCenter: 'dc', rack: 'r2' } },
  });
  assert.deepEqual(metadata.replicasFor(topology({ dc: 3 }), 0n), ['P', 'Q', 'S']);
  assert.deepEqual(metadata.replicasFor(topology({ dc: 2 }), 0n), ['P', 'S']);
});

test('LocalStrategy and EverywhereStrategy', () => {
  const metadata = simpleRing();
  assert.deepEqual(metadata.replicasFor({ class: 'org.apache.cassandra.locator.LocalStrategy' }, 30n), ['L']);
  assert.deepEqual(metadata.replicasFor({ class: 'org.apache.cassandra.locator.EverywhereStrategy' }, 30n), ['C', 'A', 'B']);
  assert.throws(() => metadata.replicasFor({ class: 'Nope' }, 30n), /Unable to find replication strategy/);
});

test('tokens move between endpoints; removal and ranges follow', () => {
  const metadata = simpleRing();
  metadata.updateNormalTokens('D', [100n, 200n]);
  assert.deepEqual(metadata.tokensOf('A'), [0n]);
  assert.equal(metadata.tokenOwner(100n), 'D');
  assert.deepEqual(metadata.sortedTokens(), [0n, 25n, 50n, 100n, 125n, 150n, 200n]);
  assert.deepEqual(metadata.replicasFor(simple(2), 60n), ['D', 'B']);
  metadata.removeEndpoint('D');
  assert.deepEqual(metadata.endpoints(), ['A', 'B', 'C']);
  assert.deepEqual(metadata.replicasFor(simple(2), 60n), ['B', 'C']);
  // A holds (150, 0] as primary and, at RF 2, the range before it, (125, 150].
  assert.deepEqual(metadata.rangesFor(simple(2), 'A'), [{ left: 150n, right: 0n }, { left: 125n, right: 150n }]);
});

test('a clone is unaffected by later changes', () => {
  const metadata = simpleRing();
  const copy = metadata.clone();
  metadata.removeEndpoint('A');
  assert.deepEqual(copy.replicasFor(simple(1), 30n), ['C']);
  assert.deepEqual(copy.endpoints(), ['A', 'B', 'C']);
});

function seededRandom(seed: number): Random {
  let state = seed >>> 0 || 1;
  const next = () => { state ^= state << 13; state >>>= 0; state ^= state >>> 17; state ^= state << 5; state >>>= 0; return state; };
  return {
    nextFloat: () => next() / 2 ** 32,
    nextInt: (max) => next() % max,
    bytes: (n) => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) b[i] = next() & 0xff; return b; },
  };
}

test('randomTokens: distinct, sorted, never MIN_TOKEN, avoids taken tokens', () => {
  const random = seededRandom(7);
  const first = randomTokens(random, { count: 16 });
  assert.equal(new Set(first).size, 16);
  assert.deepEqual(first, [...first].sort((a, b) => (a < b ? -1 : 1)));
  assert.ok(!first.includes(MIN_TOKEN));
  const second = randomTokens(random, { count: 16, taken: new Set(first) });
  assert.ok(second.every((token) => !first.includes(token)));
});

test('placement invariants over random rings (seeded)', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const random = seededRandom(seed);
    const metadata = new TokenMetadata();
    const nodes = 1 + random.nextInt(9);
    for (let n = 0; n < nodes; n++) {
      const endpoint = `10.0.0.${n}:7000`;
      metadata.updateNormalTokens(endpoint, randomTokens(random, { count: 1 + random.nextInt(8) }));
      metadata.updateLocation(endpoint, { dataCenter: `dc${random.nextInt(2)}`, rack: `r${random.nextInt(3)}` });
    }
    const token = random.bytes(8).readBigInt64BE(0);
    const factors = { dc0: random.nextInt(4), dc1: random.nextInt(4) };
    const replicas = metadata.replicasFor(topology(factors), token);
    assert.equal(new Set(replicas).size, replicas.length, `seed ${seed}: distinct`);
    for (const [dataCenter, factor] of Object.entries(factors)) {
      const members = metadata.endpoints().filter((e) => metadata.location(e).dataCenter === dataCenter);
      const racks = new Set(members.map((e) => metadata.location(e).rack));
      const chosen = replicas.filter((e) => metadata.location(e).dataCenter === dataCenter);
      assert.equal(chosen.length, Math.min(factor, members.length), `seed ${seed}: ${dataCenter} count`);
      const chosenRacks = new Set(chosen.map((e) => metadata.location(e).rack));
      assert.equal(chosenRacks.size, Math.min(chosen.length, racks.size), `seed ${seed}: ${dataCenter} racks spread`);
    }
    // With one datacenter and one rack, NetworkTopologyStrategy places exactly as SimpleStrategy.
    const flat = metadata.clone();
    for (const endpoint of flat.endpoints()) flat.updateLocation(endpoint, { dataCenter: 'dc', rack: 'r' });
    assert.deepEqual(flat.replicasFor(topology({ dc: 3 }), token), flat.replicasFor(simple(3), token), `seed ${seed}: flat`);
  }
});

test('pending replicas: a joining node gets the writes of the ranges it will own', () => {
  // Ring 0 A, 25 B, 50 C, 100 A, 125 B, 150 C; D joins with token 40 (taking (25, 40] from C).
  const metadata = simpleRing();
  metadata.addBootstrapTokens('D', [40n]);
  assert.deepEqual(metadata.bootstrappingEndpoints(), ['D']);
  assert.deepEqual(metadata.replicasFor(simple(1), 30n), ['C'], 'the joining node does not serve reads yet');
  assert.deepEqual(metadata.pendingReplicasFor(simple(1), 30n), ['D']);
  assert.deepEqual(metadata.pendingReplicasFor(simple(1), 45n), [], 'C keeps (40, 50]');
  // At RF 2, D also becomes the second replica of the range before its own, (0, 25]: (B, C) -> (B, D).
  assert.deepEqual(metadata.pendingReplicasFor(simple(2), 10n), ['D']);
  metadata.updateNormalTokens('D', [40n]);
  assert.deepEqual(metadata.pendingReplicasFor(simple(1), 30n), []);
  assert.deepEqual(metadata.replicasFor(simple(1), 30n), ['D']);
});

test('pending replicas: a leaving node hands its ranges to the next owners', () => {
  const metadata = simpleRing();
  metadata.addLeavingEndpoint('C');
  metadata.addLeavingEndpoint('nobody');
  assert.deepEqual(metadata.leavingEndpoints(), ['C']);
  // (25, 50] goes from C to A (the next owner) at RF 1; at RF 2 from (C, A) to (A, B).
  assert.deepEqual(metadata.replicasFor(simple(1), 30n), ['C']);
  assert.deepEqual(metadata.pendingReplicasFor(simple(1), 30n), ['A']);
  assert.deepEqual(metadata.pendingReplicasFor(simple(2), 30n), ['B']);
  const copy = metadata.clone();
  assert.deepEqual(copy.pendingReplicasFor(simple(1), 30n), ['A'], 'a clone keeps pending changes');
  metadata.removeEndpoint('C');
  assert.deepEqual(metadata.leavingEndpoints(), []);
  assert.deepEqual(metadata.pendingReplicasFor(simple(1), 30n), []);
});
