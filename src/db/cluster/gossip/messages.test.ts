import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CorruptionError } from '../../common/errors.js';
import type { EndpointState } from './endpoint-state.js';
import {
  decodeGossipDigestAck,
  decodeGossipDigestAck2,
  decodeGossipDigestSyn,
  encodeGossipDigestAck,
  encodeGossipDigestAck2,
  encodeGossipDigestSyn,
} from './messages.js';

const u16 = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const text = (s: string) => Buffer.concat([u16(Buffer.byteLength(s)), Buffer.from(s)]);

const state: EndpointState = {
  heartbeat: { generation: 1_750_000_000, version: 42 },
  states: new Map([
    ['STATUS', { value: 'NORMAL,-5', version: 3 }],
    ['TOKENS', { value: '-5,17', version: 2 }],
  ]),
};

// Built by hand from the layout in messages.ts's header comment.
const synBytes = Buffer.concat([text('Test Cluster'), text('P'), u16(1), text('10.0.0.1:7000'), u32(1_750_000_000), u32(42)]);
const stateBytes = Buffer.concat([
  u16(1), text('10.0.0.1:7000'), Buffer.from([0]), u32(1_750_000_000), u32(42), u16(2),
  Buffer.from([0]), u32(3), u32(9), Buffer.from('NORMAL,-5'),
  Buffer.from([9]), u32(2), u32(5), Buffer.from('-5,17'),
]);

test('SYN encodes to the documented layout and back', () => {
  const syn = { clusterName: 'Test Cluster', partitioner: 'P', digests: [{ endpoint: '10.0.0.1:7000', generation: 1_750_000_000, maxVersion: 42 }] };
  assert.deepEqual(encodeGossipDigestSyn(syn), synBytes);
  assert.deepEqual(decodeGossipDigestSyn(synBytes, 't'), syn);
});

test('ACK and ACK2 carry digests and states in the documented layout', () => {
  const states = new Map([['10.0.0.1:7000', state]]);
  assert.deepEqual(encodeGossipDigestAck2({ states }), stateBytes);
  assert.deepEqual(decodeGossipDigestAck2(stateBytes, 't'), { states });
  const ack = { digests: [{ endpoint: '10.0.0.2:7000', generation: 7, maxVersion: 0 }], states };
  assert.deepEqual(decodeGossipDigestAck(encodeGossipDigestAck(ack), 't'), ack);
  // A delta travels with its partial flag (bit 0 of the flags byte after the endpoint).
  const partial = new Map([['10.0.0.1:7000', { ...state, partial: true as const }]]);
  const partialBytes = encodeGossipDigestAck2({ states: partial });
  assert.equal(partialBytes[2 + 2 + '10.0.0.1:7000'.length], 1);
  assert.deepEqual(decodeGossipDigestAck2(partialBytes, 't'), { states: partial });
});

test('every truncation and every trailing byte is rejected', () => {
  const cases: [Buffer, (b: Buffer) => unknown][] = [
    [synBytes, (b) => decodeGossipDigestSyn(b, 't')],
    [stateBytes, (b) => decodeGossipDigestAck2(b, 't')],
    [encodeGossipDigestAck({ digests: [{ endpoint: 'a:1', generation: 1, maxVersion: 2 }], states: new Map([['b:2', state]]) }), (b) => decodeGossipDigestAck(b, 't')],
  ];
  for (const [bytes, decode] of cases) {
    for (let length = 0; length < bytes.length; length++) {
      assert.throws(() => decode(bytes.subarray(0, length)), CorruptionError, `length ${length}`);
    }
    assert.throws(() => decode(Buffer.concat([bytes, Buffer.from([0])])), /trailing/);
  }
});

test('unknown state ids, repeats and oversized counts are rejected', () => {
  const unknownId = Buffer.from(stateBytes);
  unknownId[unknownId.indexOf(Buffer.from([9, 0, 0, 0, 2]))] = 200;
  assert.throws(() => decodeGossipDigestAck2(unknownId, 't'), /unknown application state id 200/);
  const repeated = Buffer.from(stateBytes);
  repeated[repeated.indexOf(Buffer.from([9, 0, 0, 0, 2]))] = 0;
  assert.throws(() => decodeGossipDigestAck2(repeated, 't'), /repeated/);
  assert.throws(() => decodeGossipDigestAck2(Buffer.concat([u16(60000)]), 't'), /exceed/);
  const manyStates = Buffer.concat([u16(1), text('a:1'), Buffer.from([0]), u32(1), u32(1), u16(500)]);
  assert.throws(() => decodeGossipDigestAck2(manyStates, 't'), /exceed/);
  const hugeValue = Buffer.concat([u16(1), text('a:1'), Buffer.from([0]), u32(1), u32(1), u16(1), Buffer.from([0]), u32(1), u32(0x7fffffff)]);
  assert.throws(() => decodeGossipDigestAck2(hugeValue, 't'), /exceeds/);
  const unknownFlags = Buffer.concat([u16(1), text('a:1'), Buffer.from([2]), u32(1), u32(1), u16(0)]);
  assert.throws(() => decodeGossipDigestAck2(unknownFlags, 't'), /unknown state flags 2/);
});
