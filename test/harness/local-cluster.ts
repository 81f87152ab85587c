// Helpers for tests of real multi-node clusters started with `aero cluster`: run the CLI,
// read a node's admin /status, wait for a condition, ask what nodes see of a peer, and a
// driver client pinned to some nodes. Nodes are 127.0.0.<index>, as `aero cluster` places them.

import { execFile } from 'node:child_process';
import cassandra from 'cassandra-driver';
import { freePort } from './node-process.js';

export { freePort };

/** Runs `aero ARGS` (the build in dist/) and resolves with its exit code and output. */
export function aero(args: string[], timeoutMs = 90_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/aero.js', ...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

/** The admin channel's /status of node `index`, or undefined when it does not answer. */
export async function adminStatus<T>(index: number, adminPort: number): Promise<T | undefined> {
  try {
    const response = await fetch(`http://127.0.0.${index}:${adminPort}/status`, { signal: AbortSignal.timeout(2000) });
    return (await response.json()) as T;
  } catch {
    return undefined;
  }
}

/** Polls until condition holds; resolves with the milliseconds it took, or throws naming `what`. */
export async function waitFor(what: string, condition: () => Promise<boolean>, limitMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if (await condition()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what}: not within ${limitMs} ms`);
}

/** Waits until every client's node lists `tables` tables in `keyspace` (a failed query counts as none). */
export async function waitForTables(clients: readonly cassandra.Client[], keyspace: string, tables: number, limitMs: number): Promise<void> {
  await waitFor(`the ${tables} tables of ${keyspace} on every node`, async () => {
    const answers = await Promise.all(clients.map((c) => c.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [keyspace]).then((r) => r.rowLength, () => 0)));
    return answers.every((n) => n === tables);
  }, limitMs);
}

/** Whether every observer's gossip shows node `index` with status `wanted` ('UP' or 'DOWN'). */
export async function seenBy(observers: number[], index: number, wanted: string, adminPort: number): Promise<boolean> {
  const views = await Promise.all(observers.map(async (observer) => {
    const status = await adminStatus<{ peers?: Array<{ address: string; status: string }> }>(observer, adminPort);
    return status?.peers?.find((peer) => peer.address.startsWith(`127.0.0.${index}:`))?.status;
  }));
  return views.every((view) => view === wanted);
}

/** A driver client that only ever talks to the given nodes. */
export function pinnedClient(nodes: number[], nativePort: number): cassandra.Client {
  const hosts = nodes.map((i) => `127.0.0.${i}:${nativePort}`);
  const { loadBalancing } = cassandra.policies;
  return new cassandra.Client({
    contactPoints: hosts, localDataCenter: 'datacenter1', protocolOptions: { port: nativePort },
    policies: { loadBalancing: new loadBalancing.AllowListPolicy(new loadBalancing.DCAwareRoundRobinPolicy('datacenter1'), hosts) },
    queryOptions: { prepare: true, isIdempotent: true },
  });
}
