// Real node processes for integration tests: `aero node` in a child process on 127.0.0.1 with
// free ports and a fresh data directory, reachable by real drivers over real sockets.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeRuntimeFlags } from '../../src/db/node/runtime-flags.js';

export interface NodeProcess {
  host: string;
  nativePort: number;
  adminPort: number;
  /** The internode port (storage_port), which nodetool -pp prints. */
  storagePort: number;
  dataDir: string;
  /** Everything the process printed, for failure messages. */
  output(): string;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Starts the process again on the same data directory and ports. */
  restart(): Promise<void>;
  /** Removes the data directory (after stop). */
  cleanup(): void;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

export interface StartOptions {
  /** Extra YAML lines for the node's configuration. */
  extraConfig?: string;
  dataDir?: string;
  logLevel?: string;
}

export async function startNodeProcess(options: StartOptions = {}): Promise<NodeProcess> {
  const host = '127.0.0.1';
  const nativePort = await freePort();
  const storagePort = await freePort();
  const adminPort = await freePort();
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'aero-node-'));
  const configFile = join(dataDir, 'aero-test.yaml');
  writeFileSync(configFile, [
    'cluster_name: Test Cluster',
    `listen_address: ${host}`,
    `rpc_address: ${host}`,
    `native_transport_port: ${nativePort}`,
    `storage_port: ${storagePort}`,
    `admin_port: ${adminPort}`,
    `log_level: ${options.logLevel ?? 'info'}`,
    options.extraConfig ?? '',
  ].join('\n'));
  let child: ChildProcess | null = null;
  let output = '';
  let exited: Promise<number | null> = Promise.resolve(null);

  const launch = async () => {
    child = spawn(process.execPath, [...nodeRuntimeFlags, 'bin/aero.js', 'node', '--config', configFile, '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const current = child;
    current.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); if (output.length > 1_000_000) output = output.slice(-500_000); });
    current.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    exited = new Promise((resolve) => current.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (current.exitCode !== null) throw new Error(`node exited with ${current.exitCode} during startup:\n${output}`);
      if (await canConnect(host, nativePort)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    current.kill('SIGKILL');
    throw new Error(`node did not open ${host}:${nativePort} within 30 s:\n${output}`);
  };
  await launch();
  return {
    host, nativePort, adminPort, storagePort, dataDir,
    output: () => output,
    stop: async () => { child?.kill('SIGTERM'); return exited; },
    kill: async () => { child?.kill('SIGKILL'); await exited; },
    restart: launch,
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

/** Runs `aero nodetool ARGS` against a node's admin port; resolves with the exit code and output. */
export function nodetool(node: Pick<NodeProcess, 'host' | 'adminPort'>, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/aero.js', 'nodetool', '--host', node.host, '--port', String(node.adminPort), ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Whether `pid` is a live process (not a zombie) and, given `commandLinePart`, one whose command
 * line holds it: pids are reused (pid_max is 32768 here), so a bare signal-0 check can find a
 * stranger in the place of a node that has long exited.
 */
export function isProcessRunning(pid: number, commandLinePart?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
    if (/\) [ZX] /.test(stat)) return false;
    return commandLinePart === undefined || !existsSync(`/proc/${pid}/cmdline`) || readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(commandLinePart);
  } catch {
    return false; // it exited while we looked
  }
}
