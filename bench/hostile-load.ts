// The hostile clients of bench/hostile.ts, in a process of their own (so that their work does
// not delay the well-behaved client's event loop, which measures latency): started with the
// node's endpoint and the settings as JSON, it runs every hostile client at once until the parent
// sends 'stop', then sends back what each did and exits.

import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type cassandra from 'cassandra-driver';
import { ConsistencyLevel } from '../src/db/common/consistency.js';
import { encodeRequest } from '../src/db/protocol/codec.js';
import { Opcode, type QueryParameters } from '../src/db/protocol/messages.js';
import { driverClient, errorText, type Endpoint } from './clients.js';
import type { HostileCounters, HostileSettings } from './hostile.js';
import { LeanConnection } from './lean-client.js';
import { sleep } from './load.js';

export type HostileLoadMessage = { kind: 'started' } | { kind: 'result'; counters: HostileCounters } | { kind: 'failed'; error: string };

/** Runs `body` until stop is set; each iteration counts its own failures. */
async function until(stop: { stopped: boolean }, body: () => Promise<void>): Promise<void> {
  while (!stop.stopped) await body();
}

/** A connection that sends STARTUP and then queries, pipelined, and never reads an answer. */
async function nonReader(host: string, port: number, stop: { stopped: boolean }, counters: HostileCounters): Promise<Socket> {
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host, port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
  socket.pause(); // never read: the answers stay in the kernel's buffers, then in the node's
  socket.on('error', () => undefined); // the node may hang up on it; that is its right
  const parameters: QueryParameters = {
    consistency: ConsistencyLevel.ONE, values: [], names: null, skipMetadata: false, pageSize: null, pagingState: null, serialConsistency: null, defaultTimestamp: null,
  };
  socket.write(encodeRequest(0, { opcode: Opcode.STARTUP, options: new Map([['CQL_VERSION', '3.0.0']]) }));
  let stream = 1;
  void (async () => {
    while (!stop.stopped && !socket.destroyed) {
      const frame = encodeRequest(stream, { opcode: Opcode.QUERY, query: 'SELECT v FROM hostile.blobs WHERE k = -1', parameters });
      stream = stream === 32_767 ? 1 : stream + 1;
      counters.nonReaderRequestsSent++;
      if (!socket.write(frame)) {
        // The node stopped reading (back-pressure): wait, with an eye on the end of the run.
        while (!stop.stopped && !socket.destroyed && socket.writableNeedDrain) await sleep(100);
      }
    }
  })();
  return socket;
}

