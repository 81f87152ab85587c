import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Random } from '../../common/world.js';
import { formatStatus, formatTokens, isDeadState, maxVersion, parseStatus, parseTokens, stateNewerThan, type EndpointState } from './endpoint-state.js';
import { generationDifferenceMax } from '../../common/limits.js';
import { boundDeltas, chooseGossipTargets, deltasForRequests, examineDigests, makeDigests, planApply } from './gossip-logic.js';
import { formatEndpoint, parseEndpoint } from '../endpoint.js';

function endpointState(generation: number, heartbeat: number, states: Record<string, [string, number]> = {}): EndpointState {
  return {
    heartbeat: { generation, version: heartbeat },
    states: new Map(Object.entries(states).map(([key, [value, version]]) => [key as never, { value, version }])),
  };
}

test('maxVersion and stateNewerThan', () => {
  const state = endpointState(5, 10, { STATUS: ['NORMAL', 3], LOAD: ['12', 11] });
  assert.equal(maxVersion(state), 11);
  assert.deepEqual(stateNewerThan(state, 10), { ...endpointState(5, 10, { LOAD: ['12', 11] }), partial: true });
  assert.deepEqual(stateNewerThan(state, 2), { ...state, partial: true }, 'newer than a version: a delta, even when it holds everything');
  assert.deepEqual(stateNewerThan(state, 0), state, 'newer than 0: the whole state');
  assert.equal(stateNewerThan(state, 11), undefined);
});

test('examineDigests asks for what it lacks and sends what it has newer', () => {
  const local = new Map([
    ['a', endpointState(5, 10)], // same generation, local behind: request from 10
    ['b', endpointState(5, 20, { LOAD: ['1', 15] })], // same generation, local ahead: send newer than 12
    ['c', endpointState(9, 3)], // local has a newer generation: send everything
    ['d', endpointState(5, 4)], // remote has a newer generation: request all
    ['f', endpointState(5, 8)], // in sync: nothing
    ['g', endpointState(2, 2)], // not in the SYN at all: sent whole
  ]);
  const { requests, deltas } = examineDigests(local, [
    { endpoint: 'a', generation: 5, maxVersion: 30 },
    { endpoint: 'b', generation: 5, maxVersion: 12 },
    { endpoint: 'c', generation: 7, maxVersion: 99 },
    { endpoint: 'd', generation: 6, maxVersion: 1 },
    { endpoint: 'e', generation: 1, maxVersion: 1 }, // unknown: request all
    { endpoint: 'f', generation: 5, maxVersion: 8 },
  ]);
  assert.deepEqual(requests, [
    { endpoint: 'a', generation: 5, maxVersion: 10 },
    { endpoint: 'd', generation: 6, maxVersion: 0 },
    { endpoint: 'e', generation: 1, maxVersion: 0 },
  ]);
  assert.deepEqual([...deltas.keys()], ['b', 'c', 'g']);
  assert.deepEqual(deltas.get('b'), { ...endpointState(5, 20, { LOAD: ['1', 15] }), partial: true });
  assert.deepEqual(deltas.get('c'), endpointState(9, 3));
});

test('deltasForRequests answers from the requested version, or whole across generations', () => {
  const local = new Map([['a', endpointState(5, 10, { LOAD: ['1', 4] })], ['b', endpointState(8, 10, { LOAD: ['1', 4] })]]);
  const deltas = deltasForRequests(local, [
    { endpoint: 'a', generation: 5, maxVersion: 6 },
    { endpoint: 'b', generation: 5, maxVersion: 6 },
    { endpoint: 'zz', generation: 1, maxVersion: 0 },
  ]);
  assert.deepEqual(deltas.get('a'), { ...endpointState(5, 10), partial: true });
  assert.deepEqual(deltas.get('b'), endpointState(8, 10, { LOAD: ['1', 4] }));
  assert.equal(deltas.has('zz'), false);
});

