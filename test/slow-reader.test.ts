// A client that sends requests and never reads the answers, against a real node process
// (issue 14, hostile clients): once that connection's unsent answers fill the socket buffers,
// the node stops reading from it (transport/connection.ts pauses reading while the socket
// cannot take more), so its memory stays bounded, and a well-behaved driver client beside it
// keeps being served.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import cassandra from 'cassandra-driver';
import { ConsistencyLevel } from '../src/db/common/consistency.js';
import { encodeRequest } from '../src/db/protocol/codec.js';
import { Opcode } from '../src/db/protocol/messages.js';
import { startNodeProcess, type NodeProcess } from './harness/node-process.js';

const answerBytes = 100 * 1024;
const requestsMax = 30_000;

/** The node's resident memory in bytes, from /proc (the process whose command line names its data directory). */
function nodeResidentBytes(node: NodeProcess): number {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let commandLine = '';
    try {
      commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue; // the process ended while we looked
    }
    if (!commandLine.includes('aero.js') || !commandLine.includes(node.dataDir)) continue;
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match !== null) return Number(match[1]) * 1024;
  }
  throw new Error(`no process for ${node.dataDir}`);
}

function waitFor(socket: Socket, event: 'connect' | 'data' | 'drain', timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { socket.off(event, done); resolve(false); }, timeoutMs);
    function done(): void { clearTimeout(timer); resolve(true); }
    socket.once(event, done);
  });
}

test('a client that never reads its answers is no longer read from; memory stays bounded and another client is served', { timeout: 180_000 }, async () => {
  const node = await startNodeProcess();
  const driver = new cassandra.Client({ contactPoints: [node.host], localDataCenter: 'datacenter1', protocolOptions: { port: node.nativePort } });
  let hostile: Socket | null = null;
  try {
    await driver.connect();
    await driver.execute("CREATE KEYSPACE d WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await driver.execute('CREATE TABLE d.t (k int PRIMARY KEY, v text)');
    await driver.execute('INSERT INTO d.t (k, v) VALUES (1, ?)', ['x'.repeat(answerBytes)], { prepare: true });
    const residentBefore = nodeResidentBytes(node);

    hostile = connect({ host: node.host, port: node.nativePort });
    assert.ok(await waitFor(hostile, 'connect', 10_000));
    hostile.write(encodeRequest(0, { opcode: Opcode.STARTUP, options: new Map([['CQL_VERSION', '3.0.0']]) }));
    assert.ok(await waitFor(hostile, 'data', 10_000), 'READY');
    hostile.pause(); // from here on nothing is read: the answers pile up in the socket buffers
    // Each request carries a 4 KiB comment, so that requests too fill the buffers towards the node.
    const query = `SELECT v FROM d.t WHERE k = 1 /* ${'p'.repeat(4096)} */`;
    let sent = 0;
    let stalled = false;
    while (sent < requestsMax && !stalled) {
      const more = hostile.write(encodeRequest(1 + sent, { opcode: Opcode.QUERY, query, parameters: { consistency: ConsistencyLevel.ONE, values: [], names: null, skipMetadata: false, pageSize: null, pagingState: null, serialConsistency: null, defaultTimestamp: null } }));
      sent++;
      // The node stopped reading when our writes no longer drain.
      if (!more) stalled = !(await waitFor(hostile, 'drain', 5_000));
    }
    assert.ok(stalled, `the node read all ${sent} requests (${sent * answerBytes} bytes of answers unread) without stopping`);
    const residentStalled = nodeResidentBytes(node);
    console.log(`the node stopped reading after ${sent} requests (${Math.round(sent * 4.1)} KiB sent, answers of ${answerBytes / 1024} KiB each); resident memory ${Math.round(residentBefore / 1048576)} -> ${Math.round(residentStalled / 1048576)} MiB`);
    assert.ok(residentStalled - residentBefore < 256 * 1024 * 1024, 'the unread answers do not pile up in the node');

    // The well-behaved client beside it is served.
    const latencies: number[] = [];
    for (let i = 0; i < 200; i++) {
      const startedMs = performance.now();
      const row = (await driver.execute('SELECT k FROM d.t WHERE k = 1', [], { prepare: true })).first();
      latencies.push(performance.now() - startedMs);
      assert.equal(row?.['k'], 1);
    }
    latencies.sort((a, b) => a - b);
    console.log(`beside it, 200 queries: p50 ${latencies[100]?.toFixed(1)} ms, p99 ${latencies[198]?.toFixed(1)} ms`);
    assert.ok(nodeResidentBytes(node) - residentBefore < 256 * 1024 * 1024);
  } finally {
    hostile?.destroy();
    await driver.shutdown();
    await node.stop();
    node.cleanup();
  }
});
