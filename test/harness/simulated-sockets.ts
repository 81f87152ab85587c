// A simulated Network (src/db/common/world.ts) of byte streams for whole nodes in one process:
// every host (127.0.0.N) gets a view per process lifetime, through which it listens and
// connects as over TCP. Bytes travel on the SimulatedClock with a seeded delay, in order per
// direction (as TCP keeps them). A cut link holds its bytes, as TCP retransmits them, and
// delivers them when healed; a connect across a cut times out. A crashed host's sockets
// reset at its peers, its listeners go, and its old view fails every call, so an abandoned
// process can do nothing. Every delivery feeds a trace digest: two runs of one seed must
// produce the same digest.

import { createHash, type Hash } from 'node:crypto';
import type { Connection, Listener, ListenOptions, Network } from '../../src/db/common/world.js';
import type { SeededRandom } from './seeded-random.js';
import type { SimulatedClock } from './simulated-clock.js';

export interface SimulatedSocketsOptions {
  clock: SimulatedClock;
  random: SeededRandom;
  delayMinMs?: number;
  delayMaxMs?: number;
}

type Item = { kind: 'data'; bytes: Buffer } | { kind: 'fin' } | { kind: 'reset' };

/** Undelivered bytes on one direction past which write() asks the writer to wait for drain. */
const writeBufferBytes = 1 << 20;
/** How long a connect across a cut link waits before it fails (the kernel's SYN retries, shortened). */
const connectAcrossCutMs = 10_000;

/** One direction of a connection: items in order, each due no earlier than the one before. */
interface Pipe {
  from: SimulatedSocket;
  to: SimulatedSocket;
  queue: Array<{ item: Item; dueMs: number }>;
  lastDueMs: number;
  queuedBytes: number;
}

class SimulatedSocket implements Connection {
  outbound!: Pipe;
  private dataListeners: Array<(chunk: Buffer) => void> = [];
  private drainListeners: Array<() => void> = [];
  private closeListeners: Array<(error?: Error) => void> = [];
  private held: Buffer[] = [];
  private paused = false;
  full = false;
  closed = false;
  private closeError: Error | undefined;

  constructor(
    private readonly network: SimulatedSockets,
    readonly localAddress: string,
    readonly remoteAddress: string,
    readonly remotePort: number,
  ) {}

  write(data: Uint8Array): boolean {
    if (this.closed) return false;
    this.network.send(this.outbound, { kind: 'data', bytes: Buffer.from(data) });
    if (this.outbound.queuedBytes > writeBufferBytes) this.full = true;
    return !this.full;
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListeners.push(listener);
  }

  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }

  onClose(listener: (error?: Error) => void): void {
    if (this.closed) listener(this.closeError);
    else this.closeListeners.push(listener);
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const chunk of held) this.deliver(chunk);
  }

  end(): void {
    if (this.closed) return;
    this.network.send(this.outbound, { kind: 'fin' });
  }

  destroy(): void {
    if (this.closed) return;
    this.network.send(this.outbound, { kind: 'reset' });
    this.close();
  }

  deliver(chunk: Buffer): void {
    if (this.closed) return;
    if (this.paused) this.held.push(chunk);
    else for (const listener of this.dataListeners) listener(chunk);
  }

  drained(): void {
    if (!this.full || this.closed) return;
    this.full = false;
    for (const listener of this.drainListeners) listener();
  }

  close(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closeError = error;
    for (const listener of this.closeListeners) listener(error);
  }
}

/** One process lifetime of a host: its listeners and sockets die with it. */
interface Lifetime {
  host: string;
  alive: boolean;
  sockets: Set<SimulatedSocket>;
  listenerKeys: Set<string>;
}

export class SimulatedSockets {
  private readonly clock: SimulatedClock;
  private readonly random: SeededRandom;
  private readonly delayMinMs: number;
  private readonly delayMaxMs: number;
  private readonly listeners = new Map<string, { lifetime: Lifetime; accept: (connection: Connection) => void }>();
  private readonly lifetimes = new Map<string, Lifetime>();
  private readonly cutLinks = new Set<string>();
  private readonly pipes = new Set<Pipe>();
  private nextPort = 40_000;
  private readonly trace: Hash = createHash('sha256');
  readonly stats = { connects: 0, refused: 0, deliveries: 0, bytes: 0 };

