// The flight workload: N simulated flights each write a tracking sample every second at ONE
// through the flight-control model's own statements (FlightStore.writeTracking, the official
// driver), while the map reads the newest sample of up to 2,000 flights a second
// (FlightStore.readTracking, as the web feed does). Writes run as an open loop at N per second,
// so a slow server shows as latency, not as a slower simulation. A ladder of N values finds the
// largest N whose p99 write latency stays under the bound.

import type cassandra from 'cassandra-driver';
import { ensureSchema, type DatabaseOptions } from '../src/flights/model/database.js';
import { FlightStore } from '../src/flights/model/store.js';
import { driverClient, errorText } from './clients.js';
import { runLoad, shapeName, type Completion, type LoadTarget, type Shape } from './load.js';
import { latencies, type Latencies, type Measurement } from './measure.js';
import type { ServerGroup } from './nodes.js';
import { cpuSeconds, peakRssMiB, resetPeakRss } from './proc.js';

export const flightP99BoundMs = 50;
/** What the map shows at most (src/flights/web/live-feed.ts planesOnMapMax). */
const mapFlightsMax = 2_000;
const mapReadInflight = 8;
const trackingTtlSeconds = 3_600;

export interface FlightStep extends Measurement {
  flights: number;
  /** p99 write latency under the bound, no errors, and the rate kept. */
  held: boolean;
  mapReads: { ops: number; errors: number; firstError: string | null; latencyMs: Latencies };
}

class FlightTarget implements LoadTarget {
  readonly connectionCount = 1;
  private readonly date = new Date().toISOString().slice(0, 10);

  constructor(private readonly store: FlightStore, private readonly flights: number) {}

  private flightNumber(key: number): string {
    return `BN${String(key % this.flights).padStart(5, '0')}`;
  }

  insert(key: number, _slot: number, done: Completion): void {
    const nowMs = Date.now();
    const angle = (key % 360) * (Math.PI / 180);
    this.store.writeTracking({
      flightNumber: this.flightNumber(key), date: this.date, recordedAtMs: nowMs,
      latitude: 40 + 10 * Math.sin(angle), longitude: -3 + 10 * Math.cos(angle), altitudeFt: 35_000, groundSpeedKmh: 850,
      verticalRateFpm: 0, headingDeg: key % 360, fuelKg: 12_000, phase: 'cruise',
    }, { ttlSeconds: trackingTtlSeconds, nowMs }).then(() => done(null), (error: unknown) => done(errorText(error)));
  }

  select(key: number, _slot: number, done: Completion): void {
    this.store.readTracking({ flightNumber: this.flightNumber(key), date: this.date }, 1).then(() => done(null), (error: unknown) => done(errorText(error)));
  }
}

export interface FlightLadderOptions {
  ladder: readonly number[];
  shapes: readonly Shape[];
  warmupMs: number;
  durationMs: number;
  replicationFactor: number;
}

export async function flightLadder(group: ServerGroup, options: FlightLadderOptions, log: (line: string) => void): Promise<FlightStep[]> {
  const steps: FlightStep[] = [];
  const database: DatabaseOptions = {
    contactPoints: group.endpoints.map((e) => `${e.host}:${e.port}`), localDataCenter: 'datacenter1', keyspace: 'flights_bench',
    replication: { strategy: 'SimpleStrategy', replicationFactor: options.replicationFactor }, strongConsistency: 'QUORUM', weakConsistency: 'ONE',
  };
  for (const shape of options.shapes) {
    const client = driverClient(group.endpoints, { connectionsPerHost: Math.max(1, Math.ceil(shape.connections / group.endpoints.length)) });
    try {
      await client.connect();
      await ensureSchema(client, database);
      const store = new FlightStore(client, database);
      for (const flights of options.ladder) {
        const step = await flightStep(group, { store, client, shape, flights, options });
        steps.push(step);
        log(`  flights ${shapeName(shape)} N=${flights}: ${step.throughput} writes/s, p50 ${step.latencyMs.p50} ms, p99 ${step.latencyMs.p99} ms, map p99 ${step.mapReads.latencyMs.p99} ms, errors ${step.errors + step.mapReads.errors} -> ${step.held ? 'held' : 'not held'}`);
        if (!step.held) break;
      }
    } finally {
      await client.shutdown();
    }
  }
  return steps;
}

async function flightStep(group: ServerGroup, run: { store: FlightStore; client: cassandra.Client; shape: Shape; flights: number; options: FlightLadderOptions }): Promise<FlightStep> {
  const { store, shape, flights, options } = run;
  const pids = group.processes.map((p) => p.pid);
  for (const pid of pids) resetPeakRss(pid);
  const target = new FlightTarget(store, flights);
  const base = { warmupMs: options.warmupMs, durationMs: options.durationMs, keyOffset: 0, keyStride: 1 };
  let cpuAtStart = 0;
  let cpuAtEnd = 0;
  let clientAtStart = process.cpuUsage();
  let cpu = { user: 0, system: 0 };
  const [writes, reads] = await Promise.all([
    runLoad(target, { ...base, workload: 'insert', shape, rate: flights, keySpace: flights, readableKeys: flights }, {
      onMeasureStart: () => { cpuAtStart = cpuSeconds(pids); clientAtStart = process.cpuUsage(); },
      onMeasureEnd: () => { cpuAtEnd = cpuSeconds(pids); cpu = process.cpuUsage(clientAtStart); },
    }),
    runLoad(target, { ...base, workload: 'select', shape: { connections: 1, inflight: mapReadInflight }, rate: Math.min(flights, mapFlightsMax), keySpace: flights, readableKeys: flights }),
  ]);
  const serverCpuSeconds = Number((cpuAtEnd - cpuAtStart).toFixed(2));
  const throughput = Math.round(writes.ops / writes.seconds);
  const latencyMs = latencies(writes.histogram);
  const allOps = writes.ops + reads.ops;
  return {
    scenario: 'flights', server: group.name, workload: 'insert', client: 'driver', shape: shapeName(shape), clientThreads: 1, rateTarget: flights,
    seconds: Number(writes.seconds.toFixed(2)), ops: writes.ops, throughput, errors: writes.errors, firstError: writes.firstError, latencyMs,
    serverCpuSeconds, opsPerServerCpuSecond: serverCpuSeconds > 0 ? Math.round(allOps / serverCpuSeconds) : 0,
    clientCpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    peakRssMiB: Object.fromEntries(group.processes.map((p) => [p.name, peakRssMiB(p.pid)])),
    flights,
    held: latencyMs.p99 < flightP99BoundMs && writes.errors === 0 && reads.errors === 0 && throughput >= 0.95 * flights,
    mapReads: { ops: reads.ops, errors: reads.errors, firstError: reads.firstError, latencyMs: latencies(reads.histogram) },
  };
}
