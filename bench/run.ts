// `npm run bench`: the benchmark suite (issue 7). Starts real servers (the protocol ceiling,
// `aero node` processes), drives them with the lean pipelined client and the official driver,
// and reports throughput, latency percentiles, errors, server CPU and memory per scenario.
//
//   npm run bench                       quick mode (about two minutes)
//   npm run bench -- --full             every scenario at full length (an idle machine)
//   npm run bench -- --scenario single --scenario cluster
//   npm run bench -- --smoke --results-dir /tmp/x --no-readme     the CI smoke run
//   npm run bench -- --profile --scenario flights   CPU profiles of every server process
//   npm run bench -- --full --scenario hostile --no-readme   all hostile clients at once (bench/hostile.ts)

import { join, relative } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { ConsistencyLevel } from '../src/db/common/consistency.js';
import { driverClient, type ClientKind } from './clients.js';
import { flightLadder, type FlightStep } from './flights.js';
import { hostileScenario } from './hostile.js';
import { shapeName, workloads, type Shape, type Workload } from './load.js';
import { measure, type KeyState, type Measurement } from './measure.js';
import { repositoryRoot, startCeilingServer, startNodes, type ServerGroup } from './nodes.js';
import { profileLines, summarizeProfiles } from './profile.js';
import { gitCommit, machineInfo, markdown, updateReadme, writeResultsFile, type BenchResults, type CurvePoint } from './report.js';
import { modes, scenarioNames, type Mode, type ScenarioName, type Settings } from './settings.js';
import { createKeyspaceCql, createTableCql } from './statements.js';
import { storageBenchmark } from './storage.js';

interface Flags {
  quick?: boolean;
  full?: boolean;
  smoke?: boolean;
  scenario: ScenarioName[];
  duration?: number;
  clientThreads?: number;
  flightNodes?: number;
  flightLadder?: number[];
  resultsDir: string;
  readme: boolean;
  profile?: boolean;
  workload?: Workload[];
  client?: ClientKind[];
  shape?: Shape[];
  nodeSetting: Record<string, unknown>;
}

const log = (line: string) => console.log(line);

function parseScenario(value: string, previous: ScenarioName[]): ScenarioName[] {
  const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
  for (const name of names) {
    if (!(scenarioNames as readonly string[]).includes(name)) throw new InvalidArgumentError(`unknown scenario '${name}' (one of ${scenarioNames.join(', ')})`);
  }
  return [...previous, ...(names as ScenarioName[])];
}

/** `key=value`, the value read as YAML (so 64 is a number and auto a string), into the settings so far. */
function nodeSetting(text: string, previous: Record<string, unknown>): Record<string, unknown> {
  const at = text.indexOf('=');
  if (at < 1) throw new InvalidArgumentError(`expected key=value, got '${text}'`);
  return { ...previous, [text.slice(0, at).trim()]: parseYaml(text.slice(at + 1)) as unknown };
}

function positiveInteger(max: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < 1 || number > max) throw new InvalidArgumentError(`expected an integer from 1 to ${max}`);
    return number;
  };
}

function flightCounts(value: string): number[] {
  const counts = value.split(',').map((part) => positiveInteger(50_000)(part.trim()));
  if (counts.length === 0 || counts.length > 20) throw new InvalidArgumentError('expected 1 to 20 flight counts');
  return counts;
}

function listOf<T extends string>(allowed: readonly T[], what: string) {
  return (value: string): T[] => {
    const names = value.split(',').map((name) => name.trim()).filter((name) => name !== '');
    for (const name of names) if (!(allowed as readonly string[]).includes(name)) throw new InvalidArgumentError(`unknown ${what} '${name}' (one of ${allowed.join(', ')})`);
    if (names.length === 0) throw new InvalidArgumentError(`expected one or more of ${allowed.join(', ')}`);
    return names as T[];
  };
}

function shapesOf(value: string): Shape[] {
  return value.split(',').map((part) => {
    const match = /^(\d+)x(\d+)$/.exec(part.trim());
    if (match === null) throw new InvalidArgumentError(`expected shapes as CONNECTIONSxINFLIGHT, e.g. 8x32,64x1 (got '${part}')`);
    return { connections: positiveInteger(1024)(match[1]!), inflight: positiveInteger(1024)(match[2]!) };
  });
}

