// N whole nodes in one process, from one seed: each is what `aero node` runs — buildNode
// (src/db/node/node.ts) with schema, storage, gossip and messaging, coordinator, hints,
// batchlog, schema sync, auth, the CQL native server and the admin channel — on a World of
// the harness: the shared SimulatedClock, a SeededRandom fork, its own SimulatedDisk and its
// host's view of SimulatedSockets (127.0.0.N, the same ports on every host, as `aero cluster`
// places real nodes). Tests speak CQL frames (cql-client.ts) and admin HTTP to the nodes over
// the same simulated network from a client host, crash and restart nodes (a crash loses
// what a disk had not synced), and cut links. Nothing waits on real time, so a run replays
// exactly from its seed; traceDigest() fingerprints it.

import { inlineBcrypt } from '../../src/db/auth/password.js';
import type { ConsistencyLevel } from '../../src/db/common/consistency.js';
import type { Logger, Network } from '../../src/db/common/world.js';
import { resolveNodeConfig, type NodeConfig } from '../../src/db/node/config.js';
import { buildNode, type RunningNode } from '../../src/db/node/node.js';
import { CqlClient, type Row } from './cql-client.js';
import { SeededRandom } from './seeded-random.js';
import { SimulatedClock } from './simulated-clock.js';
import { SimulatedDisk } from './simulated-disk.js';
import { SimulatedSockets } from './simulated-sockets.js';

export interface NodeClusterOptions {
  nodes: number;
  seed: number;
  /** PasswordAuthenticator and CassandraAuthorizer on every node (default: allow all). */
  auth?: boolean;
  numTokens?: number;
  /** max_hint_window_in_ms of every node (Cassandra's default, 3 hours, when absent). */
  maxHintWindowMs?: number;
  /** Nodes (0-based) that join a running cluster (auto_bootstrap); the others are created with it. */
  joining?: number[];
  /** ring_delay_ms of every node (Cassandra's 30 s when absent). */
  ringDelayMs?: number;
  /** stream_throughput_outbound of every node, e.g. '64KiB/s'. */
  streamThroughput?: string;
}

export interface AdminStatus {
  schemaVersion?: string;
  tokens?: string[];
  peers?: Array<{ address: string; status: string; tokens?: string[] }>;
  coordinator?: { hints: { pending: number; written: number }; batchlogEntries: number; batchesReplayed: number; readRepairs: number };
}

export const ports = { native: 9042, storage: 7000, admin: 7199 };
/** Where the harness's clients run: a host of its own, outside every cut between nodes. */
const clientHost = '127.0.1.1';
/** bcrypt inline (no slices timed by the real clock) at its lowest cost: the harness checks logins, not the hash's strength. */
const passwords = { hasher: inlineBcrypt, workFactor: 4 };
const logLinesMax = 400;

export class NodeCluster {
  readonly clock = new SimulatedClock();
  readonly random: SeededRandom;
  readonly network: SimulatedSockets;
  readonly hosts: string[];
  private readonly disks: SimulatedDisk[];
  private readonly nodes: (RunningNode | undefined)[];
  private readonly clientNetwork: Network;
  /** The newest log lines of every node, for failure messages. */
  private readonly logLines: string[] = [];

  constructor(readonly options: NodeClusterOptions) {
    this.random = new SeededRandom(options.seed);
    this.network = new SimulatedSockets({ clock: this.clock, random: this.random.fork() });
    this.hosts = Array.from({ length: options.nodes }, (_, index) => `127.0.0.${index + 1}`);
    this.disks = this.hosts.map((_, index) => new SimulatedDisk({ seed: options.seed * 1000 + index }));
    this.nodes = this.hosts.map(() => undefined);
    this.clientNetwork = this.network.view(clientHost);
  }

  /** Starts every node in turn, then waits until each sees every other up. */
  async startAll(): Promise<void> {
    for (let index = 0; index < this.hosts.length; index++) await this.start(index);
    await this.until(`every node up (seed ${this.options.seed})`, async () => {
      for (let index = 0; index < this.hosts.length; index++) if (!(await this.seesAll(index, 'UP'))) return false;
      return true;
    }, 60_000);
  }

  async start(index: number, limitMs = 60_000): Promise<RunningNode> {
    return this.run(this.launch(index), limitMs);
  }

