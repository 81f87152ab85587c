import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../common/world.js';
import { murmur3Token } from '../../dht/murmur3.js';
import { EMPTY_CLUSTERING } from '../../schema/clustering-key.js';
import { NO_DELETION_TIME, type Mutation } from '../../storage/types.js';
import { StorageEngine } from '../../storage/engine.js';
import { SimulatedClock } from '../../../../test/harness/simulated-clock.js';
import { SimulatedDisk } from '../../../../test/harness/simulated-disk.js';
import { makeBallot } from './ballot.js';
import { decodeCommit, decodePrepareResponse, encodeCommit, encodePrepareResponse } from './paxos-messages.js';
import { emptyUpdate, PaxosReplica, paxosTable } from './paxos-state.js';

const key = Buffer.from('k');
const node = Buffer.alloc(8, 1);
const update = (value: string, micros: number): Mutation => ({
  keyspace: 'ks', tableId: 't', key, token: murmur3Token(key), partitionDeletion: null, rangeTombstones: [],
  rows: [{ clustering: EMPTY_CLUSTERING, liveness: null, deletion: null, cells: [{ column: 'v', timestampMicros: micros, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from(value) }] }],
});
const empty = emptyUpdate(update('', 0));

async function open(disk: SimulatedDisk, clock: SimulatedClock) {
  const state = await StorageEngine.open({
    world: { clock, disk: disk.view(), logger: silentLogger }, dataDirectory: 'data', commitLogDirectory: 'commitlog', syncMode: 'batch', syncPeriodMs: 10,
    memtableFlushBytes: 1 << 20, commitLogSegmentBytes: 1 << 20, tables: [paxosTable],
  });
  const applied: Mutation[] = [];
  const replica = new PaxosReplica({ clock, state, data: { apply: async (mutations) => { applied.push(...mutations); } } });
  return { replica, applied, state };
}

test('promises only newer ballots, accepts only at or above the promise, and survives a crash', async () => {
  const clock = new SimulatedClock();
  const disk = new SimulatedDisk({ seed: 5 });
  const { replica, applied } = await open(disk, clock);
  const b1 = makeBallot(1_000, node);
  const b2 = makeBallot(2_000, node);
  const b3 = makeBallot(3_000, node);
  const first = await replica.prepare({ ballot: b2, update: empty });
  assert.deepEqual(first, { promised: true, promisedBallot: b2, accepted: null, mostRecentCommit: null });
  const older = await replica.prepare({ ballot: b1, update: empty });
  assert.equal(older.promised, false);
  assert.ok(older.promisedBallot.equals(b2), 'a refusal names the ballot that beat it');
  assert.equal(await replica.propose({ ballot: b1, update: update('old', 1_000) }), false);
  assert.equal(await replica.propose({ ballot: b2, update: update('x', 2_000) }), true);
  disk.crash();
  const restarted = await open(disk, clock);
  const seen = await restarted.replica.prepare({ ballot: b3, update: empty });
  assert.equal(seen.promised, true);
  assert.ok(seen.accepted?.ballot.equals(b2), 'the accepted proposal is durable');
  assert.equal(seen.accepted?.update.rows[0]?.cells[0]?.value?.toString(), 'x');
  await restarted.replica.commit({ ballot: b3, update: update('y', 3_000) });
  await restarted.replica.commit({ ballot: b2, update: update('x', 2_000) }); // a late, older commit is applied but is not the most recent
  assert.equal(restarted.applied.length, 2);
  const after = await restarted.replica.prepare({ ballot: makeBallot(4_000, node), update: empty });
  assert.ok(after.mostRecentCommit?.ballot.equals(b3));
  assert.equal(applied.length, 0);
});

test('an empty commit changes no data', async () => {
  const { replica, applied } = await open(new SimulatedDisk({ seed: 6 }), new SimulatedClock());
  await replica.commit({ ballot: makeBallot(10, node), update: empty });
  assert.equal(applied.length, 0);
});

test('Paxos payloads round-trip and reject truncated or trailing bytes', () => {
  const commit = { ballot: makeBallot(7, node), update: update('v', 7) };
  const encoded = encodeCommit(commit);
  assert.deepEqual(decodeCommit(encoded, 'test'), commit);
  const response = { promised: false, promisedBallot: makeBallot(9, node), accepted: commit, mostRecentCommit: null };
  const bytes = encodePrepareResponse(response);
  assert.deepEqual(decodePrepareResponse(bytes, 'test'), response);
  for (let cut = 0; cut < bytes.length; cut++) assert.throws(() => decodePrepareResponse(bytes.subarray(0, cut), 'test'), /truncated|corrupt|exceeds|trailing|bad/i);
  for (let cut = 0; cut < encoded.length; cut++) assert.throws(() => decodeCommit(encoded.subarray(0, cut), 'test'));
  assert.throws(() => decodeCommit(Buffer.concat([encoded, Buffer.from([0])]), 'test'), /trailing/);
});
