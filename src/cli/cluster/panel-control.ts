// The web app's handle on the local cluster `aero start` runs (the ClusterControl of
// src/flights/web/cluster-view.ts): the nodes as gossip sees them (GET /status of each node's
// admin port, the first that answers being the observer), their hint and read-repair metrics
// (GET /metrics), where a flight's partitions live, and stopping (SIGKILL, as a crash) and
// starting a node through the same operations as `aero cluster kill` and `aero cluster restart`.
// One operation at a time; views are gathered at most once per viewCacheMs whatever the
// number of browsers polling, and every probe is bounded by probeTimeoutMs.

import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterNodeView, ClusterView, FlightPlacementView } from '../../flights/web/cluster-contract.js';
import { ClusterControlRefusal, type ClusterControl, type NodeAction } from '../../flights/web/cluster-view.js';
import type { DatabaseOptions } from '../../flights/model/database.js';
import type { CliConsole } from '../console.js';
import { credentialsDirectory } from './app-security.js';
import { describeReplication, flightPartitionToken, replicasOf, ringOf, type RingMember } from './flight-placement.js';
import { readManifest, type ClusterManifest, type ClusterNode } from './manifest.js';
import { fetchNodeStatus, type NodeStatusReport, type RingEndpoint } from './node-status.js';
import { killNode, restartNode } from './operations.js';
import { isNodeRunning } from './processes.js';

const probeTimeoutMs = 700;
const viewCacheMs = 800;
const restartTimeoutMs = 120_000;
const metricsBytesMax = 1024 * 1024;
export const webAdminTokenFileName = 'web-admin-token';

/** The administrator's token of the web app: DIR/credentials/web-admin-token (0600), made once and kept. */
export function ensureWebAdminToken(directory: string): { token: string; file: string } {
  const folder = credentialsDirectory(directory);
  const file = join(folder, webAdminTokenFileName);
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (/^[A-Za-z0-9_-]{32,200}$/.test(token)) return { token, file };
  }
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  const token = randomBytes(24).toString('base64url');
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${token}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
  return { token, file };
}

/** Sums of the metric families the panel shows, from a Prometheus text exposition. */
export function panelMetrics(text: string): { hintsInProgress: number | null; hintsDelivered: number | null; readRepairs: number | null } {
  const sums = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})? ([-+0-9.eE]+|NaN)/.exec(line);
    if (match === null) continue;
    const value = Number(match[2]);
    if (Number.isFinite(value)) sums.set(match[1] ?? '', (sums.get(match[1] ?? '') ?? 0) + value);
  }
  const sum = (name: string) => sums.get(name) ?? null;
  return {
    hintsInProgress: sum('cassandra_storage_hints_in_progress'),
    hintsDelivered: sum('cassandra_hints_delivered_total'),
    readRepairs: sum('cassandra_read_repair_repaired_blocking_total'),
  };
}

async function fetchMetrics(node: ClusterNode, port: number): Promise<ReturnType<typeof panelMetrics> | null> {
  try {
    const response = await fetch(`http://${node.address}:${port}/metrics`, { signal: AbortSignal.timeout(probeTimeoutMs) });
    const text = await response.text();
    if (!response.ok || text.length > metricsBytesMax) return null;
    return panelMetrics(text);
  } catch {
    return null; // down or slow: the panel shows no figures for it
  }
}

async function fetchStatus(node: ClusterNode, manifest: ClusterManifest): Promise<NodeStatusReport | null> {
  try {
    return await fetchNodeStatus(node.address, manifest.adminPort, { timeoutMs: probeTimeoutMs });
  } catch {
    return null; // down or slow: another node's gossip says what it is
  }
}

interface Operation { node: string; action: NodeAction }

export interface PanelControlOptions {
  /** The cluster's directory (DIR/cluster). */
  directory: string;
  database: Pick<DatabaseOptions, 'keyspace' | 'replication' | 'strongConsistency' | 'weakConsistency'>;
  adminToken: string;
  /** Where operation failures are logged. */
  warn(message: string): void;
}

export class LocalClusterControl implements ClusterControl {
  readonly adminToken: string;
  private running: (Operation & { done: Promise<void> }) | null = null;
  private lastOperation: ClusterView['lastOperation'] = null;
  private cached: { atMs: number; view: Promise<ClusterView>; members: RingMember[] } | null = null;

  constructor(private readonly options: PanelControlOptions) {
    this.adminToken = options.adminToken;
  }

  async view(): Promise<ClusterView> {
    return (await this.gathered()).view;
  }

  private async gathered(): Promise<{ view: ClusterView; members: RingMember[] }> {
    const now = Date.now();
    if (this.cached === null || now - this.cached.atMs >= viewCacheMs) {
      const members: RingMember[] = [];
      this.cached = { atMs: now, view: this.gather(members), members };
    }
    const { view, members } = this.cached;
    return { view: await view, members };
  }

