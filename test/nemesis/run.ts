// `npm run nemesis -- --minutes N --seed S`: a nemesis on real processes. Five `aero node`
// processes at RF 3, a workload of driver clients (QUORUM writes and reads, logged batches,
// lightweight transactions) and, for N minutes, faults chosen and combined from the seed (kill
// -9, SIGSTOP pauses, partitions, one-way cuts, clock skew, a full disk; every kind once first,
// in a seeded order, then at random, up to two at a time). Then the faults stop, every node is
// brought back, hints are delivered, `nodetool repair` runs on every node, each node's data is
// read at ONE through that node alone, and the checker (checker.ts) reads the history and
// reports. Exits 1 on any anomaly. Needs root (iptables, a loop mount) and faketime.
// Options: --minutes, --seed, --history FILE, --aero PATH (bin/aero.js of the build under test),
// --no-disk (no loop-mounted disk; the disk-full fault is then skipped), --keep (keep the nodes'
// directories), --broken (run a deliberately broken copy of the build: broken-build.ts).

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { freePort, pinnedClient } from '../harness/local-cluster.js';
import { SeededRandom } from '../harness/seeded-random.js';
import { allUp, planNemesisCluster, type NemesisNode } from './cluster.js';
import { makeBrokenBuild } from './broken-build.js';
import { checkHistory, formatCheck, type CheckSummary } from './checker.js';
import { faultKinds, NetworkCuts, runFault, shuffled, SmallDisk, type FaultKind, type FaultContext } from './faults.js';
import { HistoryWriter, readHistory, type FinalEvent } from './history.js';
import { createSchema, nemesisClient, readTable, runWorkload } from './workload.js';

export interface NemesisOptions {
  /** How long faults are injected. */
  faultMs: number;
  seed: number;
  historyFile: string;
  /** bin/aero.js of the build under test. */
  aero: string;
  disk: boolean;
  keep?: boolean;
  /**
   * Faults running at once (default 2). The CI run uses 3, so that its first round of every
   * kind, which it must wait for, overlaps more and ends sooner.
   */
  concurrentFaults?: number;
  /** Progress lines (default: console.log). */
  log?: (line: string) => void;
}

export interface NemesisResult {
  summary: CheckSummary;
  faults: Record<string, number>;
  historyFile: string;
  elapsedMs: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, condition: () => Promise<boolean>, limitMs: number): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if (await condition()) return;
    await sleep(500);
  }
  throw new Error(`${what}: not within ${limitMs} ms`);
}

function aeroCli(aero: string, args: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [aero, ...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, output: stdout + stderr });
    });
  });
}

