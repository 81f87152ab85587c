import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../common/world.js';
import { systemClock } from '../platform/clock.js';
import { systemNetwork } from '../platform/network.js';
import { startAdminServer, type AdminTarget } from './admin.js';

test('flush, compact and status call the injected operations', async () => {
  const calls: Array<[string, AdminTarget]> = [];
  const server = await startAdminServer({
    network: systemNetwork(),
    clock: systemClock(),
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    operations: {
      flush: async (target) => void calls.push(['flush', target]),
      compact: async (target) => void calls.push(['compact', target]),
      status: async () => ({ state: 'NORMAL', load: 12 }),
    },
  });
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const flush = await fetch(`${base}/flush`, { method: 'POST' });
    assert.equal(flush.status, 200);
    assert.deepEqual(await flush.json(), { ok: true });
    const compact = await fetch(`${base}/compact?keyspace=ks&table=t`, { method: 'POST' });
    assert.equal(compact.status, 200);
    assert.deepEqual(calls, [['flush', {}], ['compact', { keyspace: 'ks', table: 't' }]]);
    const status = await fetch(`${base}/status`);
    assert.deepEqual(await status.json(), { state: 'NORMAL', load: 12 });
    assert.equal((await fetch(`${base}/flush`)).status, 404);
    assert.equal((await fetch(`${base}/compact?table=t`, { method: 'POST' })).status, 400);
  } finally {
    await server.close();
  }
});

test('a failing operation answers 500 with its message', async () => {
  const server = await startAdminServer({
    network: systemNetwork(),
    clock: systemClock(),
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    operations: {
      flush: () => Promise.reject(new Error('disk full')),
      compact: () => Promise.resolve(),
      status: () => Promise.resolve({}),
    },
  });
  try {
    const response = await fetch(`http://127.0.0.1:${server.port}/flush`, { method: 'POST' });
    assert.equal(response.status, 500);
    assert.deepEqual(await response.json(), { error: 'disk full' });
  } finally {
    await server.close();
  }
});

test('/metrics answers the exposition text as is; /health is 200 when up and 503 when not', async () => {
  let up = true;
  const server = await startAdminServer({
    network: systemNetwork(), clock: systemClock(), host: '127.0.0.1', port: 0, logger: silentLogger,
    operations: {
      flush: async () => undefined, compact: async () => undefined, status: async () => ({}),
      metrics: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', text: '# TYPE x counter\nx 3\n' }),
      health: () => ({ up, checks: { nativeTransport: up } }),
    },
  });
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.equal(metrics.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(await metrics.text(), '# TYPE x counter\nx 3\n');
    const healthy = await fetch(`${base}/health`);
    assert.equal(healthy.status, 200);
    assert.deepEqual(await healthy.json(), { status: 'UP', nativeTransport: true });
    up = false;
    const unhealthy = await fetch(`${base}/health`);
    assert.equal(unhealthy.status, 503);
    assert.deepEqual(await unhealthy.json(), { status: 'DOWN', nativeTransport: false });
  } finally {
    await server.close();
  }
});