  /**
   * Starts node index without running virtual time (a joining node's start lasts its whole
   * bootstrap: tests watch it, or crash it half-way). The node counts as running once started.
   */
  launch(index: number): Promise<RunningNode> {
    if (this.nodes[index] !== undefined) throw new Error(`node ${index + 1} is running`);
    const host = this.hosts[index] as string;
    const world = {
      clock: this.clock, random: this.random.fork(), disk: (this.disks[index] as SimulatedDisk).view(),
      network: this.network.view(host), logger: this.logger({ node: index + 1 }),
    };
    return buildNode(world, this.config(index), { passwords }).then((node) => {
      this.nodes[index] = node;
      return node;
    });
  }

  /** Kills a node whose start has not finished (a joining node streaming its ranges): its network and disk die. */
  crashStarting(index: number): void {
    if (this.nodes[index] !== undefined) throw new Error(`node ${index + 1} has started; use crash`);
    this.network.crash(this.hosts[index] as string);
    (this.disks[index] as SimulatedDisk).crash();
  }

  /** Kills node index: its sockets reset, its unsynced bytes are lost, its timers stop. */
  crash(index: number): void {
    const node = this.nodes[index];
    if (node === undefined) throw new Error(`node ${index + 1} is not running`);
    this.nodes[index] = undefined;
    this.network.crash(this.hosts[index] as string);
    (this.disks[index] as SimulatedDisk).crash();
    // The process is gone: what it would still do fails on its dead network and disk. Stopping
    // it cancels its timers, so the abandoned node does not tick on in the simulation.
    node.stop({ drainMs: 0 }).catch(() => undefined);
  }

  /** A CQL session with node index, from the client host. */
  client(index: number, credentials?: { user: string; password: string }): Promise<CqlClient> {
    const options = { host: this.hosts[index] as string, port: ports.native, ...(credentials === undefined ? {} : { credentials }) };
    return this.run(CqlClient.connect(this.clientNetwork, options));
  }

  /** A CQL session with node index without running virtual time (for clients that reconnect while a test runs). */
  clientPending(index: number): Promise<CqlClient> {
    return CqlClient.connect(this.clientNetwork, { host: this.hosts[index] as string, port: ports.native });
  }

  /** Whether node index is running (started and not crashed). */
  isRunning(index: number): boolean {
    return this.nodes[index] !== undefined;
  }

  /** One query through a fresh session with node index (closed after). */
  async query(index: number, cql: string, consistency: ConsistencyLevel): Promise<Row[]> {
    const client = await this.client(index);
    try {
      return await this.run(client.query(cql, consistency));
    } finally {
      client.close();
    }
  }

  /** Node index's admin /status, over HTTP on the simulated network; undefined if it does not answer. */
  async adminStatus(index: number): Promise<AdminStatus | undefined> {
    try {
      return await this.run(adminRequest(this.clientNetwork, this.hosts[index] as string, 'GET /status'), 5_000) as AdminStatus;
    } catch {
      return undefined;
    }
  }

  /** An admin operation on node index (e.g. 'POST /disablehandoff'), as nodetool sends it; its JSON answer. */
  admin(index: number, request: string, options: { limitMs?: number } = {}): Promise<unknown> {
    return this.run(adminRequest(this.clientNetwork, this.hosts[index] as string, request), options.limitMs ?? 5_000);
  }

  /** An admin request to node index without running virtual time (for one that lasts while the test does other things). */
  adminPending(index: number, request: string): Promise<unknown> {
    return adminRequest(this.clientNetwork, this.hosts[index] as string, request);
  }

  /** Whether node index's gossip shows every other node with status wanted ('UP' or 'DOWN'). */
  async seesAll(index: number, wanted: string, others?: number[]): Promise<boolean> {
    const status = await this.adminStatus(index);
    const targets = others ?? this.hosts.map((_, other) => other).filter((other) => other !== index);
    return targets.every((other) => status?.peers?.find((peer) => peer.address.startsWith(`${this.hosts[other]}:`))?.status === wanted);
  }

