// The flight workload: N flights are scheduled (flights_by_date, status en route, as the
// simulator's flights are), then each writes a sample every second through the simulator's own
// write path (FlightStore.writeSamples: tracking and position in unlogged batches, the samples due
// within 10 ms together, as the simulator writes a tick's; the official driver; a write in the
// numbers below is one flight's sample, both statements) from the bench process, the
// simulator's stand-in, while the real map server (`aero web`, bench/flight-map.ts) polls the
// database and pushes snapshots to a WebSocket subscriber. Writes run as an open loop at N per
// second, so a slow server shows as latency, not as a slower simulation. The nodes', the
// simulator's (this process) and the map server's CPU are reported apart. A ladder of N values
// finds the largest N whose p99 write latency stays under the bound.

import { ensureSchema, type DatabaseOptions } from '../src/flights/model/database.js';
import { scheduledStatus } from '../src/flights/model/flight.js';
import type { PlanePosition } from '../src/flights/model/positions.js';
import { FlightStore } from '../src/flights/model/store.js';
import { planesOnMapMax } from '../src/flights/web/live-feed.js';
import { driverClient, errorText } from './clients.js';
import { startMapServer, type MapServer } from './flight-map.js';
import { runLoad, shapeName, type Completion, type LoadTarget, type Shape } from './load.js';
import { latencies, type Latencies, type Measurement } from './measure.js';
import type { ServerGroup } from './nodes.js';
import { openWindow, type ProbeNumbers } from './probe-client.js';
import { cpuSeconds, peakRssMiB, resetPeakRss } from './proc.js';

export const flightP99BoundMs = 50;
const trackingTtlSeconds = 3_600;
const registerConcurrency = 64;
/** How long a due sample may wait for others to share its batch. */
const sliceMs = 10;
const keyspace = 'flights_bench';
/** The map server re-reads the flight list every few polls: how long newly scheduled flights may take to show. */
const mapCatchUpMs = 15_000;

export interface FlightStep extends Measurement {
  flights: number;
  /** p99 write latency under the bound, no errors, and the rate kept. */
  held: boolean;
  /** The map server's WebSocket snapshots over the measured window: ops = snapshots, errors = unhealthy ones, latency = gaps between them. */
  mapReads: { ops: number; errors: number; firstError: string | null; latencyMs: Latencies; planes: number };
  /** CPU seconds over the measured window: the simulator's stand-in (this process) and the map server. */
  simulatorCpuSeconds: number;
  webCpuSeconds: number;
  /** CPU microseconds per tracking write: nodes, simulator, map server. */
  cpuMicrosPerWrite: { nodes: number; simulator: number; web: number };
}

class FlightTarget implements LoadTarget {
  readonly connectionCount = 1;
  private readonly date = new Date().toISOString().slice(0, 10);
  private pending: Array<{ position: PlanePosition; done: Completion }> = [];
  private sliceTimer: NodeJS.Timeout | null = null;

  constructor(private readonly store: FlightStore, private readonly flights: number) {}

  private flightNumber(key: number): string {
    return `BN${String(key % this.flights).padStart(5, '0')}`;
  }

  insert(key: number, _slot: number, done: Completion): void {
    this.pending.push({ position: this.position(key, Date.now()), done });
    this.sliceTimer ??= setTimeout(() => this.flush(), sliceMs);
  }

  /**
   * The samples due in one slice of time go out together through the simulator's write path
   * (FlightStore.writeSamples: unlogged batches of tracking and position), as the simulator
   * writes a tick's samples; each sample completes when its batch does.
   */
  private flush(): void {
    if (this.sliceTimer !== null) clearTimeout(this.sliceTimer);
    this.sliceTimer = null;
    const due = this.pending;
    this.pending = [];
    if (due.length === 0) return;
    this.store.writeSamples(due.map((d) => d.position), { ttlSeconds: trackingTtlSeconds, nowMs: Date.now() }).then(
      () => { for (const d of due) d.done(null); },
      (error: unknown) => { for (const d of due) d.done(errorText(error)); },
    );
  }

