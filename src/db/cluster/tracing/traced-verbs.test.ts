// The TRACED_REQUEST payload: round trip, strict at every truncation and with trailing bytes,
// corrupt verbs and versions refused; trace events. Tracing across real
// nodes is test/cql-tracing.test.ts.

import test from 'node:test';
import assert from 'node:assert/strict';
import { CorruptionError } from '../../common/errors.js';
import { decodeTracedRequest, encodeTracedRequest } from './traced-verbs.js';
import { TraceState, timeUuidAt, formatUuid } from './trace-state.js';

const request = { sessionId: Buffer.alloc(16, 7), coordinator: '127.0.0.1:7000', verb: 'READ' as const, payload: Buffer.from([1, 2, 3, 4]) };

test('traced requests round-trip and are strict', () => {
  const bytes = encodeTracedRequest(request);
  assert.deepEqual(decodeTracedRequest(bytes, 't'), request);
  for (let length = 0; length < bytes.length; length++) {
    assert.throws(() => decodeTracedRequest(bytes.subarray(0, length), 't'), CorruptionError, `length ${length}`);
  }
  assert.throws(() => decodeTracedRequest(Buffer.concat([bytes, Buffer.from([0])]), 't'), CorruptionError);
  const gossip = encodeTracedRequest(request);
  // The verb id sits after version (1), session (16), coordinator (2 + 14): GOSSIP_DIGEST_SYN cannot be traced.
  gossip.writeUInt16BE(1, 1 + 16 + 2 + request.coordinator.length);
  assert.throws(() => decodeTracedRequest(gossip, 't'), /cannot be traced/);
  const version = Buffer.from(bytes);
  version[0] = 9;
  assert.throws(() => decodeTracedRequest(version, 't'), /version/);
});

test('time UUIDs are version 1, ordered by time, and events record elapsed microseconds', () => {
  let micros = 1_700_000_000_000_000;
  const clock = { nowMs: () => Math.floor(micros / 1000), nowMicros: () => (micros += 10), monotonicMs: () => 0 } as never;
  const random = { bytes: (n: number) => Buffer.alloc(n, 0xff), nextFloat: () => 0, nextInt: () => 0 } as never;
  const a = timeUuidAt(1_700_000_000_000_000, random);
  const b = timeUuidAt(1_700_000_000_000_001, random);
  assert.equal(formatUuid(a)[14], '1', 'version 1');
  assert.ok(a.readUInt32BE(0) < b.readUInt32BE(0), 'later time, larger low bits');
  const state = new TraceState(a, { clock, random, source: '127.0.0.2:7000', coordinator: '127.0.0.1:7000', thread: 'ReadStage-1' });
  state.trace('one');
  state.trace('two', 'Other');
  const events = state.takeEvents();
  assert.deepEqual(events.map((e) => [e.activity, e.source, e.sourcePort, e.sourceElapsedMicros, e.thread]),
    [['one', '127.0.0.2', 7000, 10, 'ReadStage-1'], ['two', '127.0.0.2', 7000, 20, 'Other']]);
  assert.deepEqual(state.takeEvents(), []);
});
