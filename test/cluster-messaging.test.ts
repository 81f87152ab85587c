// The internode messaging service over real TCP sockets (platform network and clock).
// run-tests: two at a time

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startClusterServices } from '../src/db/cluster/cluster-services.js';
import { MessagingService } from '../src/db/cluster/messaging/messaging-service.js';
import { TcpTransport } from '../src/db/cluster/messaging/tcp-transport.js';
import { silentLogger } from '../src/db/common/world.js';
import { systemClock, systemRandom } from '../src/db/platform/clock.js';
import { systemNetwork } from '../src/db/platform/network.js';
import { freePort } from './harness/node-process.js';

test('two nodes exchange requests over TCP, and a restarted peer is reached again', async () => {
  const clock = systemClock();
  const network = systemNetwork();
  const [portA, portB] = [await freePort(), await freePort()];
  const node = (port: number) => {
    const transport = new TcpTransport({ network, clock, logger: silentLogger, localEndpoint: `127.0.0.1:${port}`, reconnectDelayMinMs: 20 });
    const messaging = new MessagingService({ transport, clock, logger: silentLogger });
    messaging.registerHandler('ECHO', (message) => Buffer.from(`pong ${message.from}`));
    return messaging;
  };
  const a = node(portA);
  let b = node(portB);
  await a.start();
  await b.start();
  try {
    const response = await a.sendRequest(`127.0.0.1:${portB}`, 'ECHO', Buffer.alloc(0));
    assert.equal(response.payload.toString(), `pong 127.0.0.1:${portA}`);
    await b.close();
    b = node(portB);
    await b.start();
    // The old connection died with b; the next sends reconnect (possibly after one lost frame).
    let answered = false;
    for (let attempt = 0; attempt < 20 && !answered; attempt++) {
      answered = await a.sendRequest(`127.0.0.1:${portB}`, 'ECHO', Buffer.alloc(0), { timeoutMs: 200 }).then(() => true, () => false);
    }
    assert.ok(answered, 'the restarted peer answered');
  } finally {
    await a.close();
    await b.close();
  }
});

test('three nodes\' cluster services over real TCP find each other through a seed and share a ring', async () => {
  const clock = systemClock();
  const network = systemNetwork();
  const ports = [await freePort(), await freePort(), await freePort()];
  const endpoints = ports.map((port) => `127.0.0.1:${port}`);
  const nodes = [];
  try {
    for (const [index, endpoint] of endpoints.entries()) {
      nodes.push(await startClusterServices({
        clock, random: systemRandom(), network, logger: silentLogger, clusterName: 'TCP', localEndpoint: endpoint,
        seeds: [endpoints[0] as string], tokens: [BigInt(index * 1000), BigInt(index * 1000 + 500)], dataCenter: 'dc1', rack: 'r1',
        hostId: `host-${index}`, rpcAddress: '127.0.0.1', nativePort: 9042, releaseVersion: '4.0.11', schemaVersion: 'v', gossipIntervalMs: 50,
      }));
    }
    const deadline = clock.monotonicMs() + 10_000;
    while (!nodes.every((node) => node.ring.endpoints().length === 3 && node.gossiper.liveEndpoints().length === 2) && clock.monotonicMs() < deadline) {
      await clock.sleep(20);
    }
    for (const node of nodes) {
      assert.equal(node.gossiper.liveEndpoints().length, 2, `${node.messaging.localEndpoint} sees ${node.gossiper.liveEndpoints().join(' ')}`);
      assert.deepEqual(node.ring.sortedTokens(), [0n, 500n, 1000n, 1500n, 2000n, 2500n]);
    }
    // A clean shutdown reaches the peers at once (no waiting for the failure detector).
    const leaving = nodes.pop();
    await leaving?.stop({ announce: true });
    await clock.sleep(100);
    for (const node of nodes) assert.deepEqual(node.gossiper.liveEndpoints(), endpoints.filter((e) => e !== node.messaging.localEndpoint && e !== endpoints[2]));
  } finally {
    for (const node of nodes) await node.stop({ announce: true });
  }
});
