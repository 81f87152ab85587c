import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Clock } from '../common/world.js';
import { Pacer } from './pacing.js';

/** A clock whose time moves only when the test says so; records every sleep and yield. */
function manualClock(): { clock: Clock; advance: (ms: number) => void; sleeps: number[]; yields: () => number } {
  let now = 1000;
  let yields = 0;
  const sleeps: number[] = [];
  const clock: Clock = {
    nowMs: () => now, nowMicros: () => now * 1000, monotonicMs: () => now, setTimer: () => ({ cancel() {} }),
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
    yieldToEventLoop: async () => {
      yields++;
    },
  };
  return { clock, advance: (ms) => (now += ms), sleeps, yields: () => yields };
}

test('work yields to the event loop once a slice has run its budget, not before', async () => {
  const { clock, advance, sleeps, yields } = manualClock();
  const pacer = new Pacer(clock, { sliceMs: 1 });
  advance(0.5);
  assert.equal(pacer.pause(), null);
  advance(0.6);
  const pause = pacer.pause();
  assert.ok(pause !== null);
  await pause;
  assert.equal(yields(), 1);
  assert.deepEqual(sleeps, []);
  // A new slice starts after the yield.
  advance(0.9);
  assert.equal(pacer.pause(), null);
});

test('without yieldToEventLoop the pacer sleeps 0 ms', async () => {
  const { clock, advance, sleeps } = manualClock();
  const { yieldToEventLoop, ...withoutYield } = clock;
  void yieldToEventLoop;
  const pacer = new Pacer(withoutYield, { sliceMs: 2 });
  advance(2);
  await pacer.pause();
  assert.deepEqual(sleeps, [0]);
});

test('a throughput limit sleeps until the bytes done are due', async () => {
  const { clock, advance, sleeps } = manualClock();
  const pacer = new Pacer(clock, { sliceMs: 1000, bytesPerSecond: 1024 * 1024 });
  // 1 MiB at 1 MiB/s is due one second after the start; 100 ms have passed.
  advance(100);
  await pacer.pause(1024 * 1024);
  assert.deepEqual(sleeps, [900]);
  // On schedule: no pause.
  assert.equal(pacer.pause(1024 * 1024), null);
  // Unthrottled work never sleeps, however much it wrote.
  const free = new Pacer(clock, { sliceMs: 1000 });
  assert.equal(free.pause(1 << 30), null);
});
