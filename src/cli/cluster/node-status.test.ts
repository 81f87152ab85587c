import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNodeStatus, NodeStatusShapeError } from './node-status.js';

// The /status a node answers today (src/db/node/node.ts), written out by hand.
const today = {
  clusterName: 'Test Cluster', listenAddress: '127.0.0.1', rpcAddress: '127.0.0.1', nativePort: 9042,
  dataCenter: 'datacenter1', rack: 'rack1', hostId: '6f1c1b56-0000-4000-8000-000000000001', state: 'NORMAL',
  schemaVersion: 'abc', loadBytes: 1234, clientConnections: 0, uptimeSeconds: 5,
};

test('a lone node: itself, up, no peers, tokens unknown', () => {
  const report = parseNodeStatus(today);
  assert.equal(report.clusterName, 'Test Cluster');
  assert.equal(report.peers, null);
  assert.deepEqual(report.local, {
    address: '127.0.0.1', storagePort: null, hostId: today.hostId, dataCenter: 'datacenter1', rack: 'rack1', status: 'UP', state: 'NORMAL', loadBytes: 1234, tokens: null, owns: null,
  });
});

test('a gossiping node: its tokens and its peers, itself left out of them', () => {
  const report = parseNodeStatus({
    ...today,
    tokens: ['-9', '7'],
    peers: [
      { address: '127.0.0.1:7000', status: 'UP', state: 'NORMAL', tokens: ['-9', '7'] },
      { address: '127.0.0.2:7000', hostId: 'h2', status: 'DOWN', state: 'BOOT', loadBytes: 10, tokens: [3, '12'], owns: 0.25 },
      { endpoint: '[::1]:7000', up: true, state: 'LEAVING' },
      { address: '127.0.0.4', status: 'weird', state: 'shutdown' },
    ],
  });
  assert.deepEqual(report.local.tokens, ['-9', '7']);
  assert.deepEqual(report.peers?.map((peer) => [peer.address, peer.status, peer.state, peer.tokens]), [
    ['127.0.0.2', 'DOWN', 'JOINING', ['3', '12']],
    ['::1', 'UP', 'LEAVING', null],
    ['127.0.0.4', 'UNKNOWN', 'NORMAL', null],
  ]);
  assert.equal(report.peers?.[0]?.hostId, 'h2');
  assert.equal(report.peers?.[0]?.loadBytes, 10);
  assert.equal(report.peers?.[0]?.owns, 0.25);
  assert.equal(report.peers?.[1]?.owns, null);
  // The storage port, for -pp: a peer's from its host:port, none for an address without one.
  assert.deepEqual(report.peers?.map((peer) => peer.storagePort), [7000, 7000, null]);
  assert.equal(report.local.storagePort, null);
});

test('the answering node\'s storage port comes from its endpoint (host:port)', () => {
  assert.equal(parseNodeStatus({ ...today, endpoint: '127.0.0.1:7012' }).local.storagePort, 7012);
  assert.equal(parseNodeStatus({ ...today, endpoint: '[::1]:7000' }).local.storagePort, 7000);
  assert.equal(parseNodeStatus({ ...today, endpoint: '127.0.0.1:99999' }).local.storagePort, null);
  assert.equal(parseNodeStatus({ ...today, endpoint: 7000 }).local.storagePort, null);
});

test('what is not a node status is refused with a reason', () => {
  assert.throws(() => parseNodeStatus([]), NodeStatusShapeError);
  assert.throws(() => parseNodeStatus({ state: 'NORMAL' }), /names no listenAddress/);
  assert.throws(() => parseNodeStatus({ ...today, peers: [7] }), /peer in the status is not an object/);
  assert.throws(() => parseNodeStatus({ ...today, peers: [{ status: 'UP' }] }), /has no address/);
  assert.throws(() => parseNodeStatus({ ...today, tokens: ['1e5'] }), /not an integer/);
  assert.throws(() => parseNodeStatus({ ...today, peers: Array.from({ length: 5000 }, () => ({ address: 'x' })) }), /more than/);
});

test('odd field values read as unknown rather than wrong', () => {
  const report = parseNodeStatus({ ...today, loadBytes: -1, hostId: '', dataCenter: 3 });
  assert.equal(report.local.loadBytes, null);
  assert.equal(report.local.hostId, null);
  assert.equal(report.local.dataCenter, 'datacenter1');
});