  private manifest(): ClusterManifest {
    const manifest = readManifest(this.options.directory);
    if (manifest === null) throw new Error(`no cluster in ${this.options.directory}`);
    return manifest;
  }

  private async gather(members: RingMember[]): Promise<ClusterView> {
    const manifest = this.manifest();
    const nodes = manifest.nodes.filter((node) => node.decommissioned !== true);
    const [statuses, metrics] = await Promise.all([
      Promise.all(nodes.map((node) => fetchStatus(node, manifest))),
      Promise.all(nodes.map((node) => fetchMetrics(node, manifest.adminPort))),
    ]);
    const observer = statuses.find((status) => status !== null) ?? null;
    const seen = new Map<string, RingEndpoint>();
    if (observer !== null) for (const endpoint of [observer.local, ...(observer.peers ?? [])]) seen.set(endpoint.address, endpoint);
    const views = nodes.map((node, i): ClusterNodeView => {
      const endpoint = seen.get(node.address) ?? statuses[i]?.local ?? null;
      const figures = metrics[i] ?? null;
      const name = `node${node.index}`;
      if (endpoint !== null) members.push({ address: node.address, dataCenter: endpoint.dataCenter, rack: endpoint.rack, tokens: endpoint.tokens ?? [] });
      return {
        name, address: node.address,
        status: observer === null ? 'UNKNOWN' : endpoint?.status ?? 'UNKNOWN',
        state: endpoint?.state ?? 'NORMAL',
        loadBytes: endpoint?.loadBytes ?? null,
        tokens: endpoint?.tokens ?? [],
        running: isNodeRunning(node.pid, node),
        hintsInProgress: figures?.hintsInProgress ?? null,
        hintsDelivered: figures?.hintsDelivered ?? null,
        readRepairs: figures?.readRepairs ?? null,
        operation: this.running?.node === name ? (this.running.action === 'stop' ? 'stopping' : 'starting') : null,
      };
    });
    return {
      keyspace: this.options.database.keyspace, replication: describeReplication(this.options.database.replication),
      observedBy: observer?.local.address ?? null, nodes: views, lastOperation: this.lastOperation, gatheredAtMs: Date.now(),
    };
  }

  async placement(flight: { flightNumber: string; date: string }): Promise<FlightPlacementView | null> {
    const { members } = await this.gathered();
    const ring = ringOf(members);
    if (ring === null) return null;
    const token = flightPartitionToken(flight);
    const replicas = replicasOf(ring, { token, replication: this.options.database.replication });
    const { strongConsistency, weakConsistency } = this.options.database;
    return {
      ...flight,
      status: { table: 'flight_status', token: token.toString(), replicas, readConsistency: strongConsistency, writeConsistency: strongConsistency },
      tracking: { table: 'flight_tracking', token: token.toString(), replicas, readConsistency: weakConsistency, writeConsistency: weakConsistency },
    };
  }

  begin(name: string, action: NodeAction): { node: string; action: NodeAction } {
    const node = this.manifest().nodes.find((candidate) => `node${candidate.index}` === name && candidate.decommissioned !== true);
    if (node === undefined) throw new ClusterControlRefusal(`no node named '${name}' in this cluster`, 404);
    if (this.running !== null) throw new ClusterControlRefusal(`${this.running.node} is ${this.running.action === 'stop' ? 'stopping' : 'starting'}; wait for it`, 409);
    const up = isNodeRunning(node.pid, node);
    if (action === 'stop' && !up) throw new ClusterControlRefusal(`${name} is not running`, 409);
    if (action === 'start' && up) throw new ClusterControlRefusal(`${name} is already running`, 409);
    let output = '';
    const io: CliConsole = { out: (text) => { output += text; }, err: (text) => { output += text; } };
    const work = action === 'stop'
      ? killNode(this.options.directory, node.index, { io })
      : restartNode(this.options.directory, node.index, { io, startTimeoutMs: restartTimeoutMs });
    const done = work.then((code) => ({ ok: code === 0, message: output.trim() }), (error: unknown) => ({ ok: false, message: error instanceof Error ? error.message : String(error) }))
      .then((result) => {
        if (!result.ok) this.options.warn(`cluster panel: ${action} ${name}: ${result.message}`);
        this.lastOperation = { node: name, action, ok: result.ok, message: result.message.slice(0, 500) };
        this.running = null;
        this.cached = null;
      });
    this.running = { node: name, action, done };
    this.cached = null;
    return { node: name, action };
  }

  /** Waits for the operation under way, if any (before the cluster itself is stopped). */
  async settle(): Promise<void> {
    await this.running?.done;
  }
}