  private position(key: number, nowMs: number): PlanePosition {
    const angle = (key % 360) * (Math.PI / 180);
    return {
      flightNumber: this.flightNumber(key), date: this.date, recordedAtMs: nowMs,
      latitude: 40 + 10 * Math.sin(angle), longitude: -3 + 10 * Math.cos(angle), altitudeFt: 35_000, groundSpeedKmh: 850,
      verticalRateFpm: 0, headingDeg: key % 360, fuelKg: 12_000, phase: 'cruise', origin: 'MAD', destination: 'JFK', status: 'en_route',
    };
  }

  /** One flight's sample written alone (registration). */
  private async writeSample(key: number, nowMs: number): Promise<void> {
    await this.store.writeSamples([this.position(key, nowMs)], { ttlSeconds: trackingTtlSeconds, nowMs });
  }

  select(key: number, _slot: number, done: Completion): void {
    this.store.readTracking({ flightNumber: this.flightNumber(key), date: this.date }, 1).then(() => done(null), (error: unknown) => done(errorText(error)));
  }

  /** Schedules flights [from, to) as the simulator would find them: in flights_by_date, en route. */
  async register(from: number, to: number): Promise<void> {
    let next = from;
    const nowMs = Date.now();
    const worker = async () => {
      while (next < to) {
        const flightNumber = this.flightNumber(next++);
        const plan = { flightNumber, date: this.date, origin: 'MAD', destination: 'JFK', departureAtMs: nowMs - 3_600_000, arrivalAtMs: nowMs + 3_600_000, speedKmh: 850 };
        await this.store.addFlight(plan, { gate: 'A1', nowMs, initial: { ...scheduledStatus(nowMs, 'schedule'), status: 'en_route' } });
        await this.writeSample(next - 1, Date.now());
      }
    };
    await Promise.all(Array.from({ length: registerConcurrency }, worker));
  }
}

export interface FlightLadderOptions {
  ladder: readonly number[];
  shapes: readonly Shape[];
  warmupMs: number;
  durationMs: number;
  replicationFactor: number;
  startTimeoutMs: number;
  profileDir: string | null;
}

export async function flightLadder(group: ServerGroup, options: FlightLadderOptions, log: (line: string) => void): Promise<FlightStep[]> {
  const steps: FlightStep[] = [];
  const database: DatabaseOptions = {
    contactPoints: group.endpoints.map((e) => `${e.host}:${e.port}`), localDataCenter: 'datacenter1', keyspace,
    replication: { strategy: 'SimpleStrategy', replicationFactor: options.replicationFactor }, strongConsistency: 'QUORUM', weakConsistency: 'ONE',
  };
  let map: MapServer | null = null;
  let registered = 0;
  try {
    for (const shape of options.shapes) {
      const client = driverClient(group.endpoints, { connectionsPerHost: Math.max(1, Math.ceil(shape.connections / group.endpoints.length)) });
      try {
        await client.connect();
        await ensureSchema(client, database);
        const store = new FlightStore(client, database);
        map ??= await startMapServer(group.endpoints, { keyspace, replicationFactor: options.replicationFactor, startTimeoutMs: options.startTimeoutMs, profileDir: options.profileDir });
        for (const flights of options.ladder) {
          const target = new FlightTarget(store, flights);
          if (flights > registered) await target.register(registered, flights);
          registered = Math.max(registered, flights);
          await map.waitForPlanes(Math.min(flights, planesOnMapMax), mapCatchUpMs);
          const step = await flightStep(group, { target, map, shape, flights, options });
          steps.push(step);
          log(`  flights ${shapeName(shape)} N=${flights}: ${step.throughput} writes/s, p50 ${step.latencyMs.p50} ms, p99 ${step.latencyMs.p99} ms, ` +
            `map ${step.mapReads.planes} planes, snapshot gap p99 ${step.mapReads.latencyMs.p99} ms; CPU us/write nodes ${step.cpuMicrosPerWrite.nodes}, ` +
            `sim ${step.cpuMicrosPerWrite.simulator}, web ${step.cpuMicrosPerWrite.web}; errors ${step.errors + step.mapReads.errors} -> ${step.held ? 'held' : 'not held'}`);
          if (!step.held) break;
        }
      } finally {
        await client.shutdown();
      }
    }
  } finally {
    await map?.stop();
  }
  return steps;
}

