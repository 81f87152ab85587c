// Fuzzing the internode decoders: the frame and every payload a peer can send (messaging
// payloads, gossip SYN/ACK/ACK2, Paxos, repair, streaming and tracing payloads). Valid encodings
// are flipped, truncated, extended, given huge length fields, or replaced by random bytes. Each
// decode must succeed or throw CorruptionError: never a RangeError or TypeError, never an
// allocation of a claimed huge length, never a hang.
// AERO_FUZZ_ITERATIONS sets the number of inputs (default 100,000); AERO_FUZZ_SEED the seed.

import test from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { CorruptionError } from '../../common/errors.js';
import type { Mutation, ReadCommand } from '../../storage/types.js';
import { NO_DELETION_TIME } from '../../storage/types.js';
import type { EndpointState } from '../gossip/endpoint-state.js';
import {
  decodeGossipDigestAck, decodeGossipDigestAck2, decodeGossipDigestSyn,
  encodeGossipDigestAck, encodeGossipDigestAck2, encodeGossipDigestSyn,
} from '../gossip/messages.js';
import { decodeCommit, decodePrepareResponse, decodeProposeResponse, encodeCommit, encodePrepareResponse, encodeProposeResponse } from '../paxos/paxos-messages.js';
import { decodeSyncRequest, decodeSyncResponse, decodeValidationRequest, encodeSyncRequest, encodeValidationRequest } from '../repair/repair-payloads.js';
import { decodeStreamPullResponse, decodeStreamPush } from '../streaming/stream-payloads.js';
import { decodeTracedRequest } from '../tracing/traced-verbs.js';
import { decodeFrame, encodeFrame } from './frame.js';
import {
  decodeBatchRemoveRequest, decodeBatchStoreRequest, decodeMutationBatchPayload, decodeMutationPayload, decodeReadRequest,
  decodeReadResponse, decodeSchemaDocument, decodeTruncateRequest, encodeBatchRemoveRequest, encodeBatchStoreRequest,
  encodeMutationBatchPayload, encodeMutationPayload, encodeReadRequest, encodeReadResponse, encodeSchemaDocument, encodeTruncateRequest,
} from './payloads.js';
import { SeededRandom } from '../../../../test/harness/seeded-random.js';

const ITERATIONS = Number(process.env['AERO_FUZZ_ITERATIONS'] ?? 100_000);
const SEED = Number(process.env['AERO_FUZZ_SEED'] ?? 0x14e2);
const DECODE_MS_MAX = 200;

const mutation: Mutation = {
  keyspace: 'ks', tableId: '5a1c3e40-0000-4000-8000-000000000001', key: Buffer.from('key'), token: -42n,
  partitionDeletion: { markedForDeleteAtMicros: 3, localDeletionTime: 4 },
  rangeTombstones: [{ start: Buffer.from([1]), end: Buffer.from([2]), deletion: { markedForDeleteAtMicros: 7, localDeletionTime: 8 } }],
  rows: [{
    clustering: Buffer.from([5]),
    liveness: { timestampMicros: 10, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME },
    deletion: null,
    cells: [
      { column: 'v', timestampMicros: 10, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: Buffer.from('x') },
      { column: 'w', timestampMicros: 11, ttlSeconds: 60, localDeletionTime: 99, value: Buffer.alloc(40, 7) },
    ],
  }],
};
const single: ReadCommand = {
  kind: 'single', tableId: 't1', slices: [{ start: Buffer.from([0]), end: Buffer.from([0xff]) }], reversed: true,
  columns: ['a', 'b'], rowLimit: 100, perPartitionRowLimit: Number.MAX_SAFE_INTEGER, nowSeconds: 1_750_000_000,
  includeTombstones: true, key: Buffer.from('k'), token: 99n, afterClustering: Buffer.from([3]),
};
const range: ReadCommand = {
  kind: 'range', tableId: 't2', slices: [], reversed: false, columns: 'all', rowLimit: 5000, perPartitionRowLimit: 5000,
  nowSeconds: 1, includeTombstones: false, start: { token: -(2n ** 63n) }, end: { token: 12n, key: Buffer.from('z') }, partitionLimit: 10,
};
const state: EndpointState = {
  heartbeat: { generation: 1_750_000_000, version: 42 },
  states: new Map([['STATUS', { value: 'NORMAL,-5', version: 3 }], ['TOKENS', { value: '-5,17', version: 2 }]]),
};

