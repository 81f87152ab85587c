// Node processes of the local cluster: started detached (they outlive the CLI that started
// them), found again by pid from the manifest, signalled and awaited. A pid from the manifest
// is trusted only while /proc says it still runs this node (pids are reused), where /proc exists.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, fstatSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ConfigurationError } from '../../db/common/errors.js';
import { logTailBytesMax } from '../../db/common/limits.js';
import { parseConfigText, resolveNodeConfig } from '../../db/node/config.js';
import { nodeRuntimeFlags } from '../../db/node/runtime-flags.js';
import { nodeArguments, nodeConfigFile, nodeConfigYaml, nodeStdoutFile, type ClusterManifest, type ClusterNode } from './manifest.js';

/** bin/aero.js of this package, found from this file (dist/src/cli/cluster/ or src/cli/cluster/). */
export function aeroExecutable(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    const candidate = join(directory, 'bin', 'aero.js');
    if (existsSync(candidate) && existsSync(join(directory, 'package.json'))) return candidate;
    directory = dirname(directory);
  }
  return resolve('bin', 'aero.js');
}

/**
 * Settings an operator keeps for one node across starts (as ccm's updateconf): the file
 * DIR/node<i>/conf/extra.yaml, appended to the configuration written at every start. Its keys
 * must be ones `aero cluster` does not write (a repeated key is refused when the node reads it).
 */
export function extraConfigFile(node: ClusterNode): string {
  return join(node.directory, 'conf', 'extra.yaml');
}

/** The node's configuration file as it is written at every start: the cluster's settings, then conf/extra.yaml. */
export function nodeConfigText(manifest: ClusterManifest, node: ClusterNode): string {
  const extra = extraConfigFile(node);
  const kept = existsSync(extra) ? `\n# From conf/extra.yaml (kept across starts):\n${readFileSync(extra, 'utf8')}\n` : '';
  return nodeConfigYaml(manifest, node) + kept;
}

/** Null when the node will accept the configuration it is about to be given; otherwise the node's own complaint. */
export function nodeConfigProblem(manifest: ClusterManifest, node: ClusterNode): string | null {
  try {
    resolveNodeConfig(parseConfigText(nodeConfigText(manifest, node), nodeConfigFile(node)), {
      flags: { dataDir: node.directory }, cwd: node.directory, onWarning: () => undefined,
    });
    return null;
  } catch (error) {
    if (error instanceof ConfigurationError) return error.message;
    throw error;
  }
}

/** Writes the node's configuration and starts it in the background; returns its pid. */
export function spawnNode(manifest: ClusterManifest, node: ClusterNode): number {
  mkdirSync(join(node.directory, 'conf'), { recursive: true });
  mkdirSync(join(node.directory, 'logs'), { recursive: true });
  writeFileSync(nodeConfigFile(node), nodeConfigText(manifest, node));
  const output = openSync(nodeStdoutFile(node), 'a');
  try {
    const child = spawn(process.execPath, [...nodeRuntimeFlags, aeroExecutable(), ...nodeArguments(node)], {
      detached: true, stdio: ['ignore', output, output], cwd: node.directory,
    });
    if (child.pid === undefined) throw new Error(`could not start node ${node.index} (spawn gave no pid)`);
    // Detached and unreferenced: the CLI may exit while the node keeps running.
    child.unref();
    return child.pid;
  } finally {
    closeSync(output);
  }
}

/** Whether pid is a live (not zombie) process running this node. */
export function isNodeRunning(pid: number | null, node: ClusterNode): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the pid exists but belongs to someone else, so it is not our node.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH' || (error as NodeJS.ErrnoException).code === 'EPERM') return false;
    throw error;
  }
  return procSaysOurNode(pid, node);
}

/** On Linux, check the process is not a zombie and its command line names the node's directory. */
function procSaysOurNode(pid: number, node: ClusterNode): boolean {
  if (!existsSync('/proc/self/stat')) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return commandLine.includes(node.directory);
  } catch (error) {
    // The process ended between the checks.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Sends a signal to the node's process if it still runs; false when it did not. */
export function signalNode(pid: number | null, node: ClusterNode, { signal }: { signal: NodeJS.Signals }): boolean {
  if (pid === null || !isNodeRunning(pid, node)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Waits until the node's process is gone; false when it still runs after timeoutMs. */
export async function waitForExit(pid: number, node: ClusterNode, options: { timeoutMs: number }): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  while (isNodeRunning(pid, node)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

export function canConnect(host: string, port: number, options: { timeoutMs: number }): Promise<boolean> {
  return new Promise((resolveConnect) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => finish(false), options.timeoutMs);
    const finish = (connected: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolveConnect(connected);
    };
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** Null when address:port can be bound; otherwise why not (EADDRNOTAVAIL: no such loopback address). */
export function bindProblem(address: string, port: number): Promise<string | null> {
  return new Promise((resolveBind) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRNOTAVAIL') {
        resolveBind(`${address} is not an address of this machine; on macOS add it with \`sudo ifconfig lo0 alias ${address} up\``);
      } else if (error.code === 'EADDRINUSE') {
        resolveBind(`${address}:${port} is already in use by another process`);
      } else {
        resolveBind(`cannot bind ${address}:${port} (${error.code ?? error.message})`);
      }
    });
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolveBind(null)));
  });
}

/** The last lines of a log file (bounded), for error messages. */
export function tailOfFile(file: string, options: { lines: number }): string {
  let descriptor: number;
  try {
    descriptor = openSync(file, 'r');
  } catch (error) {
    return `(no log at ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  try {
    const size = fstatSync(descriptor).size;
    const length = Math.min(size, logTailBytesMax);
    const buffer = Buffer.alloc(length);
    readSync(descriptor, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    // Reading from the middle of the file: its first line is cut, so leave it out.
    if (length < size) lines.shift();
    return lines.filter((line) => line.trim() !== '').slice(-options.lines).join('\n');
  } finally {
    closeSync(descriptor);
  }
}
