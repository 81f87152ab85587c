// An in-memory Transport: frames are handed to a link, which decides when (and whether) they
// reach the peer's transport. The harness's simulated network is such a link (delay, loss,
// partitions); DirectLinks delivers every frame on the next microtask, for unit tests.

import type { Endpoint } from '../endpoint.js';
import type { FrameReceiver, Transport } from './transport.js';

/** Carries frames between in-memory transports. */
export interface InMemoryLink {
  /** Accepts a frame from -> to; false when refused at once (queue full, unknown peer). */
  carry(from: Endpoint, to: Endpoint, frame: Buffer): boolean;
}

export class InMemoryTransport implements Transport {
  private receiver: FrameReceiver | undefined;
  private closed = false;

  constructor(readonly localEndpoint: Endpoint, private readonly link: InMemoryLink) {}

  start(receiver: FrameReceiver): Promise<void> {
    this.receiver = receiver;
    this.closed = false;
    return Promise.resolve();
  }

  send(peer: Endpoint, frame: readonly Buffer[]): boolean {
    if (this.closed) return false;
    return this.link.carry(this.localEndpoint, peer, frame.length === 1 ? (frame[0] as Buffer) : Buffer.concat(frame));
  }

  /** Called by the link when a frame arrives; dropped when the transport is not running. */
  receive(from: Endpoint, frame: Buffer): void {
    if (this.closed || this.receiver === undefined) return;
    this.receiver(from, frame);
  }

  isRunning(): boolean {
    return !this.closed && this.receiver !== undefined;
  }

  close(): Promise<void> {
    this.closed = true;
    this.receiver = undefined;
    return Promise.resolve();
  }
}

/** Delivers each frame on the next microtask, in order, to the registered transport of its peer. */
export class DirectLinks implements InMemoryLink {
  private transports = new Map<Endpoint, InMemoryTransport>();

  transportFor(endpoint: Endpoint): InMemoryTransport {
    const transport = new InMemoryTransport(endpoint, this);
    this.transports.set(endpoint, transport);
    return transport;
  }

  carry(from: Endpoint, to: Endpoint, frame: Buffer): boolean {
    const target = this.transports.get(to);
    if (target === undefined) return false;
    queueMicrotask(() => target.receive(from, frame));
    return true;
  }
}