test('planApply: join, restart, merge, stale and self', () => {
  const local = new Map([
    ['me', endpointState(5, 50)],
    ['a', endpointState(5, 10, { LOAD: ['1', 4], STATUS: ['NORMAL', 2] })],
    ['b', endpointState(5, 10)],
    ['c', endpointState(5, 10)],
  ]);
  const remote = new Map([
    ['me', endpointState(99, 99)],
    ['a', endpointState(5, 12, { LOAD: ['2', 11], STATUS: ['NORMAL', 2] })],
    ['b', endpointState(6, 1)],
    ['c', endpointState(4, 100)],
    ['n', endpointState(5, 3)],
  ]);
  const plan = planApply(local, remote, { localEndpoint: 'me', endpointsMax: 10 });
  assert.deepEqual(plan.joined, ['n']);
  assert.deepEqual(plan.restarted, ['b']);
  assert.deepEqual(plan.heartbeatAdvanced, ['a']);
  assert.deepEqual(plan.changed, [{ endpoint: 'a', state: 'LOAD', value: { value: '2', version: 11 } }]);
  assert.deepEqual([...plan.updates.keys()].sort(), ['a', 'b', 'n']);
  assert.deepEqual(plan.updates.get('a'), endpointState(5, 12, { LOAD: ['2', 11], STATUS: ['NORMAL', 2] }));
  assert.deepEqual(plan.refused, []);
});

test('planApply refuses a delta as the whole state of an unknown endpoint or a newer generation', () => {
  // Deltas answering digests an earlier incarnation of this node sent before it restarted.
  const local = new Map([['a', endpointState(5, 10, { STATUS: ['NORMAL', 2] })]]);
  const remote = new Map([['a', { ...endpointState(6, 30), partial: true as const }], ['x', { ...endpointState(1, 40), partial: true as const }]]);
  const plan = planApply(local, remote, { localEndpoint: 'me', endpointsMax: 10 });
  assert.deepEqual(plan.refused.map((r) => r.endpoint), ['a', 'x']);
  assert.deepEqual([plan.joined, plan.restarted, [...plan.updates.keys()]], [[], [], []]);
  // Within a known generation a delta merges as usual; whole states join.
  const merge = planApply(local, new Map([['a', { ...endpointState(5, 11), partial: true as const }], ['x', endpointState(1, 40)]]), { localEndpoint: 'me', endpointsMax: 10 });
  assert.deepEqual([merge.heartbeatAdvanced, merge.joined, merge.refused], [['a'], ['x'], []]);
  assert.equal(merge.updates.get('a')?.partial, undefined, 'stored states are never marked partial');
});

test('planApply refuses absurd generations and endpoints past the bound', () => {
  const local = new Map([['a', endpointState(5, 1)]]);
  const remote = new Map([['a', endpointState(5 + generationDifferenceMax + 1, 1)], ['x', endpointState(1, 1)], ['y', endpointState(1, 1)]]);
  const plan = planApply(local, remote, { localEndpoint: 'me', endpointsMax: 2 });
  assert.deepEqual(plan.joined, ['x']);
  assert.deepEqual(plan.refused.map((r) => r.endpoint), ['a', 'y']);
});

test('makeDigests and boundDeltas', () => {
  const states = new Map([['a', endpointState(5, 10, { LOAD: ['x'.repeat(1000), 12] })], ['b', endpointState(6, 3)]]);
  assert.deepEqual(makeDigests(states), [{ endpoint: 'a', generation: 5, maxVersion: 12 }, { endpoint: 'b', generation: 6, maxVersion: 3 }]);
  assert.deepEqual([...boundDeltas(states, 100).keys()], ['a'], 'at least one endpoint even when over budget');
  assert.deepEqual([...boundDeltas(states, 1_000_000).keys()], ['a', 'b']);
});

