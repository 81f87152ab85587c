// The benchmark's modes. Quick (the default) finishes in about two minutes on a 2-core machine;
// full is for an idle machine and the numbers in bench/README.md; smoke is the smallest run
// that still exercises every scenario (the CI smoke test).

import type { ClientKind } from './clients.js';
import type { HostileSettings } from './hostile.js';
import { workloads, type Shape, type Workload } from './load.js';

export const scenarioNames = ['ceiling', 'single', 'memtable', 'cluster', 'latency', 'flights', 'storage', 'hostile'] as const;
export type ScenarioName = (typeof scenarioNames)[number];

export type Mode = 'smoke' | 'quick' | 'full';

export interface Settings {
  mode: Mode;
  warmupMs: number;
  durationMs: number;
  /** Every closed-loop scenario runs at each shape: driver-like first, then latency-like. */
  shapes: Shape[];
  /** The closed-loop workloads and clients run (--workload, --client narrow them to profile one path). */
  workloads: readonly Workload[];
  clients: readonly ClientKind[];
  /** Scenarios that also run through the official driver (all run through the lean client). */
  driverScenarios: ScenarioName[];
  /** Threads of the lean client. */
  clientThreads: number;
  /** Keys the inserts cycle through (rows of about 100 bytes). */
  keySpace: number;
  /** The memtable scenario's flush bound: far below the data it writes. */
  memtableFlushBytes: number;
  clusterNodes: number;
  curveFractions: number[];
  flightLadder: number[];
  flightNodes: number;
  storageRows: number;
  startTimeoutMs: number;
  /** The hostile-clients scenario (bench/hostile.ts). */
  hostile: HostileSettings;
  /** Scenarios run when none is named. */
  defaultScenarios: ScenarioName[];
  /** cassandra.yaml settings given to every node of the kv and flights scenarios (--node-setting; none by default). */
  nodeSettings: Readonly<Record<string, unknown>>;
}

const driverLike: Shape = { connections: 8, inflight: 32 };
const latencyLike: Shape = { connections: 64, inflight: 1 };
const allClients: readonly ClientKind[] = ['lean', 'driver'];
const allButStorage = scenarioNames.filter((name) => name !== 'storage');

export const modes: Readonly<Record<Mode, Settings>> = {
  smoke: {
    mode: 'smoke', workloads, clients: allClients, warmupMs: 250, durationMs: 500, shapes: [driverLike, latencyLike], driverScenarios: ['single'],
    clientThreads: 1, keySpace: 10_000, memtableFlushBytes: 256 * 1024, clusterNodes: 3, curveFractions: [0.5], flightLadder: [20],
    flightNodes: 1, storageRows: 20_000, startTimeoutMs: 60_000, defaultScenarios: allButStorage, nodeSettings: {},
    hostile: { connections: 50, probeRate: 200, warmupMs: 200, durationMs: 500, partitionRows: 2_000, blobBytes: 2 * 1024 * 1024 },
  },
  quick: {
    mode: 'quick', workloads, clients: allClients, warmupMs: 500, durationMs: 1_500, shapes: [driverLike, latencyLike], driverScenarios: ['ceiling', 'single'],
    clientThreads: 1, keySpace: 200_000, memtableFlushBytes: 1024 * 1024, clusterNodes: 3, curveFractions: [0.25, 0.5, 0.75],
    flightLadder: [100, 400, 1_600], flightNodes: 1, storageRows: 200_000, startTimeoutMs: 60_000, defaultScenarios: allButStorage, nodeSettings: {},
    hostile: { connections: 1_000, probeRate: 200, warmupMs: 2_000, durationMs: 10_000, partitionRows: 100_000, blobBytes: 10 * 1024 * 1024 },
  },
  full: {
    mode: 'full', workloads, clients: allClients, warmupMs: 3_000, durationMs: 15_000, shapes: [driverLike, latencyLike], driverScenarios: ['ceiling', 'single', 'cluster'],
    clientThreads: 1, keySpace: 2_000_000, memtableFlushBytes: 4 * 1024 * 1024, clusterNodes: 3, curveFractions: [0.25, 0.5, 0.75],
    flightLadder: [500, 1_000, 2_000, 4_000, 7_000, 10_000, 14_000], flightNodes: 5, storageRows: 2_000_000, startTimeoutMs: 120_000,
    hostile: { connections: 1_000, probeRate: 200, warmupMs: 5_000, durationMs: 90_000, partitionRows: 1_000_000, blobBytes: 10 * 1024 * 1024 },
    defaultScenarios: [...scenarioNames], nodeSettings: {},
  },
};