  constructor(options: SimulatedSocketsOptions) {
    this.clock = options.clock;
    this.random = options.random;
    this.delayMinMs = options.delayMinMs ?? 0.1;
    this.delayMaxMs = options.delayMaxMs ?? 2;
  }

  /** The Network of one process on host; crash(host) ends it. */
  view(host: string): Network {
    const previous = this.lifetimes.get(host);
    if (previous?.alive === true) throw new Error(`host ${host} already has a live process`);
    const lifetime: Lifetime = { host, alive: true, sockets: new Set(), listenerKeys: new Set() };
    this.lifetimes.set(host, lifetime);
    return {
      listen: (options, onConnection) => this.listen(lifetime, options, onConnection),
      connect: (options) => this.connect(lifetime, options),
    };
  }

  /** The process on host dies: its sockets reset at their peers, its ports close. */
  crash(host: string): void {
    const lifetime = this.lifetimes.get(host);
    if (lifetime === undefined || !lifetime.alive) return;
    lifetime.alive = false;
    for (const key of lifetime.listenerKeys) this.listeners.delete(key);
    for (const socket of lifetime.sockets) {
      // The peer learns of it as a reset, after the usual delay; the dead side hears nothing.
      // What it had not yet sent dies with it.
      const pipe = socket.outbound;
      pipe.queue = [];
      pipe.queuedBytes = 0;
      if (!socket.closed) this.send(pipe, { kind: 'reset' });
    }
    for (const socket of lifetime.sockets) socket.closed = true;
  }

  /** Cuts the links between two hosts both ways (oneWay: only a -> b). */
  cut(a: string, b: string, options: { oneWay?: boolean } = {}): void {
    this.cutLinks.add(`${a}>${b}`);
    if (options.oneWay !== true) this.cutLinks.add(`${b}>${a}`);
  }

  partition(groupA: readonly string[], groupB: readonly string[]): void {
    for (const a of groupA) for (const b of groupB) this.cut(a, b);
  }

  /** Restores every link; what the cuts held is delivered, in order, after a fresh delay. */
  heal(): void {
    this.cutLinks.clear();
    for (const pipe of this.pipes) {
      if (pipe.queue.length === 0) continue;
      const nowMs = this.clock.monotonicMs();
      for (const entry of pipe.queue) {
        entry.dueMs = Math.max(pipe.lastDueMs, entry.dueMs, nowMs + this.delay());
        pipe.lastDueMs = entry.dueMs;
        this.clock.setTimer(entry.dueMs - nowMs, () => this.pump(pipe));
      }
    }
  }

  /**
   * Resets every connection between hosts a and b at once, as a middlebox dropping the flows
   * would: what was in flight either way is lost, and both ends see ECONNRESET.
   */
  reset(a: string, b: string): void {
    for (const pipe of [...this.pipes]) {
      const ends = [pipe.from.localAddress, pipe.to.localAddress];
      if (!(ends.includes(a) && ends.includes(b) && a !== b)) continue;
      pipe.queue = [];
      pipe.queuedBytes = 0;
      this.pipes.delete(pipe);
      this.trace.update(`${this.clock.monotonicMs().toFixed(3)} ${ends.join('>')} reset\n`);
      pipe.from.close(new Error('ECONNRESET'));
      pipe.to.close(new Error('ECONNRESET'));
    }
  }

  /** A digest of every delivery so far (time, link, bytes): equal for two runs of one seed. */
  traceDigest(): string {
    return this.trace.copy().digest('hex');
  }

  send(pipe: Pipe, item: Item): void {
    const nowMs = this.clock.monotonicMs();
    const dueMs = Math.max(pipe.lastDueMs, nowMs + this.delay());
    pipe.lastDueMs = dueMs;
    pipe.queue.push({ item, dueMs });
    if (item.kind === 'data') pipe.queuedBytes += item.bytes.length;
    this.clock.setTimer(dueMs - nowMs, () => this.pump(pipe));
  }

  private delay(): number {
    return this.delayMinMs + this.random.nextFloat() * (this.delayMaxMs - this.delayMinMs);
  }

