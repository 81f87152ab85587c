// Bytes of client requests a node holds at once: Cassandra's
// native_transport_max_request_data_in_flight (every client together) and
// native_transport_max_request_data_in_flight_per_ip (the clients of one address). A frame
// reserves its size when it starts and gives it back when its answer is queued. A frame that
// does not fit waits: its connection stops reading (back-pressure, Cassandra's behavior for
// clients that did not ask for THROW_ON_OVERLOAD) and is woken, oldest first, when bytes come
// back; a client that sent THROW_ON_OVERLOAD=true in STARTUP gets an Overloaded error instead.
// A frame is always admitted when nothing of its kind is in flight, so one request larger than
// a bound (the frame size bound can be set higher) still runs, alone, instead of never.

import { fail } from '../common/assert.js';

export interface RequestLimits {
  /** native_transport_max_request_data_in_flight, in bytes. */
  bytesMax: number;
  /** native_transport_max_request_data_in_flight_per_ip, in bytes. */
  bytesPerAddressMax: number;
}

export interface LimiterWaiter {
  /** Called once when bytes come back; the waiter tries again (and may wait again). */
  wake(): void;
}

export class RequestLimiter {
  private inFlight = 0;
  private readonly byAddress = new Map<string, number>();
  private readonly waiters = new Set<LimiterWaiter>();
  /** Frames that had to wait or were refused since start (tpstats-like counter). */
  throttled = 0;

  constructor(readonly limits: RequestLimits) {
    if (!(limits.bytesMax > 0 && limits.bytesPerAddressMax > 0)) fail('request data limits must be positive');
  }

  /** Bytes held now by every client, and by the clients of `address`. */
  held(address?: string): number {
    return address === undefined ? this.inFlight : (this.byAddress.get(address) ?? 0);
  }

  /** Reserves `bytes` for a request from `address`; false when it must wait. */
  tryReserve(address: string, bytes: number): boolean {
    const mine = this.byAddress.get(address) ?? 0;
    const globalFits = this.inFlight === 0 || this.inFlight + bytes <= this.limits.bytesMax;
    const addressFits = mine === 0 || mine + bytes <= this.limits.bytesPerAddressMax;
    if (!globalFits || !addressFits) {
      this.throttled++;
      return false;
    }
    this.inFlight += bytes;
    this.byAddress.set(address, mine + bytes);
    return true;
  }

  release(address: string, bytes: number): void {
    const mine = this.byAddress.get(address) ?? 0;
    if (mine < bytes || this.inFlight < bytes) fail('released more request bytes than were reserved');
    this.inFlight -= bytes;
    if (mine === bytes) this.byAddress.delete(address);
    else this.byAddress.set(address, mine - bytes);
    if (this.waiters.size === 0) return;
    // Every waiter tries again, oldest first; those that still do not fit wait again.
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const waiter of woken) waiter.wake();
  }

  /** `waiter` is woken once, at the next release. */
  wait(waiter: LimiterWaiter): void {
    this.waiters.add(waiter);
  }

  forget(waiter: LimiterWaiter): void {
    this.waiters.delete(waiter);
  }
}
