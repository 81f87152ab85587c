import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../common/world.js';
import { formatRemovalStatus, isDeadState, type EndpointState } from '../gossip/endpoint-state.js';
import { RingMembership, ringEntryFor } from './ring-membership.js';
import { TokenMetadata } from './token-metadata.js';

function state(values: Record<string, string>): EndpointState {
  return { heartbeat: { generation: 1, version: 1 }, states: new Map(Object.entries(values).map(([key, value]) => [key as never, { value, version: 1 }])) };
}

test('ringEntryFor: NORMAL, LEAVING and shutdown own their tokens; BOOT is pending; LEFT leaves', () => {
  assert.deepEqual(ringEntryFor(state({ STATUS: 'NORMAL,5', TOKENS: '5,-3', DC: 'dc2', RACK: 'r9' })), {
    kind: 'owner', tokens: [5n, -3n], location: { dataCenter: 'dc2', rack: 'r9' }, leaving: false,
  });
  assert.deepEqual(ringEntryFor(state({ STATUS: 'LEAVING', TOKENS: '1' })), { kind: 'owner', tokens: [1n], location: { dataCenter: 'datacenter1', rack: 'rack1' }, leaving: true });
  assert.deepEqual(ringEntryFor(state({ STATUS: 'shutdown', TOKENS: '1' })), { kind: 'owner', tokens: [1n], location: { dataCenter: 'datacenter1', rack: 'rack1' }, leaving: false });
  assert.deepEqual(ringEntryFor(state({ STATUS: 'BOOT', TOKENS: '1' })), { kind: 'bootstrap', tokens: [1n], location: { dataCenter: 'datacenter1', rack: 'rack1' } });
  assert.deepEqual(ringEntryFor(state({ STATUS: 'LEFT,1', TOKENS: '1' })), { kind: 'remove' });
  assert.equal(ringEntryFor(state({ TOKENS: '1' })).kind, 'ignore');
  assert.equal(ringEntryFor(state({ STATUS: 'NORMAL', TOKENS: 'x' })).kind, 'ignore');
  assert.equal(ringEntryFor(state({ STATUS: 'NORMAL' })).kind, 'ignore');
});

test('ringEntryFor refuses token lists a peer should never send', () => {
  assert.deepEqual(ringEntryFor(state({ STATUS: 'NORMAL', TOKENS: String(-(2n ** 63n)) })), { kind: 'ignore', reason: 'TOKENS holds the minimum token, which nobody owns' });
  const tooMany = Array.from({ length: 1537 }, (_, index) => String(index + 1)).join(',');
  assert.equal(ringEntryFor(state({ STATUS: 'NORMAL', TOKENS: tooMany })).kind, 'ignore');
});

test('RingMembership follows gossip events', () => {
  const states = new Map<string, EndpointState>([['a', state({ STATUS: 'NORMAL', TOKENS: '10,20' })], ['b', state({ STATUS: 'BOOT', TOKENS: '30' })]]);
  const ring = new TokenMetadata();
  const membership = new RingMembership(ring, { endpointState: (e) => states.get(e), endpoints: () => [...states.keys()] }, silentLogger);
  membership.syncAll();
  assert.deepEqual(ring.endpoints(), ['a']);
  assert.deepEqual(ring.bootstrappingEndpoints(), ['b']);
  states.set('b', state({ STATUS: 'NORMAL', TOKENS: '30', DC: 'dc2' }));
  membership.onChange('b', 'STATUS');
  assert.deepEqual(ring.endpoints(), ['a', 'b']);
  assert.equal(ring.location('b').dataCenter, 'dc2');
  assert.deepEqual(ring.bootstrappingEndpoints(), []);
  membership.onChange('b', 'LOAD');
  states.set('a', state({ STATUS: 'LEAVING', TOKENS: '10,20' }));
  membership.onChange('a', 'STATUS');
  assert.deepEqual(ring.leavingEndpoints(), ['a']);
  states.set('a', state({ STATUS: 'LEFT', TOKENS: '10,20' }));
  membership.onChange('a', 'STATUS');
  assert.deepEqual(ring.endpoints(), ['b']);
  assert.deepEqual(ring.sortedTokens(), [30n]);
});

