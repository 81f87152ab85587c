import test from 'node:test';
import assert from 'node:assert/strict';
import type cassandra from 'cassandra-driver';
import { clusterNativePort, createClient, defaultDatabaseOptions } from './database.js';

test('the native port the driver uses for discovered nodes comes from the contact points', () => {
  assert.equal(clusterNativePort(['127.0.0.1:19042', '127.0.0.2:19042']), 19042);
  assert.equal(clusterNativePort(['db1', 'db2:9042']), 9042, 'no port is the default port');
  assert.equal(clusterNativePort(['[::1]:9142']), 9142);
  assert.equal(clusterNativePort(['::1']), 9042, 'a bare IPv6 address has no port');
  assert.throws(() => clusterNativePort(['127.0.0.1:9042', '127.0.0.2:9043']), /one native port/);
  assert.throws(() => clusterNativePort(['127.0.0.1:70000']), /invalid port/);
});

test('the client reaches every node on the contact points\' port and may retry any statement elsewhere', async () => {
  const client = createClient({ ...defaultDatabaseOptions, contactPoints: ['127.0.0.1:19042', '127.0.0.2:19042'] });
  try {
    // The driver keeps its resolved options on the client without declaring them in its types.
    const { options } = client as unknown as { options: cassandra.ClientOptions };
    assert.equal(options.protocolOptions?.port, 19042);
    assert.equal(options.queryOptions?.isIdempotent, true);
  } finally {
    await client.shutdown();
  }
});
