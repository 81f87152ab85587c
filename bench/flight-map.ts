// The flights scenario's map: the real web server (`aero web`, started like the nodes with the
// bench probe and, with --profile, a CPU profile) on the bench's keyspace, and a WebSocket
// subscriber in the bench that counts the snapshots it pushes, the gaps between them and the
// planes in the newest one: what a browser would see.

import WebSocket from 'ws';
import { join } from 'node:path';
import type { Endpoint } from './clients.js';
import { newHistogram, sleep } from './load.js';
import { freePort, launch, repositoryRoot, stopChild, waitListening, type ServerProcess } from './nodes.js';

export interface MapWindow {
  snapshots: number;
  unhealthy: number;
  firstError: string | null;
  /** Planes in the newest snapshot. */
  planes: number;
  /** Gaps between snapshots, in microseconds (as every bench histogram). */
  gapsMs: ReturnType<typeof newHistogram>;
}

export interface MapServer {
  process: ServerProcess;
  /** Starts counting snapshots afresh. */
  reset(): void;
  window(): MapWindow;
  /** Waits (bounded) until a snapshot shows at least `planes` planes; false on timeout. */
  waitForPlanes(planes: number, timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

interface Snapshot {
  type?: string;
  healthy?: boolean;
  error?: string | null;
  planes?: unknown[];
}

export async function startMapServer(endpoints: readonly Endpoint[], options: { keyspace: string; replicationFactor: number; startTimeoutMs: number; profileDir: string | null }): Promise<MapServer> {
  const port = await freePort();
  const endpoint = { host: '127.0.0.1', port };
  const server = launch('web', [join(repositoryRoot, 'bin', 'aero.js'), 'web', '--host', endpoint.host, '--port', String(port),
    '--contact-points', endpoints.map((e) => `${e.host}:${e.port}`).join(','), '--keyspace', options.keyspace,
    '--replication-factor', String(options.replicationFactor)], { endpoint, profileDir: options.profileDir });
  try {
    await waitListening(server, options.startTimeoutMs);
  } catch (error) {
    server.child.kill('SIGKILL');
    throw error;
  }
  const socket = new WebSocket(`ws://${endpoint.host}:${port}/ws`);
  await new Promise<void>((resolve, reject) => { socket.once('open', () => resolve()); socket.once('error', reject); });
  let current: MapWindow = { snapshots: 0, unhealthy: 0, firstError: null, planes: 0, gapsMs: newHistogram() };
  let lastAtMs: number | null = null;
  socket.on('message', (data: WebSocket.RawData) => {
    const snapshot = JSON.parse(data.toString()) as Snapshot;
    if (snapshot.type !== 'snapshot') return;
    const nowMs = Date.now();
    if (lastAtMs !== null) current.gapsMs.recordValue(Math.max(1, (nowMs - lastAtMs) * 1000));
    lastAtMs = nowMs;
    current.snapshots++;
    current.planes = snapshot.planes?.length ?? 0;
    if (snapshot.healthy === false) {
      current.unhealthy++;
      current.firstError ??= snapshot.error ?? 'unhealthy';
    }
  });
  return {
    process: server.process,
    reset: () => { current = { snapshots: 0, unhealthy: 0, firstError: null, planes: current.planes, gapsMs: newHistogram() }; },
    window: () => current,
    waitForPlanes: async (planes, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      while (current.planes < planes && Date.now() < deadline) await sleep(100);
      return current.planes >= planes;
    },
    stop: async () => {
      socket.close();
      await stopChild(server.child, 10_000);
    },
  };
}
