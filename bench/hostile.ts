// The hostile-clients scenario (issue 14, overload): one node with its memory bounded by its
// configuration, a well-behaved client measured first on the idle node, then again while every
// kind of hostile client runs at once:
//
// - N idle client connections (1,000 in the full run; STARTUP, then nothing);
// - a client that pipelines requests (each answered with a 64 KiB row) and never reads a byte;
// - batches over batch_size_fail_threshold (refused before anything is written);
// - 10 MiB blobs written and read back, one after another;
// - one partition growing towards a million rows (32 concurrent inserts) while another client
//   pages through it (fetchSize 5000) from the start, again and again.
//
// The well-behaved client is the lean client at a modest fixed rate (an open loop, latency from
// each request's intended start), prepared point reads and writes of ~100-byte rows, connecting
// from 127.0.0.2 (another client host: the per-address request-data bound of the hostile clients
// on 127.0.0.1 is not its). Reported: its p99 under load as a ratio to the idle p99 (issue goal:
// within 2x), the node's peak RSS against the bound its configuration implies, and whether the
// node stayed up and answering.

import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type cassandra from 'cassandra-driver';
import { ConsistencyLevel } from '../src/db/common/consistency.js';
import { driverClient, LeanTarget } from './clients.js';
import type { HostileLoadMessage } from './hostile-load.js';
import { runLoad } from './load.js';
import { latencies, type Latencies } from './measure.js';
import { nodeRuntimeFlags } from '../src/db/node/runtime-flags.js';
import { repositoryRoot, startNodes, type ServerGroup } from './nodes.js';
import { peakRssMiB, resetPeakRss } from './proc.js';
import { createKeyspaceCql, createTableCql } from './statements.js';

const MiB = 1024 * 1024;

export interface HostileSettings {
  /** Idle client connections opened by the hostile side. */
  connections: number;
  /** The well-behaved client's rate (operations per second, half reads, half writes). */
  probeRate: number;
  /** Measured seconds of each phase (idle, loaded); warm-up before each. */
  warmupMs: number;
  durationMs: number;
  /** Rows the big partition grows towards (the writers stop there or when the phase ends). */
  partitionRows: number;
  blobBytes: number;
}

/** The node's configuration: every bound a hostile client can reach, set. */
export const hostileNodeSettings = {
  native_transport_max_request_data_in_flight: '64MiB',
  native_transport_max_request_data_in_flight_per_ip: '32MiB',
  native_transport_max_frame_size: '16MiB',
  native_transport_max_concurrent_connections: 1024,
  memtable_heap_space: '64MiB',
  key_cache_size_in_mb: 16,
  file_cache_size_in_mb: 32,
  batch_size_fail_threshold_in_kb: 50,
  write_request_timeout: '10s',
  read_request_timeout: '10s',
} as const;
const memtableFlushBytes = 16 * MiB;

/** The memory the configuration allows beyond the node at rest (docs/reliability.md, "Overload"): request data in flight, memtables (live and as much again flushing), caches. */
const configuredMiB = 64 + 2 * 64 + 16 + 32;

/**
 * V8's young generation as the node's command line sizes it (src/db/node/runtime-flags.ts):
 * two semi-spaces, used in turn, so both are resident once the node is busy. It holds garbage
 * on top of the bytes the configured bounds count, and is as fixed a part of the node's
 * configuration as they are.
 */
export function youngGenerationMiB(flags: readonly string[]): number {
  const semiSpace = flags.map((flag) => /^--max-semi-space-size=(\d+)$/.exec(flag)?.[1]).find((value) => value !== undefined);
  return 2 * (semiSpace === undefined ? 16 : Number(semiSpace));
}

export interface HostileResult {
  settings: HostileSettings;
  nodeSettings: Record<string, unknown>;
  probe: {
    idle: { ops: number; errors: number; latencyMs: Latencies };
    loaded: { ops: number; errors: number; firstError: string | null; latencyMs: Latencies };
    /** Loaded p99 / idle p99 (goal: <= 2). */
    p99Ratio: number;
  };
  /** boundMiB = restRssMiB + configuredMiB + youngGenerationMiB. */
  memory: { restRssMiB: number; peakRssMiB: number; boundMiB: number; configuredMiB: number; youngGenerationMiB: number; withinBound: boolean };
  nodeUp: boolean;
  /** Wall-clock seconds of the whole scenario, node start to stop. */
  seconds: number;
  hostile: HostileCounters;
}

/** What each hostile client did (bench/hostile-load.ts). */
export interface HostileCounters {
  connectionsOpened: number;
  connectionsFailed: number;
  firstConnectionError: string | null;
  nonReaderRequestsSent: number;
  oversizedBatchesRefused: number;
  oversizedBatchesAccepted: number;
  batchOtherErrors: number;
  blobsWritten: number;
  blobsRead: number;
  blobErrors: number;
  partitionRowsWritten: number;
  partitionWriteErrors: number;
  partitionRowsPaged: number;
  partitionPages: number;
  partitionPageErrors: number;
  firstError: string | null;
}

type Log = (line: string) => void;

const schema = [
  "CREATE KEYSPACE IF NOT EXISTS hostile WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}",
  'CREATE TABLE IF NOT EXISTS hostile.blobs (k int PRIMARY KEY, v blob)',
  'CREATE TABLE IF NOT EXISTS hostile.wide (p int, c int, v text, PRIMARY KEY (p, c))',
  'CREATE TABLE IF NOT EXISTS hostile.batched (k int PRIMARY KEY, v text)',
];

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? 0 : Math.round(Number(match[1]) / 1024);
}

function isRunning(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return false;
  return !/\) [ZX] /.test(readFileSync(stat, 'utf8'));
}

