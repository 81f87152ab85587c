// A load-generator thread (worker_threads) for when one client thread saturates: it opens its
// own lean connections, waits for 'go', runs its share of the load and posts its counts and its
// histogram (HDR, compressed) back to the main thread, which merges them.

import { parentPort, workerData } from 'node:worker_threads';
import * as hdr from 'hdr-histogram-js';
import type { ConsistencyLevel } from '../src/db/common/consistency.js';
import { LeanTarget, errorText, type Endpoint } from './clients.js';
import { runLoad, type LoadSpec } from './load.js';

export interface WorkerInput {
  endpoints: Endpoint[];
  consistency: ConsistencyLevel;
  spec: LoadSpec;
}

export type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'failed'; error: string }
  | { kind: 'result'; ops: number; errors: number; firstError: string | null; seconds: number; histogram: string; inserted: number };

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('bench/worker.js runs only as a worker thread');
  const input = workerData as WorkerInput;
  const post = (message: WorkerMessage) => port.postMessage(message);
  let target: LeanTarget;
  try {
    target = await LeanTarget.open(input.endpoints, { connections: input.spec.shape.connections, consistency: input.consistency });
  } catch (error) {
    post({ kind: 'failed', error: errorText(error) });
    return;
  }
  // Connected: wait for every thread to be, so they all start measuring together.
  const go = new Promise<void>((resolve) => port.once('message', () => resolve()));
  post({ kind: 'ready' });
  await go;
  const result = await runLoad(target, input.spec);
  target.close();
  post({
    kind: 'result', ops: result.ops, errors: result.errors, firstError: result.firstError, seconds: result.seconds,
    histogram: hdr.encodeIntoCompressedBase64(result.histogram), inserted: result.inserted,
  });
}

main().catch((error: unknown) => {
  parentPort?.postMessage({ kind: 'failed', error: errorText(error) } satisfies WorkerMessage);
});
