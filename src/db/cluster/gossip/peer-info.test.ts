import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EndpointState } from './endpoint-state.js';
import { peerInfoFromGossip, peersFromGossip, schemaVersionsFromGossip } from './peer-info.js';

function state(values: Record<string, string>): EndpointState {
  return { heartbeat: { generation: 1, version: 1 }, states: new Map(Object.entries(values).map(([key, value]) => [key as never, { value, version: 1 }])) };
}

const full = state({
  STATUS: 'NORMAL,-5', TOKENS: '-5,17', DC: 'dc1', RACK: 'r1', HOST_ID: 'h1', RPC_ADDRESS: '10.0.0.2',
  NATIVE_PORT: '9042', RELEASE_VERSION: '4.0.11', SCHEMA: 's1',
});

test('a NORMAL peer becomes a system.peers row', () => {
  assert.deepEqual(peerInfoFromGossip('10.0.0.2:7000', full), {
    peer: '10.0.0.2', peerPort: 7000, dataCenter: 'dc1', rack: 'r1', hostId: 'h1', nativeAddress: '10.0.0.2', nativePort: 9042,
    preferredIp: null, preferredPort: null, releaseVersion: '4.0.11', schemaVersion: 's1', tokens: ['-5', '17'],
  });
});

test('joining and departed peers are not listed; missing states are null', () => {
  assert.equal(peerInfoFromGossip('10.0.0.2:7000', state({ STATUS: 'BOOT' })), undefined);
  assert.equal(peerInfoFromGossip('10.0.0.2:7000', state({ STATUS: 'LEFT,3' })), undefined);
  const sparse = peerInfoFromGossip('[::1]:7001', state({ STATUS: 'shutdown', NATIVE_PORT: 'nope' }));
  assert.equal(sparse?.peer, '::1');
  assert.equal(sparse?.nativePort, null);
  assert.equal(sparse?.hostId, null);
  assert.deepEqual(sparse?.tokens, []);
});

test('peersFromGossip lists every peer but this node', () => {
  const states = new Map([['10.0.0.1:7000', full], ['10.0.0.2:7000', full], ['10.0.0.3:7000', state({ STATUS: 'BOOT' })]]);
  const peers = peersFromGossip({ localEndpoint: '10.0.0.1:7000', endpoints: () => [...states.keys()], endpointState: (e) => states.get(e) });
  assert.deepEqual(peers.map((peer) => peer.peer), ['10.0.0.2']);
});

test('schemaVersionsFromGossip groups live endpoints by SCHEMA', () => {
  const states = new Map([['a', state({ SCHEMA: 's1' })], ['b', state({ SCHEMA: 's2' })], ['c', state({ SCHEMA: 's1' })], ['d', state({ SCHEMA: 's3' })], ['e', state({})]]);
  const versions = schemaVersionsFromGossip({ endpoints: () => [...states.keys()], endpointState: (e) => states.get(e), isAlive: (e) => e !== 'd' });
  assert.deepEqual(versions, new Map([['s1', ['a', 'c']], ['s2', ['b']]]));
});
