// A simulated internode network for the harness: in-memory links between InMemoryTransports
// (src/db/cluster/messaging/in-memory-transport.ts) with a seeded delay per frame (frames on
// one link overtake each other when their delays differ: reordering), seeded loss, and links
// that can be cut in either direction (partitions). Delivery runs on the SimulatedClock.

import type { Endpoint } from '../../src/db/cluster/endpoint.js';
import { InMemoryTransport, type InMemoryLink } from '../../src/db/cluster/messaging/in-memory-transport.js';
import type { SimulatedClock } from './simulated-clock.js';
import type { SeededRandom } from './seeded-random.js';

export interface SimulatedNetworkOptions {
  clock: SimulatedClock;
  random: SeededRandom;
  /** Probability that a frame is lost. */
  lossRate?: number;
  delayMinMs?: number;
  delayMaxMs?: number;
  /** Frames in flight on one link before more are refused (the bounded outbound queue). */
  inFlightPerLinkMax?: number;
}

export class SimulatedNetwork implements InMemoryLink {
  private readonly transports = new Map<Endpoint, InMemoryTransport>();
  private readonly cutLinks = new Set<string>();
  private readonly inFlight = new Map<string, number>();
  private readonly clock: SimulatedClock;
  private readonly random: SeededRandom;
  lossRate: number;
  delayMinMs: number;
  delayMaxMs: number;
  private readonly inFlightPerLinkMax: number;
  readonly stats = { carried: 0, lost: 0, cut: 0, refused: 0, delivered: 0 };

  constructor(options: SimulatedNetworkOptions) {
    this.clock = options.clock;
    this.random = options.random;
    this.lossRate = options.lossRate ?? 0;
    this.delayMinMs = options.delayMinMs ?? 1;
    this.delayMaxMs = options.delayMaxMs ?? 20;
    this.inFlightPerLinkMax = options.inFlightPerLinkMax ?? 10_000;
  }

  /** A fresh transport for an endpoint (a restarted node gets a new one; frames to the old one are lost). */
  transportFor(endpoint: Endpoint): InMemoryTransport {
    const transport = new InMemoryTransport(endpoint, this);
    this.transports.set(endpoint, transport);
    return transport;
  }

  carry(from: Endpoint, to: Endpoint, frame: Buffer): boolean {
    const target = this.transports.get(to);
    if (target === undefined) {
      this.stats.refused++;
      return false;
    }
    const link = `${from}>${to}`;
    const inFlight = this.inFlight.get(link) ?? 0;
    if (inFlight >= this.inFlightPerLinkMax) {
      this.stats.refused++;
      return false;
    }
    this.stats.carried++;
    // Draw both numbers for every frame so that a cut link does not shift later choices.
    const lost = this.random.nextFloat() < this.lossRate;
    const delayMs = this.delayMinMs + this.random.nextFloat() * (this.delayMaxMs - this.delayMinMs);
    if (this.cutLinks.has(link)) {
      this.stats.cut++;
      return true;
    }
    if (lost) {
      this.stats.lost++;
      return true;
    }
    this.inFlight.set(link, inFlight + 1);
    this.clock.setTimer(delayMs, () => {
      this.inFlight.set(link, (this.inFlight.get(link) ?? 1) - 1);
      // A link cut while the frame was in flight loses it too.
      if (this.cutLinks.has(link)) {
        this.stats.cut++;
        return;
      }
      this.stats.delivered++;
      target.receive(from, frame);
    });
    return true;
  }

  /** Cuts the link a -> b (and b -> a unless oneWay). */
  cut(a: Endpoint, b: Endpoint, options: { oneWay?: boolean } = {}): void {
    this.cutLinks.add(`${a}>${b}`);
    if (options.oneWay !== true) this.cutLinks.add(`${b}>${a}`);
  }

  /** Cuts every link between the two groups, both ways. */
  partition(groupA: readonly Endpoint[], groupB: readonly Endpoint[]): void {
    for (const a of groupA) for (const b of groupB) this.cut(a, b);
  }

  /** Restores every link. */
  heal(): void {
    this.cutLinks.clear();
  }
}