const commit = { ballot: Buffer.alloc(16, 9), update: mutation };

type Decoder = { name: string; decode: (bytes: Buffer) => unknown; valid: Buffer[] };

function decoders(): Decoder[] {
  const { keyspace: _keyspace, tableId: _tableId, ...partition } = mutation;
  const t = 'fuzz';
  return [
    { name: 'frame', decode: (b) => decodeFrame(b, t), valid: [
      encodeFrame({ verb: 'GOSSIP_DIGEST_SYN', id: 0, flags: 0, payload: encodeGossipDigestSyn({ clusterName: 'c', partitioner: 'p', digests: [] }) }),
      encodeFrame({ verb: 'GOSSIP_DIGEST_ACK', id: 7, flags: 0x04, payload: encodeMutationPayload(mutation) }),
    ] },
    { name: 'mutation', decode: (b) => decodeMutationPayload(b, t), valid: [encodeMutationPayload(mutation)] },
    { name: 'mutation batch', decode: (b) => decodeMutationBatchPayload(b, t), valid: [encodeMutationBatchPayload([mutation, mutation])] },
    { name: 'read request', decode: (b) => decodeReadRequest(b, t), valid: [encodeReadRequest({ command: single, digestOnly: false }), encodeReadRequest({ command: range, digestOnly: true })] },
    { name: 'read response', decode: (b) => decodeReadResponse(b, t), valid: [
      encodeReadResponse({ kind: 'data', result: { partitions: [partition, { ...partition, key: Buffer.from('l') }] } }),
      encodeReadResponse({ kind: 'digest', digest: Buffer.alloc(16, 0xab) }),
    ] },
    { name: 'truncate', decode: (b) => decodeTruncateRequest(b, t), valid: [encodeTruncateRequest({ keyspace: 'ks', tableId: 'id' })] },
    { name: 'batch store', decode: (b) => decodeBatchStoreRequest(b, t), valid: [encodeBatchStoreRequest({ batchId: Buffer.alloc(16, 0x11), creationMicros: 123, mutations: [mutation, mutation] })] },
    { name: 'batch remove', decode: (b) => decodeBatchRemoveRequest(b, t), valid: [encodeBatchRemoveRequest(Buffer.alloc(16, 0x22))] },
    { name: 'schema', decode: (b) => decodeSchemaDocument(b, t), valid: [encodeSchemaDocument('{"keyspaces":[]}')] },
    { name: 'gossip syn', decode: (b) => decodeGossipDigestSyn(b, t), valid: [encodeGossipDigestSyn({ clusterName: 'Test Cluster', partitioner: 'P', digests: [{ endpoint: '10.0.0.1:7000', generation: 1_750_000_000, maxVersion: 42 }] })] },
    { name: 'gossip ack', decode: (b) => decodeGossipDigestAck(b, t), valid: [encodeGossipDigestAck({ digests: [{ endpoint: 'a:1', generation: 1, maxVersion: 2 }], states: new Map([['b:2', state]]) })] },
    { name: 'gossip ack2', decode: (b) => decodeGossipDigestAck2(b, t), valid: [encodeGossipDigestAck2({ states: new Map([['10.0.0.1:7000', state], ['10.0.0.2:7000', { ...state, partial: true }]]) })] },
    { name: 'paxos propose response', decode: (b) => decodeProposeResponse(b, t), valid: [encodeProposeResponse(true), encodeProposeResponse(false)] },
    // Payloads without a handy valid sample here get random and mutated bytes built from the others.
    { name: 'paxos commit', decode: (b) => decodeCommit(b, t), valid: [encodeCommit(commit)] },
    { name: 'paxos prepare response', decode: (b) => decodePrepareResponse(b, t), valid: [
      encodePrepareResponse({ promised: true, promisedBallot: Buffer.alloc(16, 3), accepted: commit, mostRecentCommit: commit }),
      encodePrepareResponse({ promised: false, promisedBallot: Buffer.alloc(16, 4), accepted: null, mostRecentCommit: null }),
    ] },
    { name: 'repair validation request', decode: (b) => decodeValidationRequest(b, t), valid: [encodeValidationRequest({ tableId: 'table-1', range: { left: -5n, right: 17n }, depth: 4 })] },
    { name: 'repair sync request', decode: (b) => decodeSyncRequest(b, t), valid: [encodeSyncRequest({ tableId: 'table-1', after: { token: -5n, key: Buffer.from('k') }, end: { token: 17n } })] },
    { name: 'repair sync response', decode: (b) => decodeSyncResponse(b, t), valid: [] },
    { name: 'stream pull response', decode: (b) => decodeStreamPullResponse(b, t), valid: [] },
    { name: 'stream push', decode: (b) => decodeStreamPush(b, t), valid: [] },
    { name: 'traced request', decode: (b) => decodeTracedRequest(b, t), valid: [] },
  ];
}