/** A Random that replays given floats (and ints as floor(float * max)). */
function scripted(values: number[]): Random {
  let index = 0;
  const next = () => values[index++ % values.length] as number;
  return { nextFloat: next, nextInt: (max) => Math.floor(next() * max), bytes: (n) => Buffer.alloc(n) };
}

test('chooseGossipTargets follows the live / unreachable / seed rules', () => {
  // Nobody live: always a seed (never self).
  assert.deepEqual(chooseGossipTargets({ live: [], unreachable: [], seeds: ['me', 's1'], localEndpoint: 'me' }, scripted([0.99])), { live: [], seed: 's1' });
  // Alone as the only seed: nobody to talk to.
  assert.deepEqual(chooseGossipTargets({ live: [], unreachable: [], seeds: ['me'], localEndpoint: 'me' }, scripted([0.5])), { live: [] });
  // A live non-seed peer; an unreachable one with probability 1/(live+1) = 1/3; a seed with probability 1/(2+1).
  const peers = { live: ['a', 'b'], unreachable: ['u'], seeds: ['s'], localEndpoint: 'me' };
  assert.deepEqual(chooseGossipTargets(peers, scripted([0.6, 0.3, 0.0, 0.3, 0.0])), { live: ['b'], unreachable: 'u', seed: 's' });
  assert.deepEqual(chooseGossipTargets(peers, scripted([0.1, 0.34, 0.34])), { live: ['a'] });
  // Gossiped to a seed already and enough peers are live: no extra seed round.
  const seedPeers = { live: ['s', 'a'], unreachable: [], seeds: ['s'], localEndpoint: 'me' };
  assert.deepEqual(chooseGossipTargets(seedPeers, scripted([0.1, 0.0])), { live: ['s'] });
  // A fanout of 2 names two distinct live peers; fewer when fewer are live.
  const three = { live: ['a', 'b', 'c'], unreachable: [], seeds: [], localEndpoint: 'me', liveFanout: 2 };
  assert.deepEqual(chooseGossipTargets(three, scripted([0.5, 0.5])), { live: ['b', 'c'] });
  assert.deepEqual(chooseGossipTargets({ ...three, live: ['a'] }, scripted([0.5])), { live: ['a'] });
});

test('STATUS and TOKENS values', () => {
  assert.equal(formatStatus('NORMAL', [17n, -5n]), 'NORMAL,-5');
  assert.equal(formatStatus('BOOT'), 'BOOT');
  assert.equal(parseStatus('LEAVING,3'), 'LEAVING');
  assert.equal(parseStatus('WHATEVER'), undefined);
  assert.equal(isDeadState(endpointState(1, 1, { STATUS: ['LEFT,5', 1] })), true);
  assert.equal(isDeadState(endpointState(1, 1, { STATUS: ['shutdown', 1] })), true);
  assert.equal(isDeadState(endpointState(1, 1, { STATUS: ['NORMAL', 1] })), false);
  assert.equal(formatTokens([17n, -5n]), '-5,17');
  assert.deepEqual(parseTokens('-5,17'), [-5n, 17n]);
  assert.deepEqual(parseTokens(''), []);
  assert.equal(parseTokens('1,x'), undefined);
  assert.equal(parseTokens('99999999999999999999'), undefined);
});

test('endpoints: format and parse', () => {
  assert.equal(formatEndpoint('10.0.0.1', 7000), '10.0.0.1:7000');
  assert.equal(formatEndpoint('::1', 7000), '[::1]:7000');
  assert.deepEqual(parseEndpoint('[::1]:7000'), { host: '::1', port: 7000 });
  assert.deepEqual(parseEndpoint('node-1.local:7001'), { host: 'node-1.local', port: 7001 });
  for (const bad of ['', '10.0.0.1', '10.0.0.1:', ':7000', '10.0.0.1:70000', '::1:7000', 'a:b', 'x'.repeat(400) + ':1']) {
    assert.equal(parseEndpoint(bad), undefined, bad);
  }
});