  /** Runs virtual time until work settles; throws when it takes longer than limitMs. */
  async run<T>(work: Promise<T>, limitMs = 60_000): Promise<T> {
    let settled = false;
    work.then(() => { settled = true; }, () => { settled = true; });
    if (!(await this.clock.advanceUntil(() => settled, { limitMs, stepMs: 5 }))) {
      throw new Error(`not settled within ${limitMs} virtual ms (seed ${this.options.seed})\n${this.logTail()}`);
    }
    return work;
  }

  /** Checks every everyMs of virtual time until check holds; throws naming what after limitMs. */
  async until(what: string, check: () => Promise<boolean>, limitMs: number, everyMs = 250): Promise<void> {
    const deadline = this.clock.monotonicMs() + limitMs;
    while (!(await check())) {
      if (this.clock.monotonicMs() >= deadline) throw new Error(`${what}: not within ${limitMs} virtual ms (seed ${this.options.seed})\n${this.logTail()}`);
      await this.clock.advance(everyMs);
    }
  }

  /** Lets virtual time pass. */
  async sleep(durationMs: number): Promise<void> {
    await this.clock.advance(durationMs);
  }

  logTail(lines = 40): string {
    return this.logLines.slice(-lines).join('\n');
  }

  private config(index: number): NodeConfig {
    const host = this.hosts[index] as string;
    return resolveNodeConfig({
      cluster_name: 'Harness Cluster',
      listen_address: host,
      rpc_address: host,
      native_transport_port: ports.native,
      storage_port: ports.storage,
      admin_port: ports.admin,
      num_tokens: this.options.numTokens ?? 8,
      // Nodes created with the cluster start on an empty ring; only the joining ones bootstrap.
      auto_bootstrap: this.options.joining?.includes(index) === true,
      ...(this.options.ringDelayMs === undefined ? {} : { ring_delay_ms: this.options.ringDelayMs }),
      ...(this.options.streamThroughput === undefined ? {} : { stream_throughput_outbound: this.options.streamThroughput }),
      ...(this.options.maxHintWindowMs === undefined ? {} : { max_hint_window_in_ms: this.options.maxHintWindowMs }),
      ...(this.options.auth === true ? { authenticator: 'PasswordAuthenticator', authorizer: 'CassandraAuthorizer' } : {}),
      seed_provider: [{ class_name: 'org.apache.cassandra.locator.SimpleSeedProvider', parameters: [{ seeds: this.hosts[0] }] }],
    }, { cwd: '/' });
  }

  private logger(bindings: Record<string, unknown>): Logger {
    const line = (level: string, message: string, fields?: Record<string, unknown>) => {
      this.logLines.push(`${this.clock.monotonicMs().toFixed(1)} ${level} ${JSON.stringify(bindings)} ${message} ${fields === undefined ? '' : safeJson(fields)}`);
      if (this.logLines.length > logLinesMax) this.logLines.shift();
    };
    return {
      debug: () => undefined,
      info: (message, fields) => line('info', message, fields),
      warn: (message, fields) => line('warn', message, fields),
      error: (message, fields) => line('error', message, fields),
      isDebugEnabled: () => false,
      child: (more) => this.logger({ ...bindings, ...more }),
    };
  }
}

function safeJson(fields: Record<string, unknown>): string {
  return JSON.stringify(fields, (_, value: unknown) => (value instanceof Error ? value.message : typeof value === 'bigint' ? String(value) : value));
}

/** 'METHOD /path' to the admin channel at host, as curl sends it: one request, the response until close. */
async function adminRequest(network: Network, host: string, request: string): Promise<unknown> {
  const connection = await network.connect({ host, port: ports.admin });
  const chunks: Buffer[] = [];
  connection.onData((chunk) => chunks.push(chunk));
  const closed = new Promise<void>((resolve) => connection.onClose(() => resolve()));
  connection.write(Buffer.from(`${request} HTTP/1.1\r\nHost: ${host}:${ports.admin}\r\nContent-Length: 0\r\n\r\n`, 'latin1'));
  await closed;
  const text = Buffer.concat(chunks).toString('utf8');
  const bodyStart = text.indexOf('\r\n\r\n');
  if (!text.startsWith('HTTP/1.1 200 ') || bodyStart < 0) throw new Error(`admin ${request}: ${text.split('\r\n')[0] ?? 'no response'} ${bodyStart < 0 ? '' : text.slice(bodyStart + 4).trim()}`);
  return JSON.parse(text.slice(bodyStart + 4));
}