export async function hostileScenario(settings: HostileSettings, options: { startTimeoutMs: number; log: Log; profileDir?: string | null }): Promise<HostileResult> {
  const { log } = options;
  const group: ServerGroup = await startNodes({ nodes: 1, startTimeoutMs: options.startTimeoutMs, memtableFlushBytes, more: hostileNodeSettings, profileDir: options.profileDir ?? null });
  const node = group.processes[0];
  const endpoint = group.endpoints[0];
  if (node === undefined || endpoint === undefined) throw new Error('no node started');
  const started = Date.now();
  const clients: cassandra.Client[] = [];
  let probe: LeanTarget | null = null;
  let load: ChildProcess | null = null;
  try {
    const setup = driverClient([endpoint], { connectionsPerHost: 1, requestTimeoutMs: 60_000 });
    clients.push(setup);
    await setup.connect();
    for (const statement of [createKeyspaceCql(1), createTableCql, ...schema]) await setup.execute(statement);
    await setup.execute('INSERT INTO hostile.blobs (k, v) VALUES (?, ?)', [-1, randomBytes(64 * 1024)], { prepare: true });

    // The well-behaved client, from another address: prepared point reads and writes at a fixed rate.
    probe = await LeanTarget.open([endpoint], { connections: 2, consistency: ConsistencyLevel.ONE, localAddress: '127.0.0.2' });
    const probeSpec = {
      workload: 'mixed' as const, shape: { connections: 2, inflight: 16 }, warmupMs: settings.warmupMs, durationMs: settings.durationMs,
      rate: settings.probeRate, keySpace: 10_000, keyOffset: 0, keyStride: 1, readableKeys: 10_000,
    };
    const idle = await runLoad(probe, probeSpec);
    const idleLatency = latencies(idle.histogram);
    log(`  hostile: idle node, well-behaved client at ${settings.probeRate} ops/s: p50 ${idleLatency.p50} ms, p99 ${idleLatency.p99} ms, errors ${idle.errors}`);

    const restRssMiB = rssMiB(node.pid);
    resetPeakRss(node.pid);
    // Every hostile client at once, in a process of their own (bench/hostile-load.ts).
    const child = fork(join(repositoryRoot, 'dist', 'bench', 'hostile-load.js'), [JSON.stringify({ endpoint, settings })], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    load = child;
    const next = () => new Promise<HostileLoadMessage>((resolve, reject) => {
      const onMessage = (message: HostileLoadMessage) => { child.off('exit', onExit); resolve(message); };
      const onExit = (code: number | null) => { child.off('message', onMessage); reject(new Error(`the hostile clients' process exited (${code})`)); };
      child.once('message', onMessage);
      child.once('exit', onExit);
    });
    const startedMessage = await next();
    if (startedMessage.kind !== 'started') throw new Error(`hostile clients: ${startedMessage.kind === 'failed' ? startedMessage.error : 'unexpected message'}`);

    // The well-behaved client again, with all of that going on.
    const loaded = await runLoad(probe, probeSpec);
    const loadedLatency = latencies(loaded.histogram);
    const peak = peakRssMiB(node.pid) ?? rssMiB(node.pid);
    child.send('stop');
    const outcome = await next();
    if (outcome.kind !== 'result') throw new Error(`hostile clients: ${outcome.kind === 'failed' ? outcome.error : 'unexpected message'}`);
    const counters = outcome.counters;
    const nodeUp = isRunning(node.pid) && (await setup.execute('SELECT key FROM system.local').then(() => true, () => false));
    const youngMiB = youngGenerationMiB(nodeRuntimeFlags);
    const boundMiB = restRssMiB + configuredMiB + youngMiB;
    const result: HostileResult = {
      settings, nodeSettings: { ...hostileNodeSettings, memtable_flush_bytes: memtableFlushBytes },
      probe: {
        idle: { ops: idle.ops, errors: idle.errors, latencyMs: idleLatency },
        loaded: { ops: loaded.ops, errors: loaded.errors, firstError: loaded.firstError, latencyMs: loadedLatency },
        p99Ratio: Number((loadedLatency.p99 / Math.max(idleLatency.p99, 0.001)).toFixed(2)),
      },
      memory: { restRssMiB, peakRssMiB: peak, boundMiB, configuredMiB, youngGenerationMiB: youngMiB, withinBound: peak <= boundMiB },
      nodeUp,
      seconds: Math.round((Date.now() - started) / 1000),
      hostile: counters,
    };
    log(`  hostile: under load p50 ${loadedLatency.p50} ms, p99 ${loadedLatency.p99} ms (${result.probe.p99Ratio}x idle), errors ${loaded.errors}; ` +
      `node peak RSS ${peak} MiB, bound ${boundMiB} MiB (${restRssMiB} at rest + ${configuredMiB} configured + ${youngMiB} V8 young generation); node ${nodeUp ? 'up' : 'DOWN'}`);
    log(`  hostile: ${counters.connectionsOpened} connections (${counters.connectionsFailed} failed), ${counters.nonReaderRequestsSent} requests never read, ` +
      `${counters.oversizedBatchesRefused} oversized batches refused (${counters.oversizedBatchesAccepted} accepted), ${counters.blobsWritten} blobs written / ${counters.blobsRead} read, ` +
      `${counters.partitionRowsWritten} partition rows written, ${counters.partitionRowsPaged} paged in ${counters.partitionPages} pages` +
      (counters.firstError === null ? '' : `; first error: ${counters.firstError}`));
    return result;
  } finally {
    if (load !== null && load.exitCode === null) load.kill('SIGKILL');
    probe?.close();
    for (const client of clients) await client.shutdown().catch(() => undefined);
    await group.stop();
  }
}
