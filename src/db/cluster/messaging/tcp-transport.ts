// The internode Transport over the injected Network (TCP now, TLS later behind the same
// interface). As in Cassandra, each direction has its own connection: a node connects to a
// peer to send and accepts connections to receive. A new connection starts with a preamble
// naming the sender's endpoint (the socket's source port is ephemeral, so it cannot):
//   magic u32 'AERH' | version u8 | endpoint: u16 length + utf8
// then carries frames. Outbound frames wait in a bounded per-peer queue while the connection
// is being made or the socket pushes back; a lost connection is remade with exponential backoff.
// The frames produced for one peer in one event-loop turn leave in one socket write: a write
// per frame cost more CPU than the frame (a profile of 3 nodes at QUORUM put a quarter of the
// servers' CPU in socket writes).

import { assert, fail } from '../../common/assert.js';
import { CorruptionError } from '../../common/errors.js';
import { canonicalHost } from '../../common/host.js';
import {
  endpointTextLengthMax,
  internodeCoalesceBytesMax,
  internodeInboundConnectionsMax,
  internodeOutboundBytesMax,
  internodeOutboundMessagesMax,
} from '../../common/limits.js';
import type { Clock, Connection, Listener, Logger, Network, TimerHandle } from '../../common/world.js';
import { parseEndpoint, type Endpoint } from '../endpoint.js';
import { frameVersion, FrameSplitter } from './frame.js';
import type { FrameReceiver, Transport } from './transport.js';

export const preambleMagic = 0x41455248; // 'AERH': Aerolíneas handshake
const preambleFixedBytes = 7;

export function encodePreamble(endpoint: Endpoint): Buffer {
  const text = Buffer.from(endpoint, 'utf8');
  assert(text.length <= endpointTextLengthMax, 'endpoint too long');
  const preamble = Buffer.allocUnsafe(preambleFixedBytes + text.length);
  preamble.writeUInt32BE(preambleMagic, 0);
  preamble.writeUInt8(frameVersion, 4);
  preamble.writeUInt16BE(text.length, 5);
  text.copy(preamble, preambleFixedBytes);
  return preamble;
}

/**
 * Parses a preamble at the start of bytes: the endpoint and how many bytes it took, or
 * undefined when more bytes are needed. Throws CorruptionError for a bad one.
 */
export function decodePreamble(bytes: Buffer, source: string): { endpoint: Endpoint; length: number } | undefined {
  if (bytes.length < preambleFixedBytes) return undefined;
  const magic = bytes.readUInt32BE(0);
  if (magic !== preambleMagic) throw new CorruptionError(source, 0, `bad internode preamble magic 0x${magic.toString(16)}`);
  const version = bytes.readUInt8(4);
  if (version !== frameVersion) throw new CorruptionError(source, 4, `unsupported internode version ${version}`);
  const textBytes = bytes.readUInt16BE(5);
  if (textBytes > endpointTextLengthMax) throw new CorruptionError(source, 5, `endpoint of ${textBytes} bytes exceeds ${endpointTextLengthMax}`);
  if (bytes.length < preambleFixedBytes + textBytes) return undefined;
  const endpoint = bytes.toString('utf8', preambleFixedBytes, preambleFixedBytes + textBytes);
  if (parseEndpoint(endpoint) === undefined) throw new CorruptionError(source, preambleFixedBytes, `bad endpoint '${endpoint}'`);
  return { endpoint, length: preambleFixedBytes + textBytes };
}

/**
 * Binds a peer's identity to its certificate: over TLS with a client certificate, the endpoint
 * the preamble claims must be one of the certificate's subjectAltName addresses or names, or
 * any node of the cluster could speak as any other. Returns why a connection is refused, or
 * undefined. Plaintext connections (no certificate) carry no identity to bind; the TLS settings
 * warn about them (optional, require_client_auth: false) at startup.
 */
export function impostorReason(claimed: Endpoint, connection: Pick<Connection, 'peerCertificateNames'>): string | undefined {
  const names = connection.peerCertificateNames;
  if (names === undefined) return undefined;
  const address = parseEndpoint(claimed);
  if (address !== undefined && names.includes(canonicalHost(address.host))) return undefined;
  const named = names.length === 0 ? 'no address (it has no subjectAltName)' : names.join(', ');
  return `the preamble claims ${claimed}; the certificate names ${named}`;
}

export interface TcpTransportOptions {
  network: Network;
  clock: Clock;
  logger: Logger;
  /** This node's endpoint: where it listens (storage_port) and how peers name it. */
  localEndpoint: Endpoint;
  /** Address to bind, when not the endpoint's host (e.g. 0.0.0.0). */
  listenHost?: string;
  outboundMessagesMax?: number;
  outboundBytesMax?: number;
  reconnectDelayMinMs?: number;
  reconnectDelayMaxMs?: number;
  /** How long a connect may take (Cassandra's internode_tcp_connect_timeout: 2 s). */
  connectTimeoutMs?: number;
}

