// The database `aero start` runs for the application, behind one interface (LocalDatabase):
// one local node process here (`aero node`, data in DIR/node1, for --nodes 1), or the local
// cluster of `aero cluster start` (./cluster/local-database.ts); start-command picks. The
// flight app itself only ever sees contact points: it is a CQL client.

import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeNodeConfigFile, type NodeConfigFileSettings } from '../db/node/config-file.js';
import { nodeRuntimeFlags } from '../db/node/runtime-flags.js';
import type { WallClock } from '../flights/model/world.js';
import { aeroExecutable, canConnect } from './cluster/processes.js';

const stopTimeoutMs = 15_000;

export interface LocalDatabase {
  contactPoints: string[];
  localDataCenter: string;
  /** The replication factor the application's keyspace should use on it. */
  replicationFactor: number;
  /** Where its logs go, for messages. */
  logFile: string;
  stop(): Promise<void>;
}

export interface LocalNodeOptions {
  dataDir: string;
  host: string;
  nativePort: number;
  storagePort: number;
  adminPort: number;
  startTimeoutMs: number;
  /** TLS on the native port (client_encryption_options): the node's key + certificate and the CA, PEM files. */
  tls?: { keystoreFile: string; caFile: string };
  /** PasswordAuthenticator and CassandraAuthorizer. */
  auth?: boolean;
}

const probeTimeoutMs = 2_000;

function securitySettings(options: LocalNodeOptions): NodeConfigFileSettings {
  return {
    ...(options.tls === undefined ? {} : {
      clientEncryptionOptions: { enabled: true, optional: false, keystore: options.tls.keystoreFile, truststore: options.tls.caFile, require_client_auth: false },
    }),
    ...(options.auth === true ? { authenticator: 'PasswordAuthenticator', authorizer: 'CassandraAuthorizer' } : {}),
  };
}

/** Starts `aero node` in a child process on the data directory and waits for its CQL port. */
export async function startLocalNode(options: LocalNodeOptions, clock: WallClock): Promise<LocalDatabase> {
  const nodeDir = resolve(options.dataDir, 'node1');
  mkdirSync(nodeDir, { recursive: true });
  if (await canConnect(options.host, options.nativePort, { timeoutMs: probeTimeoutMs })) {
    throw new Error(`port ${options.host}:${options.nativePort} is already in use (another node running? use --native-port, or --contact-points to use it)`);
  }
  const configFile = join(nodeDir, 'aero.yaml');
  writeNodeConfigFile(configFile, {
    clusterName: 'Aerolineas Rusticas', listenAddress: options.host, rpcAddress: options.host, nativeTransportPort: options.nativePort,
    storagePort: options.storagePort, adminPort: options.adminPort, logLevel: 'info', ...securitySettings(options),
  });
  const logFile = join(nodeDir, 'node.out');
  const log = createWriteStream(logFile, { flags: 'a' });
  // In its own process group, as the cluster's nodes are: Ctrl-C on the terminal signals the
  // whole foreground group, and a node signalled both by it and by our stop() would take the
  // second signal as "exit at once, undrained". This way only we stop it, after its clients.
  const child: ChildProcess = spawn(process.execPath, [...nodeRuntimeFlags, aeroExecutable(), 'node', '--config', configFile, '--data-dir', nodeDir], {
    stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  // `aero node` says so on stderr when it cannot start; do not wait for the timeout then.
  let failure: string | null = null;
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    if (failure === null && text.startsWith('aero node: ')) failure = text.trim().slice(0, 500);
  });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const deadline = clock.nowMs() + options.startTimeoutMs;
  while (!(await canConnect(options.host, options.nativePort, { timeoutMs: probeTimeoutMs }))) {
    if (child.exitCode !== null) throw new Error(`the database node exited with code ${child.exitCode} during startup; see ${logFile}`);
    if (failure !== null) {
      child.kill('SIGKILL');
      throw new Error(`the database node did not start (${failure}); see ${logFile}`);
    }
    if (clock.nowMs() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the database node did not open ${options.host}:${options.nativePort} within ${options.startTimeoutMs} ms; see ${logFile}`);
    }
    await clock.sleep(200);
  }
  return {
    contactPoints: [`${options.host}:${options.nativePort}`],
    localDataCenter: 'datacenter1',
    replicationFactor: 1,
    logFile,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      // A timer of our own (not clock.sleep) so that it can be cleared: a pending one would
      // keep the process alive for its whole length after a clean stop.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolveTimeout) => { timer = setTimeout(() => resolveTimeout('timeout'), stopTimeoutMs); });
      const outcome = await Promise.race([exited, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        child.kill('SIGKILL');
        await exited;
      }
      log.end();
      if (outcome === 'timeout') throw new Error(`the database node did not stop within ${stopTimeoutMs} ms and was killed; see ${logFile}`);
      if (outcome !== 0 && outcome !== null) throw new Error(`the database node exited with code ${outcome} (not a clean stop); see ${logFile}`);
    },
  };
}