export async function runNemesis(options: NemesisOptions): Promise<NemesisResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const random = new SeededRandom(options.seed);
  const directory = mkdtempSync(join(tmpdir(), 'aero-nemesis-'));
  const [nativePort, storagePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const nodes = planNemesisCluster({ directory, nodes: 5, nativePort, storagePort, adminPort, aero: options.aero });
  const cuts = new NetworkCuts(storagePort);
  const history = new HistoryWriter(options.historyFile);
  const diskNode = nodes[nodes.length - 1] as NemesisNode;
  const disk = options.disk ? new SmallDisk(diskNode.node.directory, 256) : undefined;
  const faults: Record<string, number> = {};
  let client: ReturnType<typeof nemesisClient> | undefined;
  const cleanup = async () => {
    await client?.shutdown().catch(() => undefined);
    const steps: Array<[string, () => unknown]> = [
      ['removing the iptables chain', () => cuts.uninstall()],
      ['unmounting the small disk', () => disk?.unmount()],
      ['removing the cluster directory', () => { if (options.keep !== true) rmSync(directory, { recursive: true, force: true }); }],
    ];
    await Promise.all(nodes.map((node) => node.stop()));
    for (const [what, step] of steps) {
      try { step(); } catch (error) { log(`nemesis: cleanup: ${what} failed: ${(error as Error).message}`); }
    }
  };
  const onSignal = () => { void cleanup().finally(() => process.exit(130)); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    disk?.mount();
    cuts.install();
    log(`nemesis: seed ${options.seed}, ${Math.round(options.faultMs / 1000)} s of faults, cluster in ${directory}, history ${options.historyFile}`);
    await Promise.all(nodes.map((node) => node.start()));
    await waitFor('every node up', () => allUp(nodes), 120_000);
    client = nemesisClient(nodes.map((node) => `${node.address}:${nativePort}`), nativePort);
    await client.connect();
    await createSchema(client);
    log(`nemesis: cluster up and schema created after ${Math.round((Date.now() - started) / 1000)} s`);

    let stopWorkload = false;
    let stopFaults = false;
    const workload = runWorkload({
      client, history, random: random.fork(), kvKeys: 200, lwtKeys: 8, writers: 8, readers: 8, batchers: 2, lwtClients: 6,
      stopping: () => stopWorkload,
    });
    const context: FaultContext = {
      nodes, cuts, random: random.fork(), stopping: () => stopFaults,
      ...(disk === undefined ? {} : { disk: { node: diskNode, disk } }),
      log: (fault, phase, detail) => {
        history.record({ type: 'nemesis', time: history.now(), fault, phase, detail });
        log(`  ${String(Math.round(history.now() / 1000)).padStart(5)} s  ${fault.padEnd(9)} ${phase.padEnd(5)} ${detail}`);
        if (phase === 'start') faults[fault] = (faults[fault] ?? 0) + 1;
      },
    };
    const kinds = faultKinds.filter((kind) => kind !== 'disk-full' || disk !== undefined);
    const queue: FaultKind[] = shuffled(context.random, kinds);
    const free = new Set(nodes.map((node) => node.index));
    const running = new Set<Promise<void>>();
    let networkBusy = false;
    const faultsEnd = Date.now() + options.faultMs;
    await sleep(3_000);
    // Every kind runs at least once, however short the run: the fault period ends when the time is
    // up and the first round of kinds has run.
    while (Date.now() < faultsEnd || queue.length > 0) {
      if (running.size < (options.concurrentFaults ?? 2)) {
        const kind = queue.shift() ?? kinds[context.random.nextInt(kinds.length)] as FaultKind;
        const network = kind === 'partition' || kind === 'one-way';
        if (network && networkBusy) queue.unshift(kind);
        else {
          if (network) networkBusy = true;
          const task: Promise<void> = runFault(kind, context, free)
            .then((ran) => { if (!ran) queue.unshift(kind); })
            .catch((error: unknown) => log(`nemesis: fault ${kind} failed: ${(error as Error).message}`))
            .finally(() => { running.delete(task); if (network) networkBusy = false; });
          running.add(task);
        }
      }
      await sleep(2_000 + context.random.nextInt(6_000));
    }
    stopFaults = true;
    await Promise.all(running);
    // Heal whatever is left: the network, paused or dead nodes, the disk, skewed clocks.
    cuts.heal();
    disk?.free();
    for (const node of nodes) {
      if (node.paused) node.signal('SIGCONT');
      if (node.skewSeconds !== 0) { await node.stop(); node.skewSeconds = 0; }
      if (!node.running) await node.start();
    }
    log(`nemesis: faults stopped after ${Math.round((Date.now() - started) / 1000)} s; the workload runs 5 s more on a healthy cluster`);
    await sleep(5_000);
    stopWorkload = true;
    await workload;
    await waitFor('every node up after the faults', () => allUp(nodes), 120_000);
    // Hints go to a node once it is seen up again; give them a moment to drain (repair follows
    // anyway and makes the replicas agree whatever the hints did).
    await sleep(3_000);
    for (const node of nodes) {
      const repair = await aeroCli(options.aero, ['nodetool', '--host', node.address, '--port', String(adminPort), 'repair', 'nemesis'], 300_000);
      log(`nemesis: nodetool repair on node ${node.index}: exit ${repair.code}${repair.code === 0 ? '' : `: ${repair.output.trim().slice(0, 400)}`}`);
    }
    for (const node of nodes) {
      const pinned = pinnedClient([node.index], nativePort);
      try {
        const kv = await readTable(pinned, 'kv', ['v']);
        const batch = await readTable(pinned, 'batches', ['b']);
        const lwt = await readTable(pinned, 'lwt', ['owner', 'v']);
        const final: FinalEvent = {
          type: 'final', time: history.now(), node: node.index,
          kv: Object.fromEntries([...kv].map(([k, row]) => [String(k), String(row['v'])])),
          batch: Object.fromEntries([...batch].map(([k, row]) => [String(k), String(row['b'])])),
          lwt: Object.fromEntries([...lwt].map(([k, row]) => [String(k), { owner: (row['owner'] as string | null) ?? null, v: (row['v'] as number | null) ?? null }])),
        };
        history.record(final);
      } finally {
        await pinned.shutdown();
      }
    }
    history.flush();
    const summary = checkHistory(readHistory(options.historyFile));
    return { summary, faults, historyFile: options.historyFile, elapsedMs: Date.now() - started };
  } catch (error) {
    for (const node of nodes) if (!node.running) log(`node ${node.index} is not running; its log ends:\n${node.logTail(1500)}`);
    throw error;
  } finally {
    history.flush();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cleanup();
  }
}

/** The report printed at the end of a run. */
export function formatResult(result: NemesisResult): string {
  const faults = Object.entries(result.faults).map(([kind, count]) => `${kind} ${count}`).join(', ');
  return [`nemesis: ${Math.round(result.elapsedMs / 1000)} s; faults: ${faults}`, formatCheck(result.summary), `history: ${result.historyFile}`].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '5' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      history: { type: 'string' },
      aero: { type: 'string', default: 'bin/aero.js' },
      'no-disk': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      broken: { type: 'boolean', default: false },
    },
  });
  const minutes = Number(values.minutes);
  const seed = Number(values.seed);
  if (!Number.isFinite(minutes) || minutes <= 0) throw new Error(`--minutes must be a positive number, not ${values.minutes}`);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, not ${values.seed}`);
  const historyFile = resolve(values.history ?? join(tmpdir(), `aero-nemesis-${seed}-${Date.now()}.jsonl`));
  const brokenDirectory = values.broken ? mkdtempSync(join(tmpdir(), 'aero-broken-build-')) : undefined;
  const aero = brokenDirectory === undefined ? resolve(values.aero) : makeBrokenBuild(process.cwd(), brokenDirectory);
  if (brokenDirectory !== undefined) console.log(`nemesis: running the deliberately broken build in ${aero} (QUORUM needs one replica)`);
  let result: NemesisResult;
  try {
    result = await runNemesis({ faultMs: minutes * 60_000, seed, historyFile, aero, disk: !values['no-disk'], keep: values.keep });
  } finally {
    if (brokenDirectory !== undefined) rmSync(brokenDirectory, { recursive: true, force: true });
  }
  const report = formatResult(result);
  console.log(report);
  writeFileSync(`${historyFile}.report.txt`, `${report}\n`);
  process.exitCode = result.summary.anomalies.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(() => process.exit(process.exitCode ?? 0), (error: unknown) => {
    console.error(`nemesis: ${(error as Error).stack ?? String(error)}`);
    process.exit(2);
  });
}
