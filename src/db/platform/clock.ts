// The real Clock and Random (common/world.ts), backed by the system.

import { randomBytes, randomInt } from 'node:crypto';
import type { Clock, Random, TimerHandle } from '../common/world.js';

export function systemClock(): Clock {
  let lastMicros = 0;
  const origin = performance.timeOrigin;
  return {
    nowMs: () => Date.now(),
    nowMicros() {
      // performance.now() gives sub-millisecond precision; force strict increase so that two
      // writes from one coordinator never share a timestamp.
      const micros = Math.floor((origin + performance.now()) * 1000);
      lastMicros = micros > lastMicros ? micros : lastMicros + 1;
      return lastMicros;
    },
    monotonicMs: () => performance.now(),
    setTimer(delayMs: number, fn: () => void): TimerHandle {
      const timer = setTimeout(fn, Math.max(0, delayMs));
      timer.unref();
      return { cancel: () => clearTimeout(timer) };
    },
    sleep: (delayMs: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, delayMs))),
    // setImmediate runs after the poll phase: pending I/O callbacks go first, with no 1 ms timer floor.
    yieldToEventLoop: () => new Promise((resolve) => setImmediate(resolve)),
  };
}

export function systemRandom(): Random {
  return {
    nextFloat: () => Math.random(),
    nextInt: (maxExclusive: number) => randomInt(maxExclusive),
    bytes: (n: number) => randomBytes(n),
  };
}
