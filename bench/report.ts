// The benchmark's results: one JSON file per run under bench/results/ (commit, machine,
// settings, every number) and Markdown tables, printed and put into bench/README.md between
// markers (replaced, never appended).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import type { FlightStep } from './flights.js';
import type { HostileResult } from './hostile.js';
import type { Measurement } from './measure.js';
import type { ProfileSummary } from './profile.js';
import type { Settings } from './settings.js';
import type { StorageBenchResult } from './storage.js';
import { storageCell } from './storage-state.js';

/** Hot point reads from sstables and from the memtable, and how many times slower the sstables are (issue 11: at most 2x). */
function hotReads(storage: StorageBenchResult): string {
  if (storage.hotSSTableReadsPerSecond === undefined) return 'n/a';
  const fit = storage.hotBlockCacheHitRatio === undefined ? '' : `; ${fmt(storage.hotKeys)} keys, block cache hits ${(storage.hotBlockCacheHitRatio * 100).toFixed(1)}%`;
  return `${fmt(storage.hotSSTableReadsPerSecond)} / ${fmt(storage.hotMemtableReadsPerSecond)} (${(storage.hotMemtableReadsPerSecond / storage.hotSSTableReadsPerSecond).toFixed(2)}x${fit})`;
}

export interface CurvePoint extends Measurement {
  /** The fraction of the measured maximum this rate is. */
  fraction: number;
  maxThroughput: number;
}

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  commit: string;
  dirty: boolean;
  machine: { cpus: number; model: string; memoryGiB: number; loadAverageAtStart: number[] };
  node: string;
  settings: Settings;
  scenarios: string[];
  measurements: Measurement[];
  curve: CurvePoint[];
  flights: FlightStep[];
  storage: StorageBenchResult | null;
  /** The hostile-clients scenario (bench/hostile.ts). */
  hostile: HostileResult | null;
  /** With --profile: each server process's top self-time functions, per server group. */
  profiles: Array<{ group: string; directory: string; processes: ProfileSummary[] }>;
}

export function machineInfo(): BenchResults['machine'] {
  const processors = cpus();
  return { cpus: processors.length, model: processors[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))) };
}

export function gitCommit(root: string): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).trim() !== '';
    return { commit, dirty };
  } catch (error) {
    // A copy without git history still benchmarks; the result says so.
    return { commit: `unknown (${(error as Error).message.split('\n')[0] ?? ''})`, dirty: false };
  }
}

