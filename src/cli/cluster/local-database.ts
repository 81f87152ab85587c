// The local cluster as the database of `aero start` (the LocalDatabase of ../local-node.ts),
// with TLS (--tls) and logins (--auth) when asked; a cluster keeps what it was created with.
// Same layout as one node there: DIR/node1 is node 1's data directory.

import type { LocalDatabase } from '../local-node.js';
import type { CliConsole } from '../console.js';
import { nodeStdoutFile, readManifest } from './manifest.js';
import { startCluster, stopCluster, stopTimeoutMsDefault } from './operations.js';

export interface LocalClusterOptions {
  dataDir: string;
  nodes: number;
  nativePort: number;
  storagePort: number;
  adminPort: number;
  startTimeoutMs: number;
  /** TLS on every port (`aero cluster start --tls`); clients then trust clusterCaFile(dataDir). */
  tls?: boolean;
  /** Logins and permissions on every node (`aero cluster start --auth`). */
  auth?: boolean;
  /** Where progress lines go (default: nowhere; failures are thrown). */
  io?: CliConsole;
}

/** The CA certificate clients of a TLS local cluster in dataDir trust; null when it runs without TLS. */
export function clusterCaFile(dataDir: string): string | null {
  return readManifest(dataDir)?.tls?.caFile ?? null;
}

/** Replication factor the application should use on a cluster of n nodes. */
export function replicationFactorFor(nodes: number): number {
  return Math.min(3, nodes);
}

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalDatabase> {
  let errors = '';
  const io: CliConsole = {
    out: (text) => options.io?.out(text),
    err: (text) => {
      errors += text;
      options.io?.err(text);
    },
  };
  const code = await startCluster({
    directory: options.dataDir, nodeCount: options.nodes, nativePort: options.nativePort, storagePort: options.storagePort,
    adminPort: options.adminPort, startTimeoutMs: options.startTimeoutMs, clusterName: 'Aerolineas Rusticas',
    ...(options.tls === true ? { tls: true } : {}),
    ...(options.auth === true ? { auth: true } : {}),
  }, io);
  const manifest = readManifest(options.dataDir);
  if (code !== 0 || manifest === null) throw new Error(errors.trim() || `the local cluster in ${options.dataDir} did not start`);
  const first = manifest.nodes[0];
  return {
    contactPoints: manifest.nodes.map((node) => `${node.address}:${manifest.nativePort}`),
    localDataCenter: 'datacenter1',
    replicationFactor: replicationFactorFor(manifest.nodes.length),
    logFile: first === undefined ? options.dataDir : nodeStdoutFile(first),
    stop: async () => {
      await stopCluster(options.dataDir, io, { timeoutMs: stopTimeoutMsDefault });
    },
  };
}