export class TcpTransport implements Transport {
  readonly localEndpoint: Endpoint;
  private readonly options: TcpTransportOptions;
  private readonly outbound = new Map<Endpoint, OutboundConnection>();
  private readonly inbound = new Set<Connection>();
  private listener: Listener | undefined;
  private closed = false;

  constructor(options: TcpTransportOptions) {
    if (!(parseEndpoint(options.localEndpoint) !== undefined)) fail(`bad local endpoint ${options.localEndpoint}`);
    this.options = options;
    this.localEndpoint = options.localEndpoint;
  }

  async start(receiver: FrameReceiver): Promise<void> {
    const address = parseEndpoint(this.localEndpoint);
    assert(address !== undefined, 'checked in the constructor');
    this.listener = await this.options.network.listen(
      { host: this.options.listenHost ?? address.host, port: address.port },
      (connection) => this.accept(connection, receiver),
    );
  }

  send(peer: Endpoint, frame: readonly Buffer[]): boolean {
    if (this.closed) return false;
    let connection = this.outbound.get(peer);
    if (connection === undefined) {
      const address = parseEndpoint(peer);
      if (address === undefined) return false;
      connection = new OutboundConnection(peer, address, this.options);
      this.outbound.set(peer, connection);
    }
    return connection.enqueue(frame);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const connection of this.outbound.values()) connection.close();
    this.outbound.clear();
    for (const connection of this.inbound) connection.destroy();
    this.inbound.clear();
    await this.listener?.close();
  }

  private accept(connection: Connection, receiver: FrameReceiver): void {
    if (this.closed) {
      connection.destroy();
      return;
    }
    if (this.inbound.size >= internodeInboundConnectionsMax) {
      this.options.logger.warn('refusing internode connection: too many open', { remote: connection.remoteAddress, open: this.inbound.size });
      connection.destroy();
      return;
    }
    this.inbound.add(connection);
    const source = `internode connection from ${connection.remoteAddress}:${connection.remotePort}`;
    let peer: Endpoint | undefined;
    let pending = Buffer.alloc(0);
    let splitter: FrameSplitter | undefined;
    connection.onClose(() => this.inbound.delete(connection));
    connection.onData((chunk) => {
      try {
        if (splitter === undefined) {
          pending = Buffer.concat([pending, chunk]);
          const preamble = decodePreamble(pending, source);
          if (preamble === undefined) return;
          const impostor = impostorReason(preamble.endpoint, connection);
          if (impostor !== undefined) {
            this.options.logger.warn('refusing internode connection: the certificate does not name the endpoint it claims', { source, claimed: preamble.endpoint, reason: impostor });
            connection.destroy();
            return;
          }
          peer = preamble.endpoint;
          splitter = new FrameSplitter(`internode from ${peer}`);
          chunk = pending.subarray(preamble.length);
          pending = Buffer.alloc(0);
        }
        for (const frame of splitter.push(chunk)) receiver(peer as Endpoint, frame);
      } catch (error) {
        if (!(error instanceof CorruptionError)) throw error;
        this.options.logger.warn('closing bad internode connection', { source, peer, error: error.message });
        connection.destroy();
      }
    });
  }
}

type OutboundState = 'idle' | 'connecting' | 'open' | 'backoff' | 'closed';

/** Microtask hops a flush waits while frames keep arriving (answers of one turn trickle in). */
const flushHopsMax = 3;

/** One peer's sending side: a bounded queue, a connection, and reconnection with backoff. */
class OutboundConnection {
  /** Parts of the frames not yet handed to the socket, in order. */
  private queue: Buffer[] = [];
  private queuedFrames = 0;
  private queuedBytes = 0;
  private state: OutboundState = 'idle';
  private connection: Connection | undefined;
  private blocked = false;
  private flushQueued = false;
  private flushHops = 0;
  private failures = 0;
  /** Numbers connect attempts, so a late answer to an abandoned one is discarded. */
  private attempts = 0;
  private retryTimer: TimerHandle | undefined;

  constructor(
    private readonly peer: Endpoint,
    private readonly address: { host: string; port: number },
    private readonly options: TcpTransportOptions,
  ) {}

  enqueue(frame: readonly Buffer[]): boolean {
    if (this.state === 'closed') return false;
    const messagesMax = this.options.outboundMessagesMax ?? internodeOutboundMessagesMax;
    const bytesMax = this.options.outboundBytesMax ?? internodeOutboundBytesMax;
    let bytes = 0;
    for (const part of frame) bytes += part.length;
    if (this.queuedFrames >= messagesMax || this.queuedBytes + bytes > bytesMax) {
      this.options.logger.debug('internode queue full, dropping', { peer: this.peer, queued: this.queuedFrames });
      return false;
    }
    for (const part of frame) this.queue.push(part);
    this.queuedFrames++;
    this.queuedBytes += bytes;
    if (this.state === 'idle') this.connect();
    else if (this.state === 'open') this.scheduleFlush();
    return true;
  }

