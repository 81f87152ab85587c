// An in-memory Network (src/db/common/world.ts) of byte streams, for testing code that speaks
// over Connections (the TCP transport) without sockets. Bytes arrive on a later microtask,
// cut into seeded random chunk sizes so that readers meet every kind of split. Hosts can be
// made unreachable (connects fail), live connections can be broken, and a small write buffer
// makes writers wait for drain events (back-pressure).

import type { Connection, Listener, ListenOptions, Network } from '../../src/db/common/world.js';
import type { SeededRandom } from './seeded-random.js';

class MemoryConnection implements Connection {
  peer: MemoryConnection | undefined;
  private dataListeners: ((chunk: Buffer) => void)[] = [];
  private closeListeners: ((error?: Error) => void)[] = [];
  private drainListeners: (() => void)[] = [];
  private closed = false;
  private paused = false;
  private held: Buffer[] = [];
  /** Bytes written but not yet delivered; past writeBufferBytes, write() asks the caller to wait. */
  private unsentBytes = 0;
  private full = false;

  constructor(
    readonly localAddress: string,
    readonly remoteAddress: string,
    readonly remotePort: number,
    private readonly options: { random: SeededRandom; writeBufferBytes: number },
  ) {}

  write(data: Uint8Array): boolean {
    if (this.closed) return false;
    const bytes = Buffer.from(data);
    const peer = this.peer;
    // Deliver in random pieces, in order.
    let offset = 0;
    while (offset < bytes.length) {
      const size = 1 + this.options.random.nextInt(Math.max(1, Math.min(bytes.length - offset, 64)));
      const piece = bytes.subarray(offset, offset + size);
      offset += size;
      this.unsentBytes += piece.length;
      queueMicrotask(() => {
        this.unsentBytes -= piece.length;
        peer?.deliver(piece);
        if (this.full && this.unsentBytes === 0) {
          this.full = false;
          for (const listener of this.drainListeners) listener();
        }
      });
    }
    if (this.unsentBytes > this.options.writeBufferBytes) this.full = true;
    return !this.full;
  }

  deliver(chunk: Buffer): void {
    if (this.closed) return;
    if (this.paused) {
      this.held.push(chunk);
      return;
    }
    for (const listener of this.dataListeners) listener(chunk);
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListeners.push(listener);
  }

  onDrain(listener: () => void): void {
    this.drainListeners.push(listener);
  }

  onClose(listener: (error?: Error) => void): void {
    this.closeListeners.push(listener);
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
    // Let bytes already written arrive first.
    queueMicrotask(() => queueMicrotask(() => this.destroy()));
  }

  destroy(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.closeListeners) listener(error);
    this.peer?.destroy(error);
  }
}

export class MemoryNetwork implements Network {
  private readonly listeners = new Map<string, (connection: Connection) => void>();
  private readonly unreachable = new Set<string>();
  private readonly connections = new Set<MemoryConnection>();
  private nextPort = 40_000;

  private readonly writeBufferBytes: number;

  /** writeBufferBytes: undelivered bytes past which write() returns false until a drain. */
  constructor(private readonly random: SeededRandom, options: { writeBufferBytes?: number } = {}) {
    this.writeBufferBytes = options.writeBufferBytes ?? Number.MAX_SAFE_INTEGER;
  }

  listen(options: ListenOptions, onConnection: (connection: Connection) => void): Promise<Listener> {
    const key = `${options.host}:${options.port}`;
    if (this.listeners.has(key)) return Promise.reject(new Error(`EADDRINUSE ${key}`));
    this.listeners.set(key, onConnection);
    return Promise.resolve({
      host: options.host,
      port: options.port,
      close: () => {
        this.listeners.delete(key);
        return Promise.resolve();
      },
    });
  }

  connect(options: { host: string; port: number; localAddress?: string }): Promise<Connection> {
    const key = `${options.host}:${options.port}`;
    const accept = this.listeners.get(key);
    if (accept === undefined || this.unreachable.has(options.host)) return Promise.reject(new Error(`ECONNREFUSED ${key}`));
    const localHost = options.localAddress ?? '127.0.0.1';
    const connectionOptions = { random: this.random, writeBufferBytes: this.writeBufferBytes };
    const client = new MemoryConnection(localHost, options.host, options.port, connectionOptions);
    const server = new MemoryConnection(options.host, localHost, this.nextPort++, connectionOptions);
    client.peer = server;
    server.peer = client;
    this.connections.add(client);
    client.onClose(() => this.connections.delete(client));
    accept(server);
    return Promise.resolve(client);
  }

  /** Connects to host fail from now on (until reachable again). */
  setReachable(host: string, reachable: boolean): void {
    if (reachable) this.unreachable.delete(host);
    else this.unreachable.add(host);
  }

  /** Breaks every live connection (both ends see a close). */
  breakAll(): void {
    for (const connection of [...this.connections]) connection.destroy(new Error('ECONNRESET'));
  }
}
