// The Paxos coordinator's reading of a propose round whose answers are incomplete: a
// participant that never answered may have accepted, so a round that no answering participant
// accepted is refused only if every participant answered. Three scripted replicas (promises
// always; proposals refused, lost or accepted as each test says) behind a fake messaging.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsistencyLevel } from '../common/consistency.js';
import { CqlError, InternodeError } from '../common/errors.js';
import { silentLogger } from '../common/world.js';
import { NO_BALLOT } from '../cluster/paxos/ballot.js';
import { decodeCommit, encodePrepareResponse, encodeProposeResponse } from '../cluster/paxos/paxos-messages.js';
import type { PaxosReplica } from '../cluster/paxos/paxos-state.js';
import { murmur3Token } from '../dht/murmur3.js';
import type { SinglePartitionReadCommand } from '../storage/types.js';
import { SimulatedClock } from '../../../test/harness/simulated-clock.js';
import { SeededRandom } from '../../../test/harness/seeded-random.js';
import { PaxosCoordinator, type CasRequest } from './paxos-coordinator.js';

const replicas = ['127.0.0.1:7000', '127.0.0.2:7000', '127.0.0.3:7000'];
type ProposeAnswer = 'accept' | 'refuse' | 'lost';

/** A coordinator (not itself a replica) whose propose rounds get the scripted answers, one script per round (the last repeats). */
function scripted(rounds: ProposeAnswer[][]) {
  const clock = new SimulatedClock();
  const sent = { proposes: 0, commits: 0 };
  let round = -1;
  const messaging = {
    localEndpoint: '127.0.0.9:7000',
    sendRequest: async (peer: string, verb: string, payload: Buffer) => {
      const reply = (body: Buffer) => ({ from: peer, verb, id: 0, flags: 0, payload: body });
      if (verb === 'PAXOS_PREPARE') {
        const { ballot } = decodeCommit(payload, 'test');
        return reply(encodePrepareResponse({ promised: true, promisedBallot: ballot, accepted: null, mostRecentCommit: null }));
      }
      if (verb === 'PAXOS_PROPOSE') {
        if (peer === replicas[0]) { round++; sent.proposes++; }
        const script = rounds[Math.min(round, rounds.length - 1)] as ProposeAnswer[];
        const answer = script[replicas.indexOf(peer)];
        if (answer === 'lost') throw new InternodeError('timeout', peer, verb, 'no answer within the timeout');
        return reply(encodeProposeResponse(answer === 'accept'));
      }
      sent.commits++;
      return reply(Buffer.alloc(0));
    },
  };
  const key = Buffer.from('k');
  const read: SinglePartitionReadCommand = { kind: 'single', keyspace: 'ks', tableId: 't', key, token: murmur3Token(key) } as unknown as SinglePartitionReadCommand;
  const request: CasRequest = {
    keyspace: 'ks', tableId: 't', key, token: read.token, read,
    applies: () => true,
    update: (micros) => [{ keyspace: 'ks', tableId: 't', key, token: read.token, partitionDeletion: { markedForDeleteAtMicros: micros, localDeletionTime: 0 }, rows: [], rangeTombstones: [] }],
  };
  const coordinator = new PaxosCoordinator({
    clock, random: new SeededRandom(1), logger: silentLogger, casContentionTimeoutMs: 1_000,
    proxy: {
      writeTimeoutMs: 2_000,
      options: { ring: { replicasFor: () => replicas, pendingReplicasFor: () => [] } },
      planContext: () => ({ replication: { class: 'SimpleStrategy', replication_factor: '3' }, localDataCenter: 'datacenter1', dataCenterOf: () => 'datacenter1' }),
      isAlive: () => true,
      read: async () => ({ partitions: [] }),
      hintMutation: async () => true,
    },
    transport: { messaging: messaging as never, replica: {} as PaxosReplica },
  });
  const cas = async () => {
    const work = coordinator.cas(request, { serial: ConsistencyLevel.SERIAL, commit: ConsistencyLevel.QUORUM });
    let settled = false;
    work.then(() => { settled = true; }, () => { settled = true; });
    assert.ok(await clock.advanceUntil(() => settled, { limitMs: 60_000, stepMs: 5 }));
    return work;
  };
  return { cas, sent };
}

const casWriteTimeout = (error: unknown) => error instanceof CqlError && error.code === 0x1100 && /timed out/.test(error.message);

test('a proposal refused by one participant and unanswered by the others may have been chosen: WriteTimeout (CAS), not a retry', async () => {
  // Two silent participants may hold the proposal: a quorum. Retrying would propose the update
  // again, and a later round finishing the first one would apply it twice.
  const { cas, sent } = scripted([['refuse', 'lost', 'lost'], ['accept', 'accept', 'accept']]);
  await assert.rejects(cas(), casWriteTimeout);
  assert.equal(sent.proposes, 1, 'no second proposal of an update whose fate is unknown');
  assert.equal(sent.commits, 0);
});

test('a proposal refused by every participant is retried at a newer ballot, then applies', async () => {
  const { cas, sent } = scripted([['refuse', 'refuse', 'refuse'], ['accept', 'accept', 'accept']]);
  const result = await cas();
  assert.equal(result.applied, true);
  assert.equal(sent.proposes, 2);
});

test('a proposal accepted by a quorum applies even when one answer is lost', async () => {
  const { cas, sent } = scripted([['accept', 'accept', 'lost']]);
  assert.equal((await cas()).applied, true);
  assert.equal(sent.proposes, 1);
});
