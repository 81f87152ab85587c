// One measured run: a client of the chosen kind (in one thread or several) drives a server group
// with one workload at one shape; the server group's CPU is read from /proc when measuring starts
// and ends, and each process's peak RSS after the run.

import { Worker } from 'node:worker_threads';
import * as hdr from 'hdr-histogram-js';
import type { ConsistencyLevel } from '../src/db/common/consistency.js';
import { DriverTarget, LeanTarget, type ClientKind } from './clients.js';
import { newHistogram, runLoad, shapeName, sleep, type LoadResult, type LoadSpec, type Shape, type Workload } from './load.js';
import type { ServerGroup } from './nodes.js';
import { openWindow, type ProbeNumbers } from './probe-client.js';
import { openStorageWindow, type StorageWindow } from './storage-state.js';
import { cpuSeconds, peakRssMiB, resetPeakRss } from './proc.js';
import type { WorkerInput, WorkerMessage } from './worker.js';

export interface Latencies {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export interface Measurement {
  scenario: string;
  server: string;
  workload: Workload;
  client: ClientKind;
  shape: string;
  clientThreads: number;
  /** Open-loop rate asked for (ops/s), or null for a closed loop. */
  rateTarget: number | null;
  seconds: number;
  ops: number;
  throughput: number;
  errors: number;
  firstError: string | null;
  latencyMs: Latencies;
  serverCpuSeconds: number;
  opsPerServerCpuSecond: number;
  clientCpuSeconds: number;
  peakRssMiB: Record<string, number | null>;
  /** Per server process over the measured window: event-loop delay and GC pauses (bench/probe.ts); null when it did not answer. */
  serverProbes: Record<string, ProbeNumbers | null>;
  /** Per node: cache hits in the window, sstables and compactions at its end (storage-state.ts); absent in older results. */
  storage?: Record<string, StorageWindow | null>;
}

/** Which keys exist, carried from one run to the next on the same servers. */
export interface KeyState {
  keySpace: number;
  readable: number;
}

export interface RunRequest {
  scenario: string;
  client: ClientKind;
  workload: Workload;
  shape: Shape;
  rate: number | null;
  threads: number;
  consistency: ConsistencyLevel;
  warmupMs: number;
  durationMs: number;
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

export function latencies(histogram: hdr.Histogram): Latencies {
  const ms = (micros: number) => round(micros / 1000, 3);
  return {
    p50: ms(histogram.getValueAtPercentile(50)), p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)), max: ms(histogram.maxValue), mean: ms(histogram.mean),
  };
}

export async function measure(group: ServerGroup, request: RunRequest, keys: KeyState): Promise<Measurement> {
  const pids = group.processes.map((p) => p.pid);
  for (const pid of pids) resetPeakRss(pid);
  const spec: LoadSpec = {
    workload: request.workload, shape: request.shape, warmupMs: request.warmupMs, durationMs: request.durationMs, rate: request.rate,
    keySpace: keys.keySpace, keyOffset: 0, keyStride: 1, readableKeys: Math.max(1, keys.readable),
  };
  // Server and client CPU over the same measured window (the client's includes its worker threads).
  let cpuAtStart = 0;
  let cpuAtEnd = 0;
  let clientAtStart = process.cpuUsage();
  let clientCpu = { user: 0, system: 0 };
  let closeWindow = () => Promise.resolve({} as Record<string, ProbeNumbers | null>);
  let probes: Promise<Record<string, ProbeNumbers | null>> = Promise.resolve({});
  let closeStorage = () => Promise.resolve({} as Record<string, StorageWindow | null>);
  let storage: Promise<Record<string, StorageWindow | null>> = Promise.resolve({});
  const hooks = {
    onMeasureStart: () => {
      cpuAtStart = cpuSeconds(pids);
      clientAtStart = process.cpuUsage();
      closeWindow = openWindow(group.processes);
      closeStorage = openStorageWindow(group.processes);
    },
    onMeasureEnd: () => { cpuAtEnd = cpuSeconds(pids); clientCpu = process.cpuUsage(clientAtStart); probes = closeWindow(); storage = closeStorage(); },
  };
  const result = request.client === 'lean' && request.threads > 1
    ? await runThreaded(group, request, spec, hooks)
    : await runInThread(group, request, spec, hooks);
  if (request.workload !== 'select') keys.readable = Math.min(keys.keySpace, Math.max(keys.readable, result.inserted));
  const serverCpuSeconds = round(cpuAtEnd - cpuAtStart, 2);
  return {
    scenario: request.scenario, server: group.name, workload: request.workload, client: request.client, shape: shapeName(request.shape),
    clientThreads: request.client === 'lean' ? request.threads : 1, rateTarget: request.rate,
    seconds: round(result.seconds, 2), ops: result.ops, throughput: Math.round(result.ops / result.seconds),
    errors: result.errors, firstError: result.firstError, latencyMs: latencies(result.histogram),
    serverCpuSeconds, opsPerServerCpuSecond: serverCpuSeconds > 0 ? Math.round(result.ops / serverCpuSeconds) : 0,
    clientCpuSeconds: round((clientCpu.user + clientCpu.system) / 1e6, 2),
    peakRssMiB: Object.fromEntries(group.processes.map((p) => [p.name, peakRssMiB(p.pid)])),
    serverProbes: await probes,
    storage: await storage,
  };
}

