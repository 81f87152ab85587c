// Helpers for the TLS tests: certificates made with `aero certs`' module into a temp directory,
// a recording TCP proxy (a traffic capture without tshark), and a node process on any
// 127.0.0.N address with its own configuration file (the harness's startNodeProcess binds 127.0.0.1 only).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificates } from '../src/cli/certs/files.js';
import type { LogLevel } from '../src/db/node/config.js';
import { writeNodeConfigFile, type NodeConfigFileSettings } from '../src/db/node/config-file.js';
import { nodeRuntimeFlags } from '../src/db/node/runtime-flags.js';

const temporaryDirectories: string[] = [];

/** A new directory under the system's temp directory, removed by removeTemporaryDirectories. */
function temporaryDirectory(prefix: string): string {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  temporaryDirectories.push(directory);
  return directory;
}

/** Removes every directory these helpers made (call after the nodes stopped). */
export function removeTemporaryDirectories(): void {
  for (const directory of temporaryDirectories.splice(0)) rmSync(directory, { recursive: true, force: true });
}

export interface TestCertificates {
  directory: string;
  caFile: string;
  caPem: string;
  nodeKeystore(index: number): string;
  clientPem: string;
}

/** A CA, node<i>.pem for 127.0.0.<i> (i in indexes) and client.pem, in a new temp directory. */
export function makeCertificates(name: string, indexes: readonly number[]): TestCertificates {
  const directory = temporaryDirectory(`aero-${name}-certs-`);
  createCertificates({ directory, nodes: indexes.map((index) => ({ index, addresses: [`127.0.0.${index}`] })), clients: ['client'] });
  return {
    directory,
    caFile: join(directory, 'ca.pem'),
    caPem: readFileSync(join(directory, 'ca.pem'), 'utf8'),
    nodeKeystore: (index) => join(directory, `node${index}.pem`),
    clientPem: readFileSync(join(directory, 'client.pem'), 'utf8'),
  };
}

export interface RecordingProxy {
  port: number;
  /** Every byte seen in both directions so far (bounded). */
  recorded(): Buffer;
  close(): void;
}

const recordedBytesMax = 8 * 1024 * 1024;

/** Listens on 127.0.0.1 and forwards each connection to target, recording the bytes. */
export async function recordingProxy(target: { host: string; port: number }): Promise<RecordingProxy> {
  const chunks: Buffer[] = [];
  let recordedBytes = 0;
  const sockets = new Set<Socket>();
  const record = (chunk: Buffer) => {
    if (recordedBytes + chunk.length > recordedBytesMax) return;
    chunks.push(chunk);
    recordedBytes += chunk.length;
  };
  const server = createServer((inbound) => {
    const outbound = connect({ host: target.host, port: target.port });
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => { inbound.destroy(); outbound.destroy(); });
      socket.on('close', () => { sockets.delete(socket); inbound.destroy(); outbound.destroy(); });
    }
    inbound.on('data', (chunk: Buffer) => { record(chunk); outbound.write(chunk); });
    outbound.on('data', (chunk: Buffer) => { record(chunk); inbound.write(chunk); });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address !== null ? address.port : 0,
    recorded: () => Buffer.concat(chunks),
    close: () => {
      server.close();
      for (const socket of sockets) socket.destroy();
    },
  };
}

export interface SpawnedNode {
  address: string;
  directory: string;
  output(): string;
  systemLog(): string;
  stop(): Promise<void>;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** client_encryption_options and server_encryption_options of a node's configuration. */
export type NodeEncryption = Pick<NodeConfigFileSettings, 'clientEncryptionOptions' | 'serverEncryptionOptions'>;

/** `aero node` on address with the given ports, seeds and encryption settings; resolves once its native port accepts. */
export async function spawnNode(options: {
  address: string; nativePort: number; storagePort: number; adminPort: number; seeds: string; clusterName: string; logLevel?: LogLevel;
  encryption?: NodeEncryption;
}): Promise<SpawnedNode> {
  const directory = temporaryDirectory('aero-tls-node-');
  mkdirSync(join(directory, 'conf'));
  const configFile = join(directory, 'conf', 'aero.yaml');
  writeNodeConfigFile(configFile, {
    clusterName: options.clusterName, listenAddress: options.address, rpcAddress: options.address,
    nativeTransportPort: options.nativePort, storagePort: options.storagePort, adminPort: options.adminPort,
    numTokens: 4, logLevel: options.logLevel ?? 'info', seeds: options.seeds.split(','), autoBootstrap: false, ...options.encryption,
  });
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [...nodeRuntimeFlags, 'bin/aero.js', 'node', '--config', configFile, '--data-dir', directory], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-500_000); });
  child.stderr?.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-500_000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  while (!(await canConnect(options.address, options.nativePort))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`node on ${options.address} did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    address: options.address,
    directory,
    output: () => output,
    systemLog: () => readFileSync(join(directory, 'logs', 'system.log'), 'utf8'),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
