// How frames travel between nodes. The messaging service hands each encoded frame to a
// Transport as its parts (header, payload, trailer: the payload is not copied into a frame of
// its own) and gets whole frames back; the transport knows peers only by endpoint. Two
// implementations: TCP over the injected Network (tcp-transport.ts) and in memory
// (in-memory-transport.ts), which the harness's simulated network drives.

import type { Endpoint } from '../endpoint.js';

/** Receives one whole frame from a peer (already split out of the byte stream). */
export type FrameReceiver = (from: Endpoint, frame: Buffer) => void;

export interface Transport {
  /** This node's internode endpoint, as peers name it. */
  readonly localEndpoint: Endpoint;
  /** Starts accepting frames (listening, for TCP); frames go to receiver. */
  start(receiver: FrameReceiver): Promise<void>;
  /**
   * Queues a frame, given as parts written back to back, for a peer. Returns false when it was refused at once (the peer's bounded
   * queue is full, or the transport is closed); a frame accepted here may still be lost.
   */
  send(peer: Endpoint, frame: readonly Buffer[]): boolean;
  /** Stops listening and drops every connection and queued frame. */
  close(): Promise<void>;
}
