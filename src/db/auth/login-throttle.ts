// Slows down repeated failed logins from one client address: after the first failure each
// further one is answered only after a growing delay (doubling, bounded), so guessing
// passwords costs time. An address is forgotten a while after its last failure or after it
// logs in; the map is bounded, the oldest address goes first.

import { loginThrottleAddressesMax } from '../common/limits.js';
import type { Clock } from '../common/world.js';

export interface LoginThrottleOptions {
  /** Delay after the second failure; doubles with each further one. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** An address with no failure for this long starts afresh. */
  forgetAfterMs?: number;
}

interface Failures {
  count: number;
  lastMs: number;
}

export class LoginThrottle {
  private readonly failures = new Map<string, Failures>();
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly forgetAfterMs: number;

  constructor(private readonly clock: Clock, options: LoginThrottleOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 5000;
    this.forgetAfterMs = options.forgetAfterMs ?? 60_000;
  }

  /** Records a failure and returns how long to wait before answering it. */
  failed(address: string): number {
    const nowMs = this.clock.monotonicMs();
    const previous = this.current(address, nowMs);
    const count = (previous?.count ?? 0) + 1;
    this.failures.delete(address);
    this.failures.set(address, { count, lastMs: nowMs });
    if (this.failures.size > loginThrottleAddressesMax) this.failures.delete(this.failures.keys().next().value as string);
    return this.delayFor(count);
  }

  succeeded(address: string): void {
    this.failures.delete(address);
  }

  /** Failures remembered for an address (0 once forgotten). */
  failureCount(address: string): number {
    return this.current(address, this.clock.monotonicMs())?.count ?? 0;
  }

  delayFor(count: number): number {
    if (count <= 1) return 0;
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(count - 2, 30));
  }

  private current(address: string, nowMs: number): Failures | undefined {
    const entry = this.failures.get(address);
    if (entry !== undefined && nowMs - entry.lastMs >= this.forgetAfterMs) {
      this.failures.delete(address);
      return undefined;
    }
    return entry;
  }
}
