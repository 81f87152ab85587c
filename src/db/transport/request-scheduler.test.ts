import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RequestScheduler, type ScheduledClient } from './request-scheduler.js';

/** A connection with `queued` requests; each started one stays running until finish() is called. */
class FakeClient implements ScheduledClient {
  running = 0;
  constructor(readonly schedulingAddress: string, readonly name: string, public queued: number, private readonly log: string[]) {}
  startNext(): boolean {
    if (this.queued === 0) return false;
    this.queued--;
    this.running++;
    this.log.push(this.name);
    return true;
  }
}

test('a free place goes round-robin across addresses, then across the connections of an address', () => {
  const log: string[] = [];
  const scheduler = new RequestScheduler(2);
  // One address with a thousand connections, each with many requests; another with one request.
  const hostile = Array.from({ length: 1000 }, (_, i) => new FakeClient('10.0.0.1', `h${i}`, 50, log));
  for (const client of hostile) scheduler.ready(client);
  assert.deepEqual(log, ['h0', 'h0']); // h0 said it was ready first, and took both places
  const polite = new FakeClient('10.0.0.2', 'p', 1, log);
  scheduler.ready(polite);
  scheduler.done();
  // The polite client's request is the next to start, ahead of 998 hostile connections.
  assert.deepEqual(log, ['h0', 'h0', 'p']);
  for (let i = 0; i < 1000; i++) scheduler.done();
  // The hostile connections then take turns: each of the thousand once before any goes again.
  assert.equal(new Set(log.slice(3, 1003)).size, 1000);
  assert.equal(scheduler.runningCount, 2);
});

test('a connection that cannot start leaves the rotation until it is ready again', () => {
  const log: string[] = [];
  const scheduler = new RequestScheduler(1);
  const a = new FakeClient('a', 'a', 0, log);
  scheduler.ready(a);
  assert.equal(scheduler.runningCount, 0);
  a.queued = 1;
  scheduler.ready(a);
  assert.deepEqual(log, ['a']);
  scheduler.forget(a);
  scheduler.done();
  assert.equal(scheduler.runningCount, 0);
});

test('a request that finishes inside startNext frees its place at once', () => {
  const scheduler = new RequestScheduler(1);
  let started = 0;
  const client: ScheduledClient = {
    schedulingAddress: 'a',
    startNext: () => {
      if (started === 3) return false;
      started++;
      scheduler.done(); // answered at once (an Overloaded refusal, a frame that does not decode)
      return true;
    },
  };
  scheduler.ready(client);
  assert.equal(started, 3);
  assert.equal(scheduler.runningCount, 0);
});

/** A clock whose time the test moves, and whose event-loop turns end when the test says so. */
function turnClock(): { clock: { monotonicMs(): number; yieldToEventLoop(): Promise<void> }; advance(ms: number): void; endTurn(): Promise<void>; turnsWaiting(): number } {
  let now = 0;
  let waiting: Array<() => void> = [];
  return {
    clock: {
      monotonicMs: () => now,
      yieldToEventLoop: () => new Promise<void>((resolve) => waiting.push(resolve)),
    },
    advance: (ms) => { now += ms; },
    async endTurn() {
      const ending = waiting;
      waiting = [];
      for (const resolve of ending) resolve();
      // Let the continuations (the scheduler's new turn) run.
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
    turnsWaiting: () => waiting.length,
  };
}

test('requests that finish synchronously start for turnMs of an event-loop turn, and the rest in the next turns', async () => {
  const time = turnClock();
  const scheduler = new RequestScheduler(128, { clock: time.clock, turnMs: 2 });
  let started = 0;
  const client: ScheduledClient = {
    schedulingAddress: 'a',
    startNext: () => {
      if (started === 10) return false;
      started++;
      time.advance(0.75); // each request runs for 0.75 ms and is answered at once (a cached read)
      scheduler.done();
      return true;
    },
  };
  scheduler.ready(client);
  // Starts at 0, 0.75 and 1.5 ms; at 2.25 ms the turn's time is spent.
  assert.equal(started, 3);
  assert.equal(time.turnsWaiting(), 1);
  // New requests arriving in the same turn wait too (a socket read after the budget ran out).
  scheduler.ready(client);
  assert.equal(started, 3);
  await time.endTurn();
  assert.equal(started, 6, 'the next turn starts the next three');
  await time.endTurn();
  assert.equal(started, 9);
  await time.endTurn();
  assert.equal(started, 10);
  assert.equal(scheduler.runningCount, 0);
});

test('requests that stay running cost the turn no time; without yieldToEventLoop only the running bound counts', async () => {
  const time = turnClock();
  const scheduler = new RequestScheduler(128, { clock: time.clock, turnMs: 2 });
  const log: string[] = [];
  const client = new FakeClient('a', 'a', 100, log);
  scheduler.ready(client);
  // Requests that stay running cost no time here: all start, up to the running bound's 128.
  assert.equal(log.length, 100);
  const untimed = new RequestScheduler(128, { clock: { monotonicMs: () => 0 }, turnMs: 2 });
  let started = 0;
  untimed.ready({ schedulingAddress: 'b', startNext: () => (started < 500 ? (started++, untimed.done(), true) : false) });
  assert.equal(started, 500);
});

test('past the turn\'s time, an address with nothing waiting before still starts its request (a well-behaved client beside a flood)', async () => {
  const time = turnClock();
  const scheduler = new RequestScheduler(128, { clock: time.clock, turnMs: 2 });
  const log: string[] = [];
  const flood: ScheduledClient = {
    schedulingAddress: 'flood',
    startNext: () => {
      log.push('flood');
      time.advance(1);
      scheduler.done();
      return true;
    },
  };
  scheduler.ready(flood);
  assert.deepEqual(log, ['flood', 'flood']);
  const polite = new FakeClient('polite', 'polite', 1, log);
  scheduler.ready(polite);
  assert.deepEqual(log, ['flood', 'flood', 'polite'], 'the newcomer starts in this turn');
  await time.endTurn();
  assert.deepEqual(log.slice(3), ['flood', 'flood'], 'the flood waits for the next turn');
});