function mutate(input: Buffer, random: SeededRandom): Buffer {
  const out = Buffer.from(input);
  const at = () => random.nextInt(Math.max(1, out.length));
  switch (random.nextInt(8)) {
    case 0: for (let i = 0; i < 1 + random.nextInt(4); i++) if (out.length > 0) { const i = at(); out[i] = out[i]! ^ (1 << random.nextInt(8)); } return out;
    case 1: return out.subarray(0, random.nextInt(out.length + 1));
    case 2: return Buffer.concat([out, random.bytes(1 + random.nextInt(16))]);
    case 3: { // a length field claimed huge: 2 or 4 bytes of 0xff or 0x7f.. at a random place
      if (out.length < 4) return out;
      const where = random.nextInt(out.length - 3);
      if (random.nextInt(2) === 0) out.writeUInt32BE(random.nextInt(2) === 0 ? 0xffffffff : 0x7fffffff - random.nextInt(1000), where);
      else out.writeUInt16BE(0xffff, where);
      return out;
    }
    case 4: if (out.length > 0) out[at()] = random.nextInt(256); return out;
    case 5: { const start = at(); return Buffer.concat([out.subarray(0, start), out.subarray(start, start + random.nextInt(8)), out.subarray(start)]); }
    case 6: { const start = at(); return Buffer.concat([out.subarray(0, start), out.subarray(start + 1 + random.nextInt(8))]); }
    default: return random.bytes(random.nextInt(64));
  }
}

test(`internode frames and payloads: ${ITERATIONS} mutated and random inputs (seed ${SEED})`, () => {
  const random = new SeededRandom(SEED);
  const all = decoders();
  const samples = all.flatMap((d) => d.valid);
  for (const { name, decode, valid } of all) for (const bytes of valid) assert.doesNotThrow(() => decode(bytes), `${name}: a valid encoding`);
  const outcomes = { decoded: 0, refused: 0 };
  for (let iteration = 0; iteration < ITERATIONS; iteration++) {
    const decoder = all[iteration % all.length]!;
    const base = decoder.valid.length > 0 && random.nextInt(4) !== 0 ? decoder.valid[random.nextInt(decoder.valid.length)]! : samples[random.nextInt(samples.length)]!;
    let input = mutate(base, random);
    if (random.nextInt(4) === 0) input = mutate(input, random);
    const started = performance.now();
    try {
      decoder.decode(input);
      outcomes.decoded++;
    } catch (error) {
      if (!(error instanceof CorruptionError)) {
        assert.fail(`${decoder.name}: ${String(error)} (seed ${SEED} iteration ${iteration}, input ${input.toString('hex').slice(0, 400)})`);
      }
      outcomes.refused++;
    }
    const took = performance.now() - started;
    assert.ok(took <= DECODE_MS_MAX || (() => { const again = performance.now(); try { decoder.decode(input); } catch { /* judged above */ } return performance.now() - again <= DECODE_MS_MAX; })(),
      `${decoder.name}: ${took.toFixed(0)} ms (seed ${SEED} iteration ${iteration})`);
  }
  assert.ok(outcomes.refused > 0 && outcomes.decoded + outcomes.refused === ITERATIONS);
});
