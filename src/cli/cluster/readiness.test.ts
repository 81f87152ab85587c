import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RingEndpoint } from './node-status.js';
import { nodeReadiness, type NodeProbe } from './readiness.js';
import { formatClusterStatus } from './status-table.js';

const node = { index: 1, address: '127.0.0.1', directory: '/tmp/c/node1', pid: 42 };

function peer(address: string, fields: Partial<RingEndpoint> = {}): RingEndpoint {
  return { address, storagePort: null, hostId: null, dataCenter: 'datacenter1', rack: 'rack1', status: 'UP', state: 'NORMAL', loadBytes: null, tokens: null, owns: null, ...fields };
}

function probe(fields: Partial<NodeProbe> & { peers?: RingEndpoint[] | null; state?: RingEndpoint['state'] } = {}): NodeProbe {
  const { peers = null, state = 'NORMAL', ...rest } = fields;
  return {
    node, running: true, nativeReachable: true, statusProblem: null,
    status: { clusterName: 'c', nativePort: 9042, schemaVersion: null, ownershipKeyspace: null, local: peer('127.0.0.1', { state }), peers },
    ...rest,
  };
}

test('a node without gossip is up once its process runs, its CQL port accepts and /status answers', () => {
  assert.deepEqual(nodeReadiness(probe(), ['127.0.0.2']), { ready: true });
  assert.deepEqual(nodeReadiness(probe({ running: false }), []), { ready: false, reason: 'its process is not running' });
  assert.match(reason(nodeReadiness(probe({ nativeReachable: false }), [])), /native port/);
  assert.match(reason(nodeReadiness(probe({ status: null, statusProblem: 'ECONNREFUSED' }), [])), /admin channel does not answer \(ECONNREFUSED\)/);
  assert.match(reason(nodeReadiness(probe({ state: 'JOINING' }), [])), /JOINING, not NORMAL/);
});

test('a gossiping node is up once it sees every expected peer UP and NORMAL', () => {
  const expected = ['127.0.0.2', '127.0.0.3'];
  assert.match(reason(nodeReadiness(probe({ peers: [] }), expected)), /does not see 127\.0\.0\.2, 127\.0\.0\.3/);
  assert.match(reason(nodeReadiness(probe({ peers: [peer('127.0.0.2'), peer('127.0.0.3', { status: 'DOWN' })] }), expected)), /does not see 127\.0\.0\.3 up/);
  assert.match(reason(nodeReadiness(probe({ peers: [peer('127.0.0.2', { state: 'JOINING' }), peer('127.0.0.3')] }), expected)), /does not see 127\.0\.0\.2 up/);
  assert.deepEqual(nodeReadiness(probe({ peers: [peer('127.0.0.2'), peer('127.0.0.3'), peer('127.0.0.4', { status: 'DOWN' })] }), expected), { ready: true });
});

function reason(readiness: ReturnType<typeof nodeReadiness>): string {
  return readiness.ready ? 'ready' : readiness.reason;
}

test('cluster status: one aligned line per node and a count of those up', () => {
  const text = formatClusterStatus('Test Cluster', '/tmp/c', { rows: [
    { index: 1, address: '127.0.0.1', pid: 101, state: 'up', nativeReachable: true, loadBytes: 2048, hostId: 'h1', seesUp: null, note: null },
    { index: 2, address: '127.0.0.2', pid: 102, state: 'down', nativeReachable: false, loadBytes: null, hostId: null, seesUp: null, note: 'its process is not running' },
    { index: 3, address: '127.0.0.3', pid: 103, state: 'starting', nativeReachable: false, loadBytes: null, hostId: null, seesUp: null, note: 'its native port does not accept connections yet' },
  ] });
  assert.equal(text, [
    'Cluster: Test Cluster (/tmp/c)',
    'Node   Address    PID  State     Native  Load   Host ID',
    'node1  127.0.0.1  101  up        yes     2 KiB  h1',
    'node2  127.0.0.2  -    down      no      -      -',
    'node3  127.0.0.3  103  starting  no      ?      -',
    '',
    '1 of 3 nodes up',
    'node3: its native port does not accept connections yet',
    '',
  ].join('\n'));
});

test('cluster status: a "Sees up" column once nodes gossip', () => {
  const text = formatClusterStatus('c', '/tmp/c', { rows: [
    { index: 1, address: '127.0.0.1', pid: 101, state: 'up', nativeReachable: true, loadBytes: 0, hostId: 'h1', seesUp: 2, note: null },
    { index: 2, address: '127.0.0.2', pid: 102, state: 'down', nativeReachable: false, loadBytes: null, hostId: null, seesUp: null, note: null },
  ] });
  assert.match(text, /^Node +Address +PID +State +Native +Load +Sees up +Host ID$/m);
  assert.match(text, /^node1 +127\.0\.0\.1 +101 +up +yes +0 bytes +2\/2 +h1$/m);
  assert.match(text, /^node2 +127\.0\.0\.2 +- +down +no +- +- +-$/m);
});