  /**
   * Flushes at the end of the event-loop turn (the clock's yieldToEventLoop, once the loop has
   * run every I/O callback that was ready), so the answers of one turn leave in one write even
   * when each comes from its own thread-pool read, as client connections do
   * (transport/connection.ts, queueFrame). A clock without it (simulations) flushes once frames
   * stop arriving across a few microtasks. A full batch goes out at once.
   */
  private scheduleFlush(): void {
    if (this.queuedBytes >= internodeCoalesceBytesMax) {
      this.flush();
      return;
    }
    if (this.flushQueued) return;
    this.flushQueued = true;
    const endOfTurn = this.options.clock.yieldToEventLoop?.();
    if (endOfTurn !== undefined) {
      void endOfTurn.then(() => {
        if (this.flushQueued) this.flush();
      });
      return;
    }
    this.flushHops = 0;
    const seen = this.queuedFrames;
    queueMicrotask(() => this.flushWhenQuiet(seen));
  }

  private flushWhenQuiet(seen: number): void {
    if (!this.flushQueued) return;
    if (this.queuedFrames > seen && this.flushHops < flushHopsMax) {
      this.flushHops++;
      const now = this.queuedFrames;
      queueMicrotask(() => this.flushWhenQuiet(now));
      return;
    }
    this.flush();
  }

  close(): void {
    this.state = 'closed';
    this.retryTimer?.cancel();
    // end(), not destroy(): frames already handed to the socket (a shutdown announcement)
    // still leave before the connection closes.
    this.connection?.end();
    this.queue = [];
    this.queuedFrames = 0;
    this.queuedBytes = 0;
  }

  private connect(): void {
    this.state = 'connecting';
    const attempt = ++this.attempts;
    // A peer that never answers the connect must not hold the queue forever.
    const timeoutMs = this.options.connectTimeoutMs ?? 2_000;
    const timer = this.options.clock.setTimer(timeoutMs, () => {
      if (this.attempts !== attempt || this.state !== 'connecting') return;
      this.attempts++;
      this.lost(new Error(`connect timed out after ${timeoutMs} ms`));
    });
    // From the listen address, as Cassandra binds its outbound internode sockets: on a host with
    // several addresses (127.0.0.N locally) a peer's traffic is then filterable by source.
    const bindHost = this.options.listenHost;
    const localAddress = bindHost === undefined || bindHost === '0.0.0.0' || bindHost === '::' ? {} : { localAddress: bindHost };
    this.options.network.connect({ host: this.address.host, port: this.address.port, ...localAddress }).then(
      (connection) => {
        timer.cancel();
        this.opened(connection, attempt);
      },
      (error: unknown) => {
        timer.cancel();
        if (this.attempts === attempt) this.lost(error);
      },
    );
  }

  private opened(connection: Connection, attempt: number): void {
    if (this.state === 'closed' || this.attempts !== attempt) {
      connection.destroy();
      return;
    }
    this.state = 'open';
    this.connection = connection;
    this.failures = 0;
    this.blocked = false;
    connection.onDrain(() => {
      this.blocked = false;
      this.flush();
    });
    connection.onClose((error) => {
      if (this.connection === connection) this.lost(error);
    });
    connection.write(encodePreamble(this.options.localEndpoint));
    this.flush();
  }

  private flush(): void {
    this.flushQueued = false;
    const connection = this.connection;
    if (this.state !== 'open' || connection === undefined || this.blocked || this.queue.length === 0) return;
    // Frames handed to the socket are gone from the queue: if the connection dies they are
    // lost, and their requests time out (as Cassandra's do).
    const parts = this.queue;
    const bytes = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, this.queuedBytes);
    this.queue = [];
    this.queuedFrames = 0;
    this.queuedBytes = 0;
    if (!connection.write(bytes)) this.blocked = true;
  }

  private lost(error: unknown): void {
    if (this.state === 'closed') return;
    this.connection = undefined;
    this.failures++;
    if (this.queue.length === 0) {
      this.state = 'idle';
      return;
    }
    const minMs = this.options.reconnectDelayMinMs ?? 100;
    const maxMs = this.options.reconnectDelayMaxMs ?? 5_000;
    const delayMs = Math.min(maxMs, minMs * 2 ** Math.min(this.failures - 1, 16));
    this.options.logger.debug('internode connection lost, retrying', { peer: this.peer, delayMs, error: String(error) });
    this.state = 'backoff';
    this.retryTimer = this.options.clock.setTimer(delayMs, () => {
      if (this.state === 'backoff') this.connect();
    });
  }
}
