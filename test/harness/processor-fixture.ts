// What in-process query-processor tests share: a wall clock and real randomness (nothing
// depends on their values), and an empty storage engine and schema on a simulated disk.

import { randomBytes } from 'node:crypto';
import type { Clock, Random } from '../../src/db/common/world.js';
import { silentLogger } from '../../src/db/common/world.js';
import { Schema } from '../../src/db/schema/schema.js';
import { StorageEngine } from '../../src/db/storage/engine.js';
import { SimulatedDisk } from './simulated-disk.js';

export interface ProcessorFixture {
  clock: Clock;
  random: Random;
  storage: StorageEngine;
  schema: Schema;
}

/** monotonicMs defaults to performance.now(); tests that move time themselves pass their own. */
export async function openProcessorFixture(options: { monotonicMs?: () => number } = {}): Promise<ProcessorFixture> {
  let micros = Date.now() * 1000;
  const clock: Clock = {
    nowMs: () => Date.now(), nowMicros: () => ++micros, monotonicMs: options.monotonicMs ?? (() => performance.now()),
    setTimer: (delayMs, fn) => { const t = setTimeout(fn, delayMs); return { cancel: () => clearTimeout(t) }; },
    sleep: (delayMs) => new Promise((resolve) => setTimeout(resolve, delayMs)),
  };
  const random: Random = { nextFloat: () => Math.random(), nextInt: (n) => Math.floor(Math.random() * n), bytes: (n) => randomBytes(n) };
  const disk = new SimulatedDisk();
  await disk.makeDirectory('data');
  await disk.makeDirectory('commitlog');
  const storage = await StorageEngine.open({
    world: { clock, disk, logger: silentLogger }, dataDirectory: 'data', commitLogDirectory: 'commitlog',
    syncMode: 'batch', syncPeriodMs: 10, memtableFlushBytes: 1 << 20, tables: [],
  });
  const schema = new Schema({ random, disk, path: 'data/schema.json' });
  return { clock, random, storage, schema };
}