function settingsOf(flags: Flags): Settings {
  const chosen = [flags.smoke === true, flags.quick === true, flags.full === true].filter(Boolean).length;
  if (chosen > 1) throw new InvalidArgumentError('choose one of --smoke, --quick, --full');
  const mode: Mode = flags.smoke === true ? 'smoke' : flags.full === true ? 'full' : 'quick';
  const settings = { ...modes[mode] };
  if (flags.duration !== undefined) settings.durationMs = flags.duration * 1000;
  if (flags.clientThreads !== undefined) settings.clientThreads = flags.clientThreads;
  if (flags.flightNodes !== undefined) settings.flightNodes = flags.flightNodes;
  if (flags.flightLadder !== undefined) settings.flightLadder = flags.flightLadder;
  if (flags.workload !== undefined) settings.workloads = flags.workload;
  if (flags.client !== undefined) settings.clients = flags.client;
  if (flags.shape !== undefined) settings.shapes = flags.shape;
  settings.nodeSettings = flags.nodeSetting;
  return settings;
}

async function setupSchema(group: ServerGroup, replicationFactor: number): Promise<void> {
  const client = driverClient(group.endpoints, { connectionsPerHost: 1 });
  try {
    await client.connect();
    await client.execute(createKeyspaceCql(replicationFactor));
    await client.execute(createTableCql);
  } finally {
    await client.shutdown();
  }
}

interface KvPlan {
  scenario: string;
  workloads: readonly Workload[];
  clients: readonly ClientKind[];
  consistency: ConsistencyLevel;
}

async function runKv(group: ServerGroup, plan: KvPlan, context: { settings: Settings; keys: KeyState; out: Measurement[] }): Promise<void> {
  const { settings } = context;
  for (const client of plan.clients.filter((kind) => settings.clients.includes(kind))) {
    for (const workload of plan.workloads.filter((name) => settings.workloads.includes(name))) {
      for (const shape of settings.shapes) {
        const m = await measure(group, {
          scenario: plan.scenario, client, workload, shape, rate: null, threads: settings.clientThreads, consistency: plan.consistency,
          warmupMs: settings.warmupMs, durationMs: settings.durationMs,
        }, context.keys);
        context.out.push(m);
        log(`  ${plan.scenario} ${workload} ${client} ${m.shape}: ${m.throughput} ops/s, p50 ${m.latencyMs.p50} ms, p99 ${m.latencyMs.p99} ms, ` +
          `errors ${m.errors}, ${m.opsPerServerCpuSecond} ops/server-CPU-s (server ${m.serverCpuSeconds} s, client ${m.clientCpuSeconds} s CPU)` +
          (m.firstError === null ? '' : ` first error: ${m.firstError}`) +
          (client === 'lean' && m.clientCpuSeconds >= 0.9 * m.seconds * m.clientThreads ? ` [client saturated: try --client-threads ${m.clientThreads + 1}]` : ''));
      }
    }
  }
}

/**
 * p99 at fractions of the closed-loop maximum (mixed workload, lean client), open loop, for each
 * shape at fractions of that shape's own maximum: 64 connections with one request in flight
 * carry far less than 8 with 32, so a rate taken from the 8x32 maximum overloads 64x1 and its
 * "latency" is only queueing. The maximum is measured again right before the ladder, on the data
 * the node holds by then: the scenario's earlier runs have added keys since its own mixed run
 * (reads miss the caches more), and a maximum from then overloaded the single node at "50 %"
 * (the 2026-12-04 evening full run: p99 7 s, thousands of client timeouts).
 */
async function runCurve(group: ServerGroup, scenario: string, context: { settings: Settings; keys: KeyState; consistency: ConsistencyLevel; out: CurvePoint[] }): Promise<void> {
  const { settings } = context;
  const base = { scenario, client: 'lean' as const, workload: 'mixed' as const, threads: settings.clientThreads, consistency: context.consistency, warmupMs: settings.warmupMs, durationMs: settings.durationMs };
  for (const shape of settings.shapes) {
    const max = await measure(group, { ...base, shape, rate: null }, context.keys);
    log(`  ${scenario} maximum just before the ladder (mixed, ${max.shape}): ${max.throughput} ops/s`);
    for (const fraction of settings.curveFractions) {
      const rate = Math.max(1, Math.round(max.throughput * fraction));
      const point = { ...(await measure(group, { ...base, shape, rate }, context.keys)), fraction, maxThroughput: max.throughput };
      context.out.push(point);
      log(`  latency ${scenario} ${shapeName(shape)} at ${Math.round(fraction * 100)}% (${rate} ops/s): achieved ${point.throughput}, p50 ${point.latencyMs.p50} ms, p99 ${point.latencyMs.p99} ms, errors ${point.errors}`);
    }
  }
}

/** With --profile: a directory per server group under one per run, and the summaries once a group has stopped. */
interface Profiling {
  root: string | null;
  groups: number;
  results: BenchResults;
}

async function withGroup<T>(profiling: Profiling, start: (profileDir: string | null) => Promise<ServerGroup>, body: (group: ServerGroup, profileDir: string | null) => Promise<T>): Promise<T> {
  const profileDir = nextProfileDir(profiling);
  const group = await start(profileDir);
  try {
    return await body(group, profileDir);
  } finally {
    await group.stop();
    summarizeGroup(profiling, group.name, profileDir);
  }
}