async function main(): Promise<void> {
  const send = (message: HostileLoadMessage) => process.send?.(message);
  const { endpoint, settings } = JSON.parse(process.argv[2] ?? '{}') as { endpoint: Endpoint; settings: HostileSettings };
  const counters: HostileCounters = {
    connectionsOpened: 0, connectionsFailed: 0, firstConnectionError: null, nonReaderRequestsSent: 0,
    oversizedBatchesRefused: 0, oversizedBatchesAccepted: 0, batchOtherErrors: 0, blobsWritten: 0, blobsRead: 0, blobErrors: 0,
    partitionRowsWritten: 0, partitionWriteErrors: 0, partitionRowsPaged: 0, partitionPages: 0, partitionPageErrors: 0, firstError: null,
  };
  const noteError = (error: unknown) => { counters.firstError ??= errorText(error); };
  const clients: cassandra.Client[] = [];
  const idleConnections: LeanConnection[] = [];
  let nonReading: Socket | null = null;
  const stopped = new Promise<void>((resolve) => process.on('message', (message) => { if (message === 'stop') resolve(); }));
  try {
    const work: Array<Promise<void>> = [];
    const stop = { stopped: false };

    // 1. Idle connections, opened 50 at a time.
    work.push((async () => {
      for (let base = 0; base < settings.connections && !stop.stopped; base += 50) {
        await Promise.all(Array.from({ length: Math.min(50, settings.connections - base) }, async () => {
          try {
            idleConnections.push(await LeanConnection.open(endpoint.host, endpoint.port));
            counters.connectionsOpened++;
          } catch (error) {
            counters.connectionsFailed++;
            counters.firstConnectionError ??= errorText(error);
          }
        }));
      }
    })());
    // 2. The client that never reads.
    nonReading = await nonReader(endpoint.host, endpoint.port, stop, counters);
    // Three driver clients for 3 to 5, each with its own connections, connected together.
    const [batcher, blobber, wide] = [30_000, 60_000, 60_000].map((requestTimeoutMs) => driverClient([endpoint], { connectionsPerHost: 1, requestTimeoutMs })) as
      [cassandra.Client, cassandra.Client, cassandra.Client];
    clients.push(batcher, blobber, wide);
    await Promise.all(clients.map((client) => client.connect()));
    // 3. Oversized batches: 60 rows of 1 KiB in 60 partitions, over the 50 KiB fail threshold.
    const row = 'x'.repeat(1024);
    const batch = Array.from({ length: 60 }, (_, i) => ({ query: 'INSERT INTO hostile.batched (k, v) VALUES (?, ?)', params: [i, row] }));
    for (let i = 0; i < 2; i++) {
      work.push(until(stop, async () => {
        try {
          await batcher.batch(batch, { prepare: true });
          counters.oversizedBatchesAccepted++;
        } catch (error) {
          if (/Batch too large/.test(errorText(error))) counters.oversizedBatchesRefused++;
          else { counters.batchOtherErrors++; noteError(error); await sleep(100); }
        }
      }));
    }
    // 4. 10 MiB blobs, written and read back one after another.
    const blob = randomBytes(settings.blobBytes);
    let blobKey = 0;
    work.push(until(stop, async () => {
      const k = blobKey++ % 4;
      try {
        await blobber.execute('INSERT INTO hostile.blobs (k, v) VALUES (?, ?)', [k, blob], { prepare: true });
        counters.blobsWritten++;
        const read = (await blobber.execute('SELECT v FROM hostile.blobs WHERE k = ?', [k], { prepare: true })).first();
        if ((read?.['v'] as Buffer | undefined)?.length !== blob.length) throw new Error(`blob ${k} read back wrong`);
        counters.blobsRead++;
      } catch (error) {
        counters.blobErrors++;
        noteError(error);
        await sleep(100);
      }
    }));
    // 5. The big partition: 32 writers, and a reader paging through it from the start.
    let nextRow = 0;
    const value = 'v'.repeat(100);
    for (let i = 0; i < 32; i++) {
      work.push(until(stop, async () => {
        if (nextRow >= settings.partitionRows) { await sleep(100); return; }
        const c = nextRow++;
        try {
          await wide.execute('INSERT INTO hostile.wide (p, c, v) VALUES (0, ?, ?)', [c, value], { prepare: true });
          counters.partitionRowsWritten++;
        } catch (error) {
          counters.partitionWriteErrors++;
          noteError(error);
          await sleep(100);
        }
      }));
    }
    work.push(until(stop, async () => {
      let pageState: string | undefined;
      try {
        do {
          const page = await wide.execute('SELECT c FROM hostile.wide WHERE p = 0', [], { prepare: true, fetchSize: 5000, ...(pageState === undefined ? {} : { pageState }) });
          counters.partitionRowsPaged += page.rows.length;
          counters.partitionPages++;
          pageState = page.pageState ?? undefined;
        } while (pageState !== undefined && !stop.stopped);
      } catch (error) {
        counters.partitionPageErrors++;
        noteError(error);
        await sleep(100);
      }
    }));

    // The well-behaved client's loaded phase begins once every connection is open (the others already run).
    await work[0];
    send({ kind: 'started' });
    await stopped;
    // Every kind has done something at least once (a short smoke run on a busy machine may not have yet); bounded.
    const deadline = Date.now() + 30_000;
    const c = counters;
    while (Date.now() < deadline && (c.blobsWritten + c.blobErrors === 0 || c.partitionRowsWritten + c.partitionWriteErrors === 0
      || c.partitionRowsPaged + c.partitionPageErrors === 0 || c.oversizedBatchesRefused + c.oversizedBatchesAccepted + c.batchOtherErrors === 0)) await sleep(50);
    stop.stopped = true;
    nonReading.destroy();
    await Promise.all(work);
    send({ kind: 'result', counters });
  } finally {
    nonReading?.destroy();
    for (const connection of idleConnections) connection.close();
    for (const client of clients) await client.shutdown().catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.send?.({ kind: 'failed', error: errorText(error) } satisfies HostileLoadMessage);
    process.exit(1);
  },
);
