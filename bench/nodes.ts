// Real server processes for the benchmark: `aero node` processes (one, or a cluster on
// 127.0.0.1 ... 127.0.0.N sharing ports, the way `aero cluster` places them, with seeds) and the
// protocol-ceiling server. Every child is registered so that it is stopped at the end, on an
// error, or on Ctrl-C.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeNodeConfigFile, type NodeConfigFileSettings } from '../src/db/node/config-file.js';
import { nodeRuntimeFlags } from '../src/db/node/runtime-flags.js';
import type { Endpoint } from './clients.js';
import { sleep } from './load.js';
import { ProbeClient, probeFlags } from './probe-client.js';

/** The repository root, from dist/bench/nodes.js. */
export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const children = new Set<ChildProcess>();
const directories = new Set<string>();
let handlersInstalled = false;

function installCleanup(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const killAll = () => {
    for (const child of children) child.kill('SIGKILL');
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  };
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      console.error(`\n${signal}: stopping the benchmark's servers`);
      killAll();
      process.exit(130);
    });
  }
}

export interface ServerProcess {
  name: string;
  pid: number;
  endpoint: Endpoint;
  /** The bench probe inside the process (event-loop delay, GC) over measured windows. */
  probe: ProbeClient | null;
  /** A database node's admin port (GET /metrics, on the endpoint's host); none for the ceiling server. */
  adminPort?: number;
  output(): string;
}

export interface ServerGroup {
  name: string;
  processes: ServerProcess[];
  endpoints: Endpoint[];
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function canConnect(endpoint: Endpoint): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = connect(endpoint);
    socket.once('connect', () => { socket.destroy(); resolveConnect(true); });
    socket.once('error', () => resolveConnect(false));
  });
}

/** Where --profile puts each process's CPU profile (one directory per server group), or null. */
export interface ProfileOption {
  profileDir?: string | null;
}

/** Starts a server process with the bench probe (and --cpu-prof with a profile directory). */
export function launch(name: string, args: string[], options: { endpoint: Endpoint; profileDir?: string | null; adminPort?: number }): { process: ServerProcess; child: ChildProcess } {
  installCleanup();
  const endpoint = options.endpoint;
  const flags = probeFlags(join(repositoryRoot, 'dist', 'bench'), { name, profileDir: options.profileDir ?? null });
  const child = spawn(process.execPath, [...flags, ...args], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk.toString()).slice(-20_000); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const adminPort = options.adminPort === undefined ? {} : { adminPort: options.adminPort };
  return { child, process: { name, pid: child.pid, endpoint, probe: new ProbeClient(child), ...adminPort, output: () => output } };
}

export async function waitListening(server: { process: ServerProcess; child: ChildProcess }, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`${server.process.name} exited with ${server.child.exitCode}:\n${server.process.output()}`);
    if (await canConnect(server.process.endpoint)) return;
    await sleep(100);
  }
  throw new Error(`${server.process.name} did not listen on ${server.process.endpoint.host}:${server.process.endpoint.port} within ${timeoutMs} ms:\n${server.process.output()}`);
}

export async function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

export async function startCeilingServer(options: ProfileOption = {}): Promise<ServerGroup> {
  const endpoint = { host: '127.0.0.1', port: await freePort() };
  const server = launch('ceiling', [join(repositoryRoot, 'dist', 'bench', 'null-server.js'), '--host', endpoint.host, '--port', String(endpoint.port)], { endpoint, profileDir: options.profileDir ?? null });
  try {
    await waitListening(server, 15_000);
  } catch (error) {
    server.child.kill('SIGKILL');
    throw error;
  }
  return { name: 'ceiling', processes: [server.process], endpoints: [endpoint], stop: () => stopChild(server.child, 5_000) };
}

export interface NodeGroupOptions extends ProfileOption {
  nodes: number;
  memtableFlushBytes?: number;
  /** More cassandra.yaml settings of every node (config-file.ts's `more`). */
  more?: Readonly<Record<string, unknown>>;
  /** Node start and gossip agreement (ms). */
  startTimeoutMs: number;
}

function nodeConfig(index: number, ports: { native: number; storage: number; admin: number }, options: NodeGroupOptions): NodeConfigFileSettings {
  return {
    clusterName: 'Bench Cluster', listenAddress: `127.0.0.${index}`, rpcAddress: `127.0.0.${index}`,
    nativeTransportPort: ports.native, storagePort: ports.storage, adminPort: ports.admin, logLevel: 'warn',
    ...(options.memtableFlushBytes === undefined ? {} : { memtableFlushBytes: options.memtableFlushBytes }),
    ...(options.more === undefined ? {} : { more: options.more }),
    seeds: ['127.0.0.1'],
    // Created together, as ccm populates a cluster: no node streams from the others.
    autoBootstrap: false,
  };
}

/** Starts N `aero node` processes and waits until each listens and (N > 1) every node sees every other UP. */
export async function startNodes(options: NodeGroupOptions): Promise<ServerGroup> {
  const ports = { native: await freePort(), storage: await freePort(), admin: await freePort() };
  const root = mkdtempSync(join(tmpdir(), 'aero-bench-'));
  directories.add(root);
  const started: Array<{ process: ServerProcess; child: ChildProcess }> = [];
  const stop = async () => {
    await Promise.all(started.map((server) => stopChild(server.child, 10_000)));
    rmSync(root, { recursive: true, force: true });
    directories.delete(root);
  };
  try {
    for (let index = 1; index <= options.nodes; index++) {
      const directory = join(root, `node${index}`);
      const configFile = join(root, `node${index}.yaml`);
      writeNodeConfigFile(configFile, nodeConfig(index, ports, options));
      const endpoint = { host: `127.0.0.${index}`, port: ports.native };
      const server = launch(`node${index}`, [...nodeRuntimeFlags, join(repositoryRoot, 'bin', 'aero.js'), 'node', '--config', configFile, '--data-dir', directory], { endpoint, profileDir: options.profileDir ?? null, adminPort: ports.admin });
      started.push(server);
      // One at a time, as a cluster is started: a joining node finds its seed up.
      await waitListening(server, options.startTimeoutMs);
    }
    if (options.nodes > 1) await waitForRing(options.nodes, ports.admin, options.startTimeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { name: `${options.nodes}-node`, processes: started.map((s) => s.process), endpoints: started.map((s) => s.process.endpoint), stop };
}

async function waitForRing(nodes: number, adminPort: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const upPeers = async (index: number): Promise<number> => {
    try {
      const response = await fetch(`http://127.0.0.${index}:${adminPort}/status`, { signal: AbortSignal.timeout(2000) });
      const status = (await response.json()) as { peers?: Array<{ status: string }> };
      return status.peers?.filter((peer) => peer.status === 'UP').length ?? 0;
    } catch (error) {
      // Not answering yet counts as seeing no peer; the deadline bounds the wait.
      if (!(error instanceof Error)) throw error;
      return 0;
    }
  };
  while (Date.now() < deadline) {
    const counts = await Promise.all(Array.from({ length: nodes }, (_, i) => upPeers(i + 1)));
    if (counts.every((count) => count === nodes - 1)) return;
    await sleep(250);
  }
  throw new Error(`the ${nodes} nodes did not all see each other UP within ${timeoutMs} ms`);
}