function nextProfileDir(profiling: Profiling): string | null {
  return profiling.root === null ? null : join(profiling.root, `group${++profiling.groups}`);
}

/** Each process writes its profile as it exits, so a group is summarised after stopping. */
function summarizeGroup(profiling: Profiling, name: string, profileDir: string | null): void {
  if (profileDir === null) return;
  const processes = summarizeProfiles(profileDir, { root: repositoryRoot });
  profiling.results.profiles.push({ group: name, directory: relative(repositoryRoot, profileDir), processes });
  log(`CPU profiles of ${name} (top ${processes[0]?.top.length ?? 0} by self time, whole process life):`);
  for (const summary of processes) for (const line of profileLines(summary)) log(line);
}

async function runAll(settings: Settings, selected: ReadonlySet<ScenarioName>, context: { results: BenchResults; profileRoot: string | null }): Promise<void> {
  const { results } = context;
  const profiling: Profiling = { root: context.profileRoot, groups: 0, results };
  const out = results.measurements;
  const wants = (name: ScenarioName) => selected.has(name);
  const clientsFor = (name: ScenarioName): ClientKind[] => (settings.driverScenarios.includes(name) ? ['lean', 'driver'] : ['lean']);
  if (wants('ceiling')) {
    log('ceiling: the protocol-ceiling server (empty results)');
    await withGroup(profiling, (profileDir) => startCeilingServer({ profileDir }), (group) =>
      runKv(group, { scenario: 'ceiling', workloads, clients: clientsFor('ceiling'), consistency: ConsistencyLevel.ONE }, { settings, keys: { keySpace: settings.keySpace, readable: settings.keySpace }, out }));
  }
  if (wants('single') || (wants('latency'))) {
    log('single: 1 node, RF=1, ONE');
    await withGroup(profiling, (profileDir) => startNodes({ nodes: 1, startTimeoutMs: settings.startTimeoutMs, profileDir, more: settings.nodeSettings }), async (group) => {
      await setupSchema(group, 1);
      const keys = { keySpace: settings.keySpace, readable: 0 };
      if (wants('single')) await runKv(group, { scenario: 'single', workloads, clients: clientsFor('single'), consistency: ConsistencyLevel.ONE }, { settings, keys, out });
      if (wants('latency')) await runCurve(group, 'single', { settings, keys, consistency: ConsistencyLevel.ONE, out: results.curve });
    });
  }
  if (wants('memtable')) {
    log(`memtable: 1 node, memtable flushed every ${settings.memtableFlushBytes} bytes`);
    await withGroup(profiling, (profileDir) => startNodes({ nodes: 1, memtableFlushBytes: settings.memtableFlushBytes, startTimeoutMs: settings.startTimeoutMs, profileDir, more: settings.nodeSettings }), async (group) => {
      await setupSchema(group, 1);
      await runKv(group, { scenario: 'memtable', workloads: ['insert', 'select'], clients: clientsFor('memtable'), consistency: ConsistencyLevel.ONE }, { settings, keys: { keySpace: settings.keySpace * 10, readable: 0 }, out });
    });
  }
  if (wants('cluster') || wants('latency')) {
    log(`cluster: ${settings.clusterNodes} nodes, RF=3, QUORUM`);
    await withGroup(profiling, (profileDir) => startNodes({ nodes: settings.clusterNodes, startTimeoutMs: settings.startTimeoutMs, profileDir, more: settings.nodeSettings }), async (group) => {
      await setupSchema(group, Math.min(3, settings.clusterNodes));
      const keys = { keySpace: settings.keySpace, readable: 0 };
      if (wants('cluster')) await runKv(group, { scenario: 'cluster', workloads, clients: clientsFor('cluster'), consistency: ConsistencyLevel.QUORUM }, { settings, keys, out });
      if (wants('latency')) await runCurve(group, 'cluster', { settings, keys, consistency: ConsistencyLevel.QUORUM, out: results.curve });
    });
  }
  if (wants('flights')) {
    log(`flights: ${settings.flightNodes} node(s), ladder ${settings.flightLadder.join(', ')}`);
    const steps: FlightStep[] = await withGroup(profiling, (profileDir) => startNodes({ nodes: settings.flightNodes, startTimeoutMs: settings.startTimeoutMs, profileDir, more: settings.nodeSettings }), (group, profileDir) =>
      flightLadder(group, {
        // Flights write once a second and the map snapshots once a second: a step shorter than
        // a second may see no snapshot, so the smoke run's short windows do not apply here.
        ladder: settings.flightLadder, shapes: settings.shapes, warmupMs: Math.max(settings.warmupMs, 500), durationMs: Math.max(settings.durationMs, 1_000),
        replicationFactor: Math.min(3, settings.flightNodes), startTimeoutMs: settings.startTimeoutMs, profileDir,
      }, log));
    results.flights.push(...steps);
  }
  if (wants('hostile')) {
    const h = settings.hostile;
    log(`hostile: 1 node with bounded memory; a well-behaved client idle, then beside ${h.connections} connections, a client that never reads, oversized batches, ${h.blobBytes / 2 ** 20} MiB blobs and a partition growing towards ${h.partitionRows} rows`);
    const profileDir = nextProfileDir(profiling);
    results.hostile = await hostileScenario(h, { startTimeoutMs: settings.startTimeoutMs, log, profileDir });
    summarizeGroup(profiling, 'hostile', profileDir);
  }
  if (wants('storage')) {
    log(`storage: ${settings.storageRows} rows through the engine, restart, read back`);
    results.storage = await storageBenchmark({ rows: settings.storageRows, diskAccessMode: settings.nodeSettings['disk_access_mode'] === 'standard' ? 'standard' : 'auto' });
  }
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('bench')
    .description('benchmarks of the database against the protocol ceiling (issue 7)')
    .addOption(new Option('--quick', 'quick mode, about two minutes (the default)'))
    .addOption(new Option('--full', 'every scenario at full length; for an idle machine'))
    .addOption(new Option('--smoke', 'the smallest run that exercises every scenario (CI)'))
    .option('--scenario <names>', `scenarios to run, repeatable or comma-separated: ${scenarioNames.join(', ')}`, parseScenario, [])
    .option('--duration <seconds>', 'measured seconds per run (overrides the mode)', positiveInteger(3600))
    .option('--client-threads <n>', 'worker threads of the lean client', positiveInteger(16))
    .option('--flight-nodes <n>', 'nodes of the flights scenario (quick 1, full 5)', positiveInteger(9))
    .option('--flight-ladder <list>', 'flight counts of the flights scenario, comma-separated (e.g. 1000 for one fixed load to compare runs)', flightCounts)
    .option('--workload <names>', `workloads of the closed-loop scenarios, comma-separated: ${workloads.join(', ')}`, listOf(workloads, 'workload'))
    .option('--client <names>', 'clients of the closed-loop scenarios, comma-separated: lean, driver', listOf(['lean', 'driver'] as const, 'client'))
    .option('--shape <list>', 'shapes, comma-separated CONNECTIONSxINFLIGHT (default 8x32,64x1)', shapesOf)
    .option('--node-setting <key=value>', 'a cassandra.yaml setting for every node of the kv and flights scenarios, repeatable (to compare runs: disk_access_mode=standard, which the storage scenario also takes)', nodeSetting, {})
    .option('--results-dir <dir>', 'where the JSON results go', join(repositoryRoot, 'bench', 'results'))
    .option('--no-readme', 'do not write the table into bench/README.md')
    .option('--profile', 'write a CPU profile of every server process (node --cpu-prof) under <results-dir>/profiles/ and print each one\'s top functions by self time')
    .parse(argv, { from: 'user' });
  const flags = program.opts<Flags>();
  const settings = settingsOf(flags);
  const selected = new Set<ScenarioName>(flags.scenario.length > 0 ? flags.scenario : settings.defaultScenarios);
  // Every kv scenario is reported as a ratio to the ceiling, so it is measured in the same run.
  if (['single', 'memtable', 'cluster'].some((name) => selected.has(name as ScenarioName))) selected.add('ceiling');
  const { commit, dirty } = gitCommit(repositoryRoot);
  const results: BenchResults = {
    startedAt: new Date().toISOString(), finishedAt: '', commit, dirty, machine: machineInfo(), node: process.version, settings,
    scenarios: scenarioNames.filter((name) => selected.has(name)), measurements: [], curve: [], flights: [], storage: null, hostile: null, profiles: [],
  };
  const profileRoot = flags.profile === true ? join(flags.resultsDir, 'profiles', `${results.startedAt.replace(/[:.]/g, '-')}-${commit.split(' ')[0] ?? 'unknown'}`) : null;
  log(`bench ${settings.mode}: ${results.scenarios.join(', ')} (commit ${commit}${dirty ? ', dirty' : ''}, ${results.machine.cpus} CPUs, load ${results.machine.loadAverageAtStart.join(' ')})`);
  await runAll(settings, selected, { results, profileRoot });
  results.finishedAt = new Date().toISOString();
  const file = writeResultsFile(results, flags.resultsDir);
  const table = markdown(results);
  console.log(`\n${table}`);
  if (flags.readme && settings.mode !== 'smoke') updateReadme(join(repositoryRoot, 'bench', 'README.md'), table);
  log(`results: ${file}`);
}

main(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