async function flightStep(group: ServerGroup, run: { target: FlightTarget; map: MapServer; shape: Shape; flights: number; options: FlightLadderOptions }): Promise<FlightStep> {
  const { target, map, shape, flights, options } = run;
  const pids = group.processes.map((p) => p.pid);
  for (const pid of [...pids, map.process.pid]) resetPeakRss(pid);
  const base = { warmupMs: options.warmupMs, durationMs: options.durationMs, keyOffset: 0, keyStride: 1 };
  const cpuAt = () => ({ nodes: cpuSeconds(pids), web: cpuSeconds([map.process.pid]), simulator: process.cpuUsage() });
  let atStart = cpuAt();
  let used = { nodes: 0, web: 0, simulator: 0 };
  let closeWindow = () => Promise.resolve({} as Record<string, ProbeNumbers | null>);
  let probes: Promise<Record<string, ProbeNumbers | null>> = Promise.resolve({});
  let mapWindow = map.window();
  const writes = await runLoad(target, { ...base, workload: 'insert', shape, rate: flights, keySpace: flights, readableKeys: flights }, {
    onMeasureStart: () => { atStart = cpuAt(); closeWindow = openWindow([...group.processes, map.process]); map.reset(); },
    onMeasureEnd: () => {
      const simulator = process.cpuUsage(atStart.simulator);
      used = { nodes: cpuSeconds(pids) - atStart.nodes, web: cpuSeconds([map.process.pid]) - atStart.web, simulator: (simulator.user + simulator.system) / 1e6 };
      probes = closeWindow();
      mapWindow = map.window();
    },
  });
  const round2 = (value: number) => Number(value.toFixed(2));
  const serverCpuSeconds = round2(used.nodes);
  const throughput = Math.round(writes.ops / writes.seconds);
  const latencyMs = latencies(writes.histogram);
  const perWrite = (seconds: number) => (writes.ops > 0 ? Math.round((seconds * 1e6) / writes.ops) : 0);
  return {
    scenario: 'flights', server: group.name, workload: 'insert', client: 'driver', shape: shapeName(shape), clientThreads: 1, rateTarget: flights,
    seconds: Number(writes.seconds.toFixed(2)), ops: writes.ops, throughput, errors: writes.errors, firstError: writes.firstError, latencyMs,
    serverCpuSeconds, opsPerServerCpuSecond: serverCpuSeconds > 0 ? Math.round(writes.ops / serverCpuSeconds) : 0,
    clientCpuSeconds: round2(used.simulator),
    peakRssMiB: Object.fromEntries([...group.processes, map.process].map((p) => [p.name, peakRssMiB(p.pid)])),
    serverProbes: await probes,
    flights,
    held: latencyMs.p99 < flightP99BoundMs && writes.errors === 0 && mapWindow.unhealthy === 0 && throughput >= 0.95 * flights,
    mapReads: { ops: mapWindow.snapshots, errors: mapWindow.unhealthy, firstError: mapWindow.firstError, latencyMs: latencies(mapWindow.gapsMs), planes: mapWindow.planes },
    simulatorCpuSeconds: round2(used.simulator), webCpuSeconds: round2(used.web),
    cpuMicrosPerWrite: { nodes: perWrite(used.nodes), simulator: perWrite(used.simulator), web: perWrite(used.web) },
  };
}
