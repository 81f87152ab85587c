// Which client request runs next on a node: a bounded number run at once (Cassandra's
// native_transport_max_threads, 128), and a free place goes round-robin across client
// addresses, then across the connections of that address, one request at a time. An address
// that had nothing waiting goes first (as a new flow does in FQ-CoDel), so a client with one
// request waiting gets the next free place even while another address has thousands queued on
// a thousand connections, or one connection pipelines without reading its answers.
//
// The scheduler holds no requests: a connection that has one ready to start says so (ready),
// and when its turn comes is asked to start it (startNext). A connection that cannot start one
// then (its queue is empty, it waits for request-data bytes, its socket's write buffer is full)
// answers false and leaves the rotation until it calls ready again.
//
// With an event-loop clock, starts are also bounded in time: the scheduler starts requests for
// turnMs of an event-loop turn and leaves the rest to the next turn. Requests that finish
// synchronously (a cached read) free their place at once, so without this bound one socket
// read could start, run and answer a whole backlog in one go, and the loop would run no timer
// (gossip, timeouts, the event-loop delay probe) and read no socket until it was done.

import { assert } from '../common/assert.js';
import type { Clock } from '../common/world.js';

/** The clock that bounds the starts of one event-loop turn; without yieldToEventLoop, starts are bounded by count only. */
export interface SchedulerTurns {
  clock: Pick<Clock, 'monotonicMs' | 'yieldToEventLoop'>;
  /** Milliseconds of a turn during which requests start (limits.ts, clientRequestsTurnMs). */
  turnMs: number;
}

export interface ScheduledClient {
  /** The client's address: the first level of the rotation. */
  readonly schedulingAddress: string;
  /** Starts one request and returns true (it then calls done() once), or returns false. */
  startNext(): boolean;
}

export class RequestScheduler {
  private running = 0;
  /** Addresses with a connection that has a request ready, in turn order (Map keeps insertion order). */
  private readonly turns = new Map<string, Set<ScheduledClient>>();
  /** Addresses that had nothing ready when they became ready: they take the next turn. */
  private readonly newcomers = new Set<string>();
  private pumping = false;
  /** When this event-loop turn's first start happened (the clock's monotonicMs); undefined until one does. */
  private loopTurnStartedAt: number | undefined = undefined;
  /** This event-loop turn's time for starts ran out: the next one pumps. */
  private deferred = false;

  constructor(
    readonly runningMax: number,
    private readonly loopTurns?: SchedulerTurns,
  ) {
    assert(runningMax > 0, 'the scheduler must let at least one request run');
    assert(loopTurns === undefined || loopTurns.turnMs > 0, 'the scheduler must have time to start requests');
  }

  /** Requests started and not yet done. */
  get runningCount(): number {
    return this.running;
  }

  /** `client` has a request it could start. */
  ready(client: ScheduledClient): void {
    const address = client.schedulingAddress;
    let clients = this.turns.get(address);
    if (clients === undefined) {
      clients = new Set();
      this.turns.set(address, clients);
      this.newcomers.add(address);
    }
    clients.add(client);
    this.pump();
  }

  /** `client` is gone (closed): it is no longer asked. */
  forget(client: ScheduledClient): void {
    const clients = this.turns.get(client.schedulingAddress);
    if (clients === undefined) return;
    clients.delete(client);
    if (clients.size > 0) return;
    this.turns.delete(client.schedulingAddress);
    this.newcomers.delete(client.schedulingAddress);
  }

  /** A request started by startNext has finished. */
  done(): void {
    assert(this.running > 0, 'a request finished that the scheduler did not start');
    this.running--;
    this.pump();
  }

  private pump(): void {
    // startNext may call ready or done again (a request refused at once): one loop does the work.
    if (this.pumping || (this.deferred && this.newcomers.size === 0)) return;
    this.pumping = true;
    try {
      while (this.running < this.runningMax) {
        // Past the turn's time only newcomers start: an address with one request waiting (a
        // well-behaved client beside a flood) is not held a turn behind the flood's backlog.
        const client = this.loopTurnHasTime() ? this.nextTurn() : this.nextNewcomer();
        if (client === undefined) break;
        // Count the place first: a request may finish (and call done) before startNext returns.
        this.running++;
        if (!client.startNext()) {
          this.running--;
          this.forget(client);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  /**
   * Whether this event-loop turn may start another request. The turn's first start schedules
   * its end (yieldToEventLoop: once the loop has run the I/O callbacks that were ready); past
   * turnMs, the starts wait for that end, which begins a new turn and pumps.
   */
  private loopTurnHasTime(): boolean {
    const clock = this.loopTurns?.clock;
    if (this.loopTurns === undefined || clock?.yieldToEventLoop === undefined) return true;
    const now = clock.monotonicMs();
    if (this.loopTurnStartedAt === undefined) {
      this.loopTurnStartedAt = now;
      void clock.yieldToEventLoop().then(() => this.endLoopTurn());
      return true;
    }
    if (now - this.loopTurnStartedAt < this.loopTurns.turnMs) return true;
    this.deferred = true;
    return false;
  }

  private endLoopTurn(): void {
    this.loopTurnStartedAt = undefined;
    if (!this.deferred) return;
    this.deferred = false;
    this.pump();
  }

  /** The first connection of the first newcomer, or else of the first address; both go to the back of their rotation. */
  private nextTurn(): ScheduledClient | undefined {
    const newcomer = this.nextNewcomer();
    if (newcomer !== undefined) return newcomer;
    for (const [address, clients] of this.turns) return this.take(address, clients);
    return undefined;
  }

  /** The first connection of the first newcomer, if any. */
  private nextNewcomer(): ScheduledClient | undefined {
    for (const address of this.newcomers) {
      this.newcomers.delete(address);
      const clients = this.turns.get(address);
      if (clients !== undefined) return this.take(address, clients);
    }
    return undefined;
  }

  private take(address: string, clients: Set<ScheduledClient>): ScheduledClient | undefined {
    this.turns.delete(address);
    for (const client of clients) {
      clients.delete(client);
      clients.add(client);
      this.turns.set(address, clients);
      return client;
    }
    return undefined;
  }
}