export function writeResultsFile(results: BenchResults, directory: string): string {
  mkdirSync(directory, { recursive: true });
  const stamp = results.startedAt.replace(/[:.]/g, '-');
  const file = join(directory, `${stamp}-${results.commit.split(' ')[0] ?? 'unknown'}.json`);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

const fmt = (value: number) => value.toLocaleString('en-US');
const rss = (m: Measurement) => Object.entries(m.peakRssMiB).map(([name, mib]) => `${name} ${mib ?? '?'}`).join(', ');
/** Per process: event-loop delay p99/max and GC pause total over the measured window (ms). */
export const loopAndGc = (m: Pick<Measurement, 'serverProbes'>) => Object.entries(m.serverProbes ?? {})
  .map(([name, p]) => (p === null ? `${name} ?` : `${name} ${p.loopDelayP99Ms}/${p.loopDelayMaxMs} gc ${p.gcPauseMs}`)).join(', ');

function ceilingOf(results: BenchResults, m: Measurement): Measurement | undefined {
  return results.measurements.find((c) => c.scenario === 'ceiling' && c.workload === m.workload && c.client === m.client && c.shape === m.shape);
}

function ratio(value: number, base: number | undefined): string {
  return base === undefined || base === 0 ? 'n/a' : `${((100 * value) / base).toFixed(1)}%`;
}

function measurementTable(results: BenchResults): string[] {
  const lines = [
    '| scenario | workload | client | shape | ops/s | p50 ms | p99 ms | p99.9 ms | max ms | errors | server CPU s | client CPU s | ops per server CPU-s | efficiency vs ceiling | ops/s vs ceiling | peak RSS MiB | loop delay p99/max ms, GC ms | storage: chunk/key cache hits, sstables, compactions pending |',
    '|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|---|',
  ];
  for (const m of results.measurements) {
    const ceiling = m.scenario === 'ceiling' ? undefined : ceilingOf(results, m);
    lines.push(`| ${m.scenario} | ${m.workload} | ${m.client} | ${m.shape} | ${fmt(m.throughput)} | ${m.latencyMs.p50} | ${m.latencyMs.p99} | ${m.latencyMs.p999} | ${m.latencyMs.max} | ${m.errors} | ${m.serverCpuSeconds} | ${m.clientCpuSeconds} | ${fmt(m.opsPerServerCpuSecond)} | ${ratio(m.opsPerServerCpuSecond, ceiling?.opsPerServerCpuSecond)} | ${ratio(m.throughput, ceiling?.throughput)} | ${rss(m)} | ${loopAndGc(m)} | ${storageCell(m.storage)} |`);
  }
  return lines;
}

function curveTable(results: BenchResults): string[] {
  if (results.curve.length === 0) return [];
  const lines = ['', '**Latency curve** (open loop, lean client; latency from each request\'s intended start):', '',
    '| server | shape | % of max | max ops/s | target ops/s | achieved ops/s | p50 ms | p99 ms | p99.9 ms | errors | server CPU us/op | loop delay p99/max ms, GC ms | storage: chunk/key cache hits, sstables, compactions pending |', '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|'];
  for (const c of results.curve) {
    // CPU per operation rises as the rate falls: fewer answers share a socket write (report in the bench README).
    const cpuMicrosPerOp = c.ops > 0 ? fmt(Math.round((c.serverCpuSeconds * 1e6) / c.ops)) : 'n/a';
    lines.push(`| ${c.scenario} | ${c.shape} | ${Math.round(c.fraction * 100)}% | ${fmt(c.maxThroughput)} | ${fmt(c.rateTarget ?? 0)} | ${fmt(c.throughput)} | ${c.latencyMs.p50} | ${c.latencyMs.p99} | ${c.latencyMs.p999} | ${c.errors} | ${cpuMicrosPerOp} | ${loopAndGc(c)} | ${storageCell(c.storage)} |`);
  }
  return lines;
}

function flightTable(results: BenchResults): string[] {
  if (results.flights.length === 0) return [];
  const lines = ['', `**Flights** (every flight writes a sample every second at ONE through the simulator's write path, from the bench process; the real map server \`aero web\` polls the database and pushes snapshots over WebSocket; ${results.flights[0]?.server ?? ''}). CPU per write in microseconds: nodes / simulator / map server:`, '',
    '| shape | flights | writes/s | write p99 ms | write max ms | planes on map | map snapshots/s | snapshot gap p99 ms | errors | CPU us per write (nodes/sim/web) | ops per server CPU-s | held (p99 < 50 ms) | loop delay p99/max ms, GC ms |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|'];
  for (const f of results.flights) {
    const cpu = f.cpuMicrosPerWrite === undefined ? 'n/a' : `${fmt(f.cpuMicrosPerWrite.nodes)} / ${fmt(f.cpuMicrosPerWrite.simulator)} / ${fmt(f.cpuMicrosPerWrite.web)}`;
    lines.push(`| ${f.shape} | ${fmt(f.flights)} | ${fmt(f.throughput)} | ${f.latencyMs.p99} | ${f.latencyMs.max} | ${fmt(f.mapReads.planes ?? 0)} | ${(f.mapReads.ops / f.seconds).toFixed(2)} | ${f.mapReads.latencyMs.p99} | ${f.errors + f.mapReads.errors} | ${cpu} | ${fmt(f.opsPerServerCpuSecond)} | ${f.held ? 'yes' : 'no'} | ${loopAndGc(f)} |`);
  }
  return lines;
}

function profileTables(results: BenchResults): string[] {
  const lines: string[] = [];
  for (const group of results.profiles ?? []) {
    for (const p of group.processes) {
      lines.push('', `**CPU profile, ${group.group}, ${p.process}** (whole process life: ${fmt(p.busyMs)} ms busy, ${fmt(p.idleMs)} ms idle; self time):`, '',
        '| self ms | share | function |', '|--:|--:|---|', ...p.top.map((t) => `| ${t.selfMs} | ${(t.share * 100).toFixed(1)}% | \`${t.frame}\` |`));
    }
  }
  return lines;
}

export function largestFlightsHeld(results: BenchResults, shape: string): number {
  return results.flights.filter((f) => f.shape === shape && f.held).reduce((best, f) => Math.max(best, f.flights), 0);
}

interface TargetRow {
  target: string;
  goal: string;
  measured: string;
  gap: string;
}

function find(results: BenchResults, scenario: string, workload: string, client = 'lean', shape = '8x32'): Measurement | undefined {
  return results.measurements.find((m) => m.scenario === scenario && m.workload === workload && m.client === client && m.shape === shape);
}

function atLeast(target: string, goal: number, value: number | undefined, unit: string): TargetRow {
  if (value === undefined) return { target, goal: `>= ${fmt(goal)} ${unit}`, measured: 'not run', gap: 'n/a' };
  const gap = value >= goal ? 'met' : value <= 0 ? `${fmt(goal)} short (none reached)` : `${fmt(goal - value)} short (${(goal / value).toFixed(1)}x needed)`;
  return { target, goal: `>= ${fmt(goal)} ${unit}`, measured: fmt(value), gap };
}

function below(target: string, goal: number, value: number | undefined): TargetRow {
  if (value === undefined) return { target, goal: `< ${goal} ms`, measured: 'not run', gap: 'n/a' };
  return { target, goal: `< ${goal} ms`, measured: `${value} ms`, gap: value < goal ? 'met' : `${(value - goal).toFixed(1)} ms over` };
}

export function targetRows(results: BenchResults): TargetRow[] {
  const curveAt = (scenario: string) => results.curve.find((c) => c.scenario === scenario && c.shape === '8x32' && c.fraction === 0.5)?.latencyMs.p99;
  const perCpu = (scenario: string, workload: string) => find(results, scenario, workload)?.opsPerServerCpuSecond;
  const flightShape = results.flights.some((f) => f.shape === '8x32') ? '8x32' : (results.flights[0]?.shape ?? '8x32');
  const flightNodes = results.flights[0]?.server ?? 'not run';
  return [
    atLeast('single node, ONE, prepared INSERT, 8x32: ops per server CPU-s', 50_000, perCpu('single', 'insert'), 'ops/CPU-s'),
    atLeast('single node, ONE, prepared SELECT, 8x32: ops per server CPU-s', 40_000, perCpu('single', 'select'), 'ops/CPU-s'),
    atLeast('3 nodes RF=3 QUORUM, INSERT, 8x32: client ops per server CPU-s (all nodes)', 12_000, perCpu('cluster', 'insert'), 'ops/CPU-s'),
    atLeast('3 nodes RF=3 QUORUM, SELECT, 8x32: client ops per server CPU-s (all nodes)', 12_000, perCpu('cluster', 'select'), 'ops/CPU-s'),
    atLeast('3 nodes RF=3 QUORUM, mixed, 8x32: client ops per server CPU-s (all nodes)', 12_000, perCpu('cluster', 'mixed'), 'ops/CPU-s'),
    below('single node: p99 at 50% of max (mixed, 8x32 window)', 5, curveAt('single')),
    below('3 nodes QUORUM: p99 at 50% of max (mixed, 8x32 window)', 10, curveAt('cluster')),
    atLeast(`flights held with p99 write < 50 ms (${flightShape}, ${flightNodes}; target on 5 nodes)`, 10_000, results.flights.length === 0 ? undefined : largestFlightsHeld(results, flightShape), 'flights'),
  ];
}

/** The hostile-clients scenario: the well-behaved client idle and under load, memory against the bound, what each hostile client did. */
export function hostileTable(hostile: HostileResult | null | undefined): string[] {
  if (hostile === null || hostile === undefined) return [];
  const { probe, memory, hostile: h, settings } = hostile;
  return ['', `**Hostile clients** (1 node; the well-behaved client: lean, ${settings.probeRate} ops/s, prepared point reads and writes, from 127.0.0.2):`, '',
    '| idle p50 / p99 ms | loaded p50 / p99 ms | p99 ratio (goal <= 2) | probe ops / errors (loaded) | peak RSS MiB | bound MiB (at rest + configured + V8 young generation) | node up |',
    '|--:|--:|--:|--:|--:|--:|---|',
    `| ${probe.idle.latencyMs.p50} / ${probe.idle.latencyMs.p99} | ${probe.loaded.latencyMs.p50} / ${probe.loaded.latencyMs.p99} | ${probe.p99Ratio}x | ${fmt(probe.loaded.ops)} / ${probe.loaded.errors} | ` +
      `${memory.peakRssMiB} | ${memory.boundMiB} (${memory.restRssMiB} + ${memory.configuredMiB} + ${memory.youngGenerationMiB})${memory.withinBound ? '' : ' **exceeded**'} | ${hostile.nodeUp ? 'yes' : '**no**'} |`,
    '', '| connections open (failed) | requests never read | oversized batches refused (accepted) | blobs written / read (errors) | partition rows written (errors) | rows paged (pages, errors) |',
    '|--:|--:|--:|--:|--:|--:|',
    `| ${fmt(h.connectionsOpened)} (${h.connectionsFailed}) | ${fmt(h.nonReaderRequestsSent)} | ${fmt(h.oversizedBatchesRefused)} (${h.oversizedBatchesAccepted}) | ${h.blobsWritten} / ${h.blobsRead} (${h.blobErrors}) | ` +
      `${fmt(h.partitionRowsWritten)} (${h.partitionWriteErrors}) | ${fmt(h.partitionRowsPaged)} (${h.partitionPages}, ${h.partitionPageErrors}) |`,
    ...(h.firstError === null && h.firstConnectionError === null ? [] : ['', `First error: ${h.firstError ?? h.firstConnectionError ?? ''}`])];
}

export function markdown(results: BenchResults): string {
  const header = [
    `All numbers below come from one run: \`npm run bench -- --${results.settings.mode}\` started ${results.startedAt}, commit \`${results.commit}\`${results.dirty ? ' (with uncommitted changes)' : ''},`,
    `${results.machine.cpus} x ${results.machine.model}, ${results.machine.memoryGiB} GiB, Node ${results.node}, load average at start ${results.machine.loadAverageAtStart.join(' / ')}.`,
    ...(results.settings.mode === 'full' ? [] : [`**${results.settings.mode} mode: short runs, for checking that everything works; quote only a full run's numbers, on an idle machine.**`]),
    `Each closed-loop run: ${results.settings.warmupMs / 1000} s warm-up, ${results.settings.durationMs / 1000} s measured; shape = connections x requests in flight per connection; lean client in ${results.settings.clientThreads} thread(s).`,
    'Server CPU is utime+stime of every server process of the scenario (/proc), over the measured window. "vs ceiling" compares with the protocol-ceiling server at the same client, workload and shape in this run: the share of the ceiling\'s efficiency (ops per server CPU-second) and throughput the database keeps.',
    '',
  ];
  const targets = ['', '**Targets (issue 7)**:', '', '| target | goal | measured | gap |', '|---|---|---|---|',
    ...targetRows(results).map((t) => `| ${t.target} | ${t.goal} | ${t.measured} | ${t.gap} |`)];
  const storage = results.storage === null ? [] : ['', '**Storage engine** (in-process, no network):', '',
    '| rows | writes/s | scan rows/s | point reads/s (cold) | hot reads/s: sstables / memtable (ratio) | peak RSS MiB | data MiB |', '|--:|--:|--:|--:|--:|--:|--:|',
    `| ${fmt(results.storage.rows)} | ${fmt(results.storage.writeRowsPerSecond)} | ${fmt(results.storage.scanRowsPerSecond)} | ${fmt(results.storage.pointReadsPerSecond)} | ${hotReads(results.storage)} | ${results.storage.peakRssMiB} | ${results.storage.dataMiB} |`];
  return [...header, ...measurementTable(results), ...curveTable(results), ...flightTable(results), ...storage, ...hostileTable(results.hostile), ...targets, ...profileTables(results), ''].join('\n');
}

export const readmeStart = '<!-- bench-results:start -->';
export const readmeEnd = '<!-- bench-results:end -->';

/** Replaces what is between the markers of bench/README.md (adds the markers at the end if missing). */
export function updateReadme(file: string, table: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = text.indexOf(readmeStart);
  const end = text.indexOf(readmeEnd);
  const block = `${readmeStart}\n${table}\n${readmeEnd}`;
  const next = start >= 0 && end > start ? `${text.slice(0, start)}${block}${text.slice(end + readmeEnd.length)}` : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}