  /** Delivers what is due at the head of the pipe, unless its link is cut. */
  private pump(pipe: Pipe): void {
    const link = `${pipe.from.localAddress}>${pipe.to.localAddress}`;
    while (pipe.queue.length > 0 && !this.cutLinks.has(link)) {
      const head = pipe.queue[0] as { item: Item; dueMs: number };
      if (head.dueMs > this.clock.monotonicMs()) return;
      pipe.queue.shift();
      this.arrive(pipe, head.item, link);
    }
  }

  private arrive(pipe: Pipe, item: Item, link: string): void {
    this.stats.deliveries++;
    this.trace.update(`${this.clock.monotonicMs().toFixed(3)} ${link} ${pipe.from.remotePort}/${pipe.to.remotePort} ${item.kind}\n`);
    if (item.kind === 'data') {
      this.stats.bytes += item.bytes.length;
      this.trace.update(item.bytes);
      pipe.queuedBytes -= item.bytes.length;
      if (pipe.queuedBytes === 0) pipe.from.drained();
      pipe.to.deliver(item.bytes);
    } else if (item.kind === 'fin') {
      pipe.to.close();
      pipe.from.close();
    } else {
      pipe.to.close(new Error('ECONNRESET'));
    }
    if (pipe.queue.length === 0 && pipe.from.closed && pipe.to.closed) this.pipes.delete(pipe);
  }

  private listen(lifetime: Lifetime, options: ListenOptions, accept: (connection: Connection) => void): Promise<Listener> {
    if (!lifetime.alive) return Promise.reject(new Error('the process is dead'));
    const port = options.port === 0 ? this.nextPort++ : options.port;
    const key = `${options.host}:${port}`;
    if (options.host !== lifetime.host) return Promise.reject(new Error(`EADDRNOTAVAIL ${key} (this process is on ${lifetime.host})`));
    if (this.listeners.has(key)) return Promise.reject(new Error(`EADDRINUSE ${key}`));
    this.listeners.set(key, { lifetime, accept });
    lifetime.listenerKeys.add(key);
    return Promise.resolve({
      host: options.host,
      port,
      close: () => {
        if (this.listeners.get(key)?.lifetime === lifetime) this.listeners.delete(key);
        lifetime.listenerKeys.delete(key);
        return Promise.resolve();
      },
    });
  }

  private connect(lifetime: Lifetime, options: { host: string; port: number }): Promise<Connection> {
    if (!lifetime.alive) return Promise.reject(new Error('the process is dead'));
    this.stats.connects++;
    const key = `${options.host}:${options.port}`;
    return new Promise((resolve, reject) => {
      if (this.cutLinks.has(`${lifetime.host}>${options.host}`) || this.cutLinks.has(`${options.host}>${lifetime.host}`)) {
        this.clock.setTimer(connectAcrossCutMs, () => reject(new Error(`ETIMEDOUT ${key}`)));
        return;
      }
      // One round trip for the handshake.
      this.clock.setTimer(2 * this.delay(), () => {
        const target = this.listeners.get(key);
        if (!lifetime.alive) reject(new Error('the process is dead'));
        else if (target === undefined || !target.lifetime.alive) {
          this.stats.refused++;
          reject(new Error(`ECONNREFUSED ${key}`));
        } else resolve(this.pair(lifetime, { ...target, port: options.port }));
      });
    });
  }

  private pair(client: Lifetime, target: { lifetime: Lifetime; accept: (connection: Connection) => void; port: number }): SimulatedSocket {
    const local = new SimulatedSocket(this, client.host, target.lifetime.host, target.port);
    const remote = new SimulatedSocket(this, target.lifetime.host, client.host, this.nextPort++);
    local.outbound = { from: local, to: remote, queue: [], lastDueMs: 0, queuedBytes: 0 };
    remote.outbound = { from: remote, to: local, queue: [], lastDueMs: 0, queuedBytes: 0 };
    this.pipes.add(local.outbound);
    this.pipes.add(remote.outbound);
    client.sockets.add(local);
    target.lifetime.sockets.add(remote);
    local.onClose(() => client.sockets.delete(local));
    remote.onClose(() => target.lifetime.sockets.delete(remote));
    target.accept(remote);
    return local;
  }
}
