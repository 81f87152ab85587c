// Many client connections on a real node process (issue 14, overload): with
// native_transport_max_concurrent_connections at 1,000, a thousand native-protocol
// connections each start a session and query at once; the next one is hung up on before it is
// served (as Cassandra closes connections past the limit), the node stays up, and once some
// clients leave, a real driver connects and works beside the ones still open.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { ConsistencyLevel } from '../src/db/common/consistency.js';
import { systemNetwork } from '../src/db/platform/network.js';
import { CqlClient } from './harness/cql-client.js';
import { startNodeProcess } from './harness/node-process.js';

const connectionsMax = 1000;

test(`${connectionsMax} client connections at native_transport_max_concurrent_connections: all served, one more refused, a driver served once some leave`, { timeout: 240_000 }, async () => {
  const node = await startNodeProcess({ extraConfig: `native_transport_max_concurrent_connections: ${connectionsMax}` });
  const network = systemNetwork();
  const clients: CqlClient[] = [];
  let driver: cassandra.Client | null = null;
  try {
    const startedMs = Date.now();
    // In waves of 50, so that the listen backlog never overflows on a loaded machine.
    while (clients.length < connectionsMax) {
      const wave = await Promise.all(Array.from({ length: Math.min(50, connectionsMax - clients.length) }, () => CqlClient.connect(network, { host: node.host, port: node.nativePort })));
      clients.push(...wave);
    }
    const answers = await Promise.all(clients.map((client) => client.query('SELECT release_version FROM system.local', ConsistencyLevel.ONE)));
    assert.ok(answers.every((rows) => rows.length === 1), 'every connection is served');
    console.log(`${connectionsMax} connections opened and queried in ${Date.now() - startedMs} ms`);

    await assert.rejects(CqlClient.connect(network, { host: node.host, port: node.nativePort }), 'connection 1,001 is hung up on');
    // The node's log reaches us through its stdout a little later than the hang-up.
    const refusal = /"reason":"too many connections","connectionsMax":1000,"msg":"refusing client connection"/;
    for (const waitUntil = Date.now() + 10_000; !refusal.test(node.output()) && Date.now() < waitUntil;) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.match(node.output(), refusal);

    for (const client of clients.splice(0, 10)) client.close();
    driver = new cassandra.Client({ contactPoints: [node.host], localDataCenter: 'datacenter1', protocolOptions: { port: node.nativePort }, pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 1 } } });
    // The server notices the closed connections asynchronously: the driver retries until it gets in.
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await driver.connect();
        break;
      } catch (error) {
        assert.ok(Date.now() < deadline, `the driver could not connect after 10 clients left: ${String(error)}`);
        await driver.shutdown();
        driver = new cassandra.Client({ contactPoints: [node.host], localDataCenter: 'datacenter1', protocolOptions: { port: node.nativePort } });
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    const release = (await driver.execute('SELECT release_version FROM system.local')).first();
    assert.ok(release !== null);
    const still = await Promise.all(clients.map((client) => client.query('SELECT release_version FROM system.local', ConsistencyLevel.ONE)));
    assert.equal(still.length, connectionsMax - 10, 'the remaining connections are still served');
  } finally {
    await driver?.shutdown();
    for (const client of clients) client.close();
    await node.stop();
    node.cleanup();
  }
});
