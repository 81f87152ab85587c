// The cluster panel's endpoints: absent (404) without a local cluster; reading open, operations
// only with the administrator's bearer token; bad flight keys refused with a reason.

import test from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { ClusterControlRefusal, isAdministrator, registerClusterApi, type ClusterControl } from './cluster-view.js';
import type { ClusterView } from './cluster-contract.js';

const token = 'k3y-of-the-administrator-0123456789abcdef';

function appWith(control: ClusterControl | null) {
  const app = Fastify({ logger: false });
  registerClusterApi(app, control);
  return app;
}

/** A cluster of one node; begin() records what it was asked and refuses node9. */
function localControl(begun: string[]): ClusterControl {
  const view: ClusterView = { keyspace: 'flights', replication: 'SimpleStrategy, replication_factor 1', observedBy: '127.0.0.1', nodes: [], lastOperation: null, gatheredAtMs: 0 };
  return {
    adminToken: token,
    view: async () => view,
    placement: async (flight) => ({ ...flight, status: { table: 'flight_status', token: '1', replicas: ['127.0.0.1'], readConsistency: 'QUORUM', writeConsistency: 'QUORUM' }, tracking: { table: 'flight_tracking', token: '1', replicas: ['127.0.0.1'], readConsistency: 'ONE', writeConsistency: 'ONE' } }),
    begin: (node, action) => {
      if (node === 'node9') throw new ClusterControlRefusal('no node named \'node9\' in this cluster', 404);
      begun.push(`${action} ${node}`);
      return { node, action };
    },
  };
}

test('against someone else\'s database the cluster endpoints do not exist', async () => {
  const app = appWith(null);
  for (const [method, url] of [['GET', '/api/cluster'], ['GET', '/api/cluster/admin'], ['GET', '/api/cluster/flights/AR1/2026-07-01'], ['POST', '/api/cluster/nodes/node1/stop']] as const) {
    assert.equal((await app.inject({ method, url, headers: { authorization: `Bearer ${token}` } })).statusCode, 404, `${method} ${url}`);
  }
});

test('stopping and starting nodes needs the administrator\'s token', async () => {
  const begun: string[] = [];
  const app = appWith(localControl(begun));
  assert.equal((await app.inject({ method: 'GET', url: '/api/cluster' })).statusCode, 200, 'reading is open');
  for (const authorization of [undefined, 'Bearer wrong', `Basic ${token}`, `Bearer ${token}x`, `Bearer ${'x'.repeat(10_000)}`]) {
    const headers = authorization === undefined ? {} : { authorization };
    assert.equal((await app.inject({ method: 'POST', url: '/api/cluster/nodes/node1/stop', headers })).statusCode, 401);
    assert.equal((await app.inject({ method: 'GET', url: '/api/cluster/admin', headers })).statusCode, 401);
  }
  assert.deepEqual(begun, []);
  const admin = { authorization: `Bearer ${token}` };
  assert.equal((await app.inject({ method: 'GET', url: '/api/cluster/admin', headers: admin })).statusCode, 204);
  const accepted = await app.inject({ method: 'POST', url: '/api/cluster/nodes/node1/stop', headers: admin });
  assert.equal(accepted.statusCode, 202);
  assert.deepEqual(accepted.json(), { node: 'node1', action: 'stop' });
  assert.equal((await app.inject({ method: 'POST', url: '/api/cluster/nodes/node1/reboot', headers: admin })).statusCode, 404);
  assert.equal((await app.inject({ method: 'POST', url: '/api/cluster/nodes/node9/start', headers: admin })).statusCode, 404);
  assert.deepEqual(begun, ['stop node1']);
});

test('a flight\'s placement needs a valid flight number and calendar date', async () => {
  const app = appWith(localControl([]));
  assert.equal((await app.inject({ method: 'GET', url: '/api/cluster/flights/AR1234/2026-07-01' })).json().status.readConsistency, 'QUORUM');
  for (const url of ['/api/cluster/flights/not-a-flight/2026-07-01', '/api/cluster/flights/AR1/2026-02-31', '/api/cluster/flights/AR1/yesterday', `/api/cluster/flights/${'A'.repeat(50)}/2026-07-01`]) {
    const response = await app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 400, url);
    assert.match(response.json().error, /flightNumber|date/);
  }
});

test('isAdministrator compares whole bearer tokens', () => {
  assert.equal(isAdministrator(`Bearer ${token}`, token), true);
  assert.equal(isAdministrator(`Bearer ${token.slice(0, -1)}`, token), false);
  assert.equal(isAdministrator('Bearer ', token), false);
  assert.equal(isAdministrator('Bearer x', ''), false, 'no token configured: nobody');
});
