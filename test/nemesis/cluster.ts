// The nemesis's cluster: five (or N) real `aero node` processes on 127.0.0.1..N, started and
// signalled by the nemesis itself (not detached, so none outlives it), each optionally with
// Debian's libfaketime preloaded for clock skew. Configuration comes from `aero cluster`'s manifest code,
// so these nodes are configured exactly as `aero cluster start` configures them.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, writeFileSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { nodeRuntimeFlags } from '../../src/db/node/runtime-flags.js';
import { nodeArguments, nodeConfigFile, nodeConfigYaml, nodeStdoutFile, planCluster, type ClusterManifest, type ClusterNode } from '../../src/cli/cluster/manifest.js';

export interface ClusterOptions {
  directory: string;
  nodes: number;
  nativePort: number;
  storagePort: number;
  adminPort: number;
  /** bin/aero.js of the build under test. */
  aero: string;
}

/** Debian's libfaketime (package faketime), found by `dpkg -L`. */
export function libfaketime(): string {
  const listing = execFileSync('dpkg', ['-L', 'libfaketime'], { encoding: 'utf8' });
  const library = listing.split('\n').find((line) => line.endsWith('/libfaketimeMT.so.1'));
  if (library === undefined || !existsSync(library)) throw new Error('libfaketimeMT.so.1 not found: install the Debian package faketime');
  return library;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(2000, () => { socket.destroy(); resolve(false); });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

export class NemesisNode {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** Clock offset in seconds this node runs with (0: the real clock). */
  skewSeconds = 0;
  paused = false;

  constructor(readonly manifest: ClusterManifest, readonly node: ClusterNode, private readonly aero: string) {}

  get index(): number { return this.node.index; }
  get address(): string { return this.node.address; }
  get running(): boolean { return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null; }
  get pid(): number | undefined { return this.running ? this.child?.pid : undefined; }

  /** Starts the process (under faketime when skewed) and waits for its native port. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running) return;
    mkdirSync(join(this.node.directory, 'conf'), { recursive: true });
    mkdirSync(join(this.node.directory, 'logs'), { recursive: true });
    writeFileSync(nodeConfigFile(this.node), nodeConfigYaml(this.manifest, this.node));
    const output = openSync(nodeStdoutFile(this.node), 'a');
    const argv = [...nodeRuntimeFlags, this.aero, ...nodeArguments(this.node)];
    const skew = this.skewSeconds;
    // libfaketime preloaded into the node itself (the `faketime` wrapper forks, and a signal to
    // it would not reach the node); the multi-threaded variant, as Node.js runs threads.
    const env = skew === 0 ? process.env : { ...process.env, LD_PRELOAD: libfaketime(), FAKETIME: `${skew > 0 ? '+' : ''}${skew}s` };
    const child = spawn(process.execPath, argv, { stdio: ['ignore', output, output], cwd: this.node.directory, env });
    closeSync(output);
    this.child = child;
    this.paused = false;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`node ${this.index} exited during startup:\n${this.logTail()}`);
      if (await canConnect(this.address, this.manifest.nativePort)) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`node ${this.index} did not open its native port within ${timeoutMs} ms:\n${this.logTail()}`);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child?.kill(signal);
    if (signal === 'SIGSTOP') this.paused = true;
    if (signal === 'SIGCONT') this.paused = false;
  }

  /** kill -9, and wait for the exit. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGCONT');
    this.child?.kill('SIGKILL');
    await this.exited;
    this.paused = false;
  }

  /** SIGTERM (after SIGCONT), and wait; kill -9 after 20 s. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.child?.kill('SIGCONT');
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
    this.paused = false;
  }

  logTail(bytes = 4000): string {
    try {
      const text = readFileSync(nodeStdoutFile(this.node), 'utf8');
      return text.slice(-bytes);
    } catch {
      return '(no log)';
    }
  }
}

export function planNemesisCluster(options: ClusterOptions): NemesisNode[] {
  const manifest = planCluster({
    directory: options.directory, nodeCount: options.nodes, nativePort: options.nativePort, storagePort: options.storagePort,
    adminPort: options.adminPort, numTokens: 8, clusterName: 'Nemesis Cluster',
  });
  return manifest.nodes.map((node) => new NemesisNode(manifest, node, options.aero));
}

/** The peers node `index`'s gossip shows, by address, with their status, or undefined if it does not answer. */
export async function gossipView(node: NemesisNode): Promise<Map<string, string> | undefined> {
  try {
    const response = await fetch(`http://${node.address}:${node.manifest.adminPort}/status`, { signal: AbortSignal.timeout(3000) });
    const status = (await response.json()) as { peers?: Array<{ address: string; status: string }> };
    return new Map((status.peers ?? []).map((peer) => [peer.address.split(':')[0] ?? '', peer.status]));
  } catch {
    return undefined;
  }
}

/** Whether every node sees every other as UP. */
export async function allUp(nodes: NemesisNode[]): Promise<boolean> {
  const views = await Promise.all(nodes.map((node) => gossipView(node)));
  return views.every((view, i) => view !== undefined && nodes.every((other, j) => i === j || view.get(other.address) === 'UP'));
}