async function runInThread(group: ServerGroup, request: RunRequest, spec: LoadSpec, hooks: { onMeasureStart(): void; onMeasureEnd(): void }): Promise<LoadResult> {
  if (request.client === 'lean') {
    const target = await LeanTarget.open(group.endpoints, { connections: request.shape.connections, consistency: request.consistency });
    try {
      return await runLoad(target, spec, hooks);
    } finally {
      target.close();
    }
  }
  const target = await DriverTarget.open(group.endpoints, { shape: request.shape, consistency: request.consistency });
  try {
    return await runLoad(target, spec, hooks);
  } finally {
    await target.close();
  }
}

/** Splits the connections over `threads` workers; thread t inserts keys t, t + threads, ... */
async function runThreaded(group: ServerGroup, request: RunRequest, spec: LoadSpec, hooks: { onMeasureStart(): void; onMeasureEnd(): void }): Promise<LoadResult> {
  const threads = Math.min(request.threads, request.shape.connections);
  const workers: Worker[] = [];
  const results: Array<Promise<WorkerMessage & { kind: 'result' }>> = [];
  const ready: Array<Promise<void>> = [];
  try {
    for (let t = 0; t < threads; t++) {
      const connections = Math.floor(request.shape.connections / threads) + (t < request.shape.connections % threads ? 1 : 0);
      const input: WorkerInput = { endpoints: group.endpoints, consistency: request.consistency, spec: {
        ...spec, shape: { ...spec.shape, connections }, keyOffset: t, keyStride: threads,
        // Each thread carries its share of an open loop's rate.
        rate: spec.rate === null ? null : (spec.rate * connections) / request.shape.connections,
      } };
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: input });
      workers.push(worker);
      const messages = workerMessages(worker);
      ready.push(messages.ready);
      results.push(messages.result);
    }
    await Promise.all(ready);
    for (const worker of workers) worker.postMessage('go');
    await sleep(spec.warmupMs);
    hooks.onMeasureStart();
    await sleep(spec.durationMs);
    hooks.onMeasureEnd();
    const done = await Promise.all(results);
    const histogram = newHistogram();
    for (const r of done) histogram.add(hdr.decodeFromCompressedBase64(r.histogram));
    const firstError = done.find((r) => r.firstError !== null)?.firstError ?? null;
    const minInserted = Math.min(...done.map((r) => r.inserted));
    return {
      ops: done.reduce((n, r) => n + r.ops, 0), errors: done.reduce((n, r) => n + r.errors, 0), firstError,
      seconds: Math.max(...done.map((r) => r.seconds)), histogram, inserted: minInserted * threads, clientCpuSeconds: 0,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

function workerMessages(worker: Worker): { ready: Promise<void>; result: Promise<WorkerMessage & { kind: 'result' }> } {
  let onReady: () => void = () => undefined;
  let onResult: (message: WorkerMessage & { kind: 'result' }) => void = () => undefined;
  let onFailure: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => { onReady = resolve; onFailure = reject; });
  const result = new Promise<WorkerMessage & { kind: 'result' }>((resolve, reject) => {
    onResult = resolve;
    const previous = onFailure;
    onFailure = (error) => { previous(error); reject(error); };
  });
  // A failure before 'ready' rejects both; the unused rejection is handled here.
  result.catch(() => undefined);
  worker.on('message', (message: WorkerMessage) => {
    if (message.kind === 'ready') onReady();
    else if (message.kind === 'result') onResult(message);
    else onFailure(new Error(`load worker failed: ${message.error}`));
  });
  worker.on('error', (error) => onFailure(error));
  return { ready, result };
}