test('a joining node that restarts (a new generation without STATUS) is no pending replica until its next BOOT; an owner without STATUS keeps its tokens', () => {
  const states = new Map<string, EndpointState>([['a', state({ STATUS: 'NORMAL', TOKENS: '10,20' })], ['b', state({ STATUS: 'BOOT', TOKENS: '30' })]]);
  const ring = new TokenMetadata();
  const membership = new RingMembership(ring, { endpointState: (e) => states.get(e), endpoints: () => [...states.keys()] }, silentLogger);
  membership.syncAll();
  assert.deepEqual(ring.bootstrappingEndpoints(), ['b']);
  states.set('b', state({ TOKENS: '30' }));
  membership.onRestart('b');
  assert.deepEqual(ring.bootstrappingEndpoints(), [], 'another join need not wait for a restarted one');
  states.set('b', state({ STATUS: 'BOOT', TOKENS: '30' }));
  membership.onChange('b', 'STATUS');
  assert.deepEqual(ring.bootstrappingEndpoints(), ['b'], 'pending again with its BOOT');
  states.set('a', state({ TOKENS: '10,20' }));
  membership.onRestart('a');
  assert.deepEqual(ring.endpoints(), ['a'], 'an owner is not dropped for a missing STATUS');
});

test('a joining node down past abandonedJoinMs stops being pending; back up, it is pending again; an owner going down changes nothing', () => {
  const states = new Map<string, EndpointState>([['a', state({ STATUS: 'NORMAL', TOKENS: '10,20' })], ['b', state({ STATUS: 'BOOT', TOKENS: '30' })]]);
  const ring = new TokenMetadata();
  let due: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
  let now = 0;
  const clock = {
    nowMs: () => now, nowMicros: () => now * 1000, monotonicMs: () => now, sleep: async () => {},
    setTimer: (ms: number, fn: () => void) => {
      const timer = { at: now + ms, fn, cancelled: false };
      due.push(timer);
      return { cancel: () => { timer.cancelled = true; } };
    },
  };
  const advance = (ms: number) => {
    now += ms;
    const ready = due.filter((t) => t.at <= now && !t.cancelled);
    due = due.filter((t) => t.at > now && !t.cancelled);
    for (const timer of ready) timer.fn();
  };
  const membership = new RingMembership(ring, { endpointState: (e) => states.get(e), endpoints: () => [...states.keys()] }, silentLogger, { clock, abandonedJoinMs: 30_000 });
  membership.syncAll();
  membership.onDead('b');
  membership.onDead('a');
  advance(29_000);
  assert.deepEqual(ring.bootstrappingEndpoints(), ['b'], 'still pending within the timeout');
  advance(2_000);
  assert.deepEqual(ring.bootstrappingEndpoints(), [], 'dropped after it');
  assert.deepEqual(ring.endpoints(), ['a'], 'a down owner keeps its tokens');
  membership.onAlive('b');
  assert.deepEqual(ring.bootstrappingEndpoints(), ['b'], 'pending again once it is back');
  // Down and back within the timeout: the timer is cancelled.
  membership.onDead('b');
  advance(10_000);
  membership.onAlive('b');
  advance(60_000);
  assert.deepEqual(ring.bootstrappingEndpoints(), ['b']);
});

test('removenode phases: removing keeps the dead node as a leaving owner, removed takes it out; both are dead states', () => {
  const hostId = '0e8a1ea4-335d-4a3c-ab5a-f66f022a4911';
  const removing = state({ STATUS: formatRemovalStatus('removing', hostId), TOKENS: '7,9' });
  assert.equal(removing.states.get('STATUS')?.value, `removing,${hostId}`);
  assert.deepEqual(ringEntryFor(removing), { kind: 'owner', tokens: [7n, 9n], location: { dataCenter: 'datacenter1', rack: 'rack1' }, leaving: true });
  const removed = state({ STATUS: formatRemovalStatus('removed', hostId, 1234), TOKENS: '7,9' });
  assert.equal(removed.states.get('STATUS')?.value, `removed,${hostId},1234`);
  assert.deepEqual(ringEntryFor(removed), { kind: 'remove' });
  assert.ok(isDeadState(removing) && isDeadState(removed), 'gossip does not mark a node being removed alive');
  assert.ok(!isDeadState(state({ STATUS: 'NORMAL,7', TOKENS: '7' })));

  const states = new Map<string, EndpointState>([['a', state({ STATUS: 'NORMAL', TOKENS: '10' })], ['d', state({ STATUS: 'shutdown', TOKENS: '20' })]]);
  const ring = new TokenMetadata();
  const membership = new RingMembership(ring, { endpointState: (e) => states.get(e), endpoints: () => [...states.keys()] }, silentLogger);
  membership.syncAll();
  states.set('d', state({ STATUS: formatRemovalStatus('removing', hostId), TOKENS: '20' }));
  membership.onRestart('d');
  assert.deepEqual(ring.leavingEndpoints(), ['d']);
  states.set('d', state({ STATUS: formatRemovalStatus('removed', hostId, 1), TOKENS: '20' }));
  membership.onRestart('d');
  assert.deepEqual(ring.endpoints(), ['a']);
});
