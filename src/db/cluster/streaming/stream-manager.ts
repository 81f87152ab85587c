// Streaming between nodes (Cassandra's StreamManager, much reduced): token ranges of a table
// move as pages of merged partitions read by one pass over the storage engine's scan (one page
// of at most about streamPageBytesMax in memory per stream), checksummed, and throttled by the
// sender at stream_throughput_outbound. A receiver applies pages as ordinary writes: the newer
// cell wins, so a stream that broke and is run again only rewrites what it had sent.
// Every stream this node takes part in is a session that netstats shows, with its progress.

import { streamPageBytesMax, streamSessionsKeptMax } from '../../common/limits.js';
import type { Clock, Logger, TimerHandle } from '../../common/world.js';
import type { TokenRange } from '../../dht/token.js';
import { encodeMutationBatch } from '../../storage/mutation-serializer.js';
import type { Mutation, Partition } from '../../storage/types.js';
import type { Endpoint } from '../endpoint.js';
import type { InboundMessage, MessagingService } from '../messaging/messaging-service.js';
import { scanBounds } from '../repair/range-positions.js';
import { SyncResponseWriter } from '../repair/repair-payloads.js';
import type { RepairStore } from '../repair/repair-verbs.js';
import { decodeStreamPullRequest, decodeStreamPullResponse, decodeStreamPush, encodeStreamPullRequest, withChecksum } from './stream-payloads.js';

export type StreamDirection = 'in' | 'out';

/** How often a stream request checks that its peer is still up. */
const livenessCheckMs = 500;
/** A session logs its progress every this many bytes. */
const progressLogBytes = 16 * 1024 * 1024;

/** One stream as netstats shows it. */
export interface StreamSession {
  id: number;
  operation: string;
  direction: StreamDirection;
  peer: Endpoint;
  keyspace: string;
  table: string;
  ranges: number;
  partitions: number;
  bytes: number;
  state: 'running' | 'done' | 'failed';
  error?: string;
  startedMs: number;
  elapsedMs: number;
}

/** Sender-side rate limit shared by every outbound stream of the node (0 = unthrottled). */
export class StreamThrottle {
  private nextFreeMs = 0;

  constructor(private readonly clock: Clock, public bytesPerSecond: number) {}

  /** Waits until sending bytes more keeps the node's outbound rate at the limit. */
  async acquire(bytes: number): Promise<void> {
    if (this.bytesPerSecond <= 0) return;
    const now = this.clock.monotonicMs();
    this.nextFreeMs = Math.max(this.nextFreeMs, now) + (bytes * 1000) / this.bytesPerSecond;
    const waitMs = Math.ceil(this.nextFreeMs - now - 1000 / 10); // a tenth of a second of burst
    if (waitMs > 0) await this.clock.sleep(waitMs);
  }
}

export interface StreamTable {
  keyspace: string;
  table: string;
  tableId: string;
}

export class StreamManager {
  private readonly sessions: StreamSession[] = [];
  /** Bytes of each remembered session at its last progress line. */
  private readonly loggedBytes = new Map<number, number>();
  private nextId = 1;
  readonly throttle: StreamThrottle;
  /** Bytes and partitions this node sent or received, over its life. */
  readonly totals = { bytesSent: 0, bytesReceived: 0, partitionsSent: 0, partitionsReceived: 0 };

  constructor(private readonly options: {
    messaging: MessagingService; store: RepairStore; clock: Clock; logger: Logger; throughputBytesPerSecond: number;
    /** Gossip's view: a stream whose peer is convicted down fails at once rather than at its request timeout. */
    isAlive?: (endpoint: Endpoint) => boolean;
  }) {
    this.throttle = new StreamThrottle(options.clock, options.throughputBytesPerSecond);
  }

  /** Answers STREAM_PULL (a page of a range, throttled) and STREAM_PUSH (pages applied locally). */
  register(): void {
    const { messaging, store, logger } = this.options;
    messaging.registerHandler('STREAM_PULL', async (message) => {
      const request = decodeStreamPullRequest(message.payload, `STREAM_PULL from ${message.from}`);
      const page = new SyncResponseWriter();
      let more = false;
      for await (const partition of store.scan(request.tableId, request.after, request.end)) {
        if (page.count > 0 && page.bytes >= streamPageBytesMax) {
          more = true;
          break;
        }
        page.append(partition);
      }
      const count = page.count;
      const payload = withChecksum(page.finish(more));
      await this.throttle.acquire(payload.length);
      this.totals.bytesSent += payload.length;
      this.totals.partitionsSent += count;
      logger.debug('stream page served', { peer: message.from, tableId: request.tableId, partitions: count, bytes: payload.length });
      return payload;
    });
    messaging.registerHandler('STREAM_PUSH', async (message) => {
      const mutations = decodeStreamPush(message.payload, `STREAM_PUSH from ${message.from}`);
      await store.apply(mutations);
      this.totals.bytesReceived += message.payload.length;
      this.totals.partitionsReceived += mutations.length;
      return Buffer.alloc(0);
    });
  }

  /** Sessions, newest first. */
  snapshot(): StreamSession[] {
    const now = this.options.clock.monotonicMs();
    return this.sessions.map((session) => ({ ...session, elapsedMs: Math.round(session.state === 'running' ? now - session.startedMs : session.elapsedMs) })).reverse();
  }

  /** Fetches ranges of a table from peer into the local store, page by page. */
  async fetch(operation: string, job: StreamTable & { peer: Endpoint; ranges: readonly TokenRange[] }): Promise<StreamSession> {
    return this.run({ operation, direction: 'in', ...job }, async (session) => {
      for (const range of job.ranges) {
        for (const { start, end } of scanBounds(range)) {
          let after = start;
          for (;;) {
            const response = await this.request(job.peer, 'STREAM_PULL', encodeStreamPullRequest({ tableId: job.tableId, after, end }));
            const page = decodeStreamPullResponse(response.payload, `STREAM_PULL_RSP from ${job.peer}`);
            if (page.partitions.length > 0) await this.options.store.apply(page.partitions.map((partition) => asMutation(job, partition)));
            session.partitions += page.partitions.length;
            session.bytes += response.payload.length;
            this.progress(session);
            this.totals.partitionsReceived += page.partitions.length;
            this.totals.bytesReceived += response.payload.length;
            const last = page.partitions[page.partitions.length - 1];
            if (!page.more || last === undefined) break;
            after = { token: last.token, key: last.key };
          }
        }
      }
    });
  }

  /** Sends this node's data of ranges of a table to peer, in throttled pages. */
  async send(operation: string, job: StreamTable & { peer: Endpoint; ranges: readonly TokenRange[] }): Promise<StreamSession> {
    return this.run({ operation, direction: 'out', ...job }, async (session) => {
      let batch: Mutation[] = [];
      let bytes = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        const payload = withChecksum(encodeMutationBatch(batch));
        await this.throttle.acquire(payload.length);
        await this.request(job.peer, 'STREAM_PUSH', payload);
        session.partitions += batch.length;
        session.bytes += payload.length;
        this.progress(session);
        this.totals.partitionsSent += batch.length;
        this.totals.bytesSent += payload.length;
        batch = [];
        bytes = 0;
      };
      for (const range of job.ranges) {
        for (const { start, end } of scanBounds(range)) {
          for await (const partition of this.options.store.scan(job.tableId, start, end)) {
            batch.push(asMutation(job, partition));
            bytes += partitionBytes(partition);
            if (bytes >= streamPageBytesMax) await flush();
          }
        }
      }
      await flush();
    });
  }

  private async run(head: Pick<StreamSession, 'operation' | 'direction' | 'peer' | 'keyspace' | 'table'> & { ranges: readonly TokenRange[] }, work: (session: StreamSession) => Promise<void>): Promise<StreamSession> {
    const startedMs = this.options.clock.monotonicMs();
    const session: StreamSession = {
      id: this.nextId++, operation: head.operation, direction: head.direction, peer: head.peer, keyspace: head.keyspace, table: head.table,
      ranges: head.ranges.length, partitions: 0, bytes: 0, state: 'running', startedMs, elapsedMs: 0,
    };
    this.remember(session);
    const fields = { operation: session.operation, direction: session.direction, peer: session.peer, keyspace: session.keyspace, table: session.table, ranges: session.ranges };
    this.options.logger.info('stream started', fields);
    try {
      await work(session);
      session.state = 'done';
      session.elapsedMs = this.options.clock.monotonicMs() - startedMs;
      this.options.logger.info('stream finished', { ...fields, partitions: session.partitions, bytes: session.bytes, elapsedMs: session.elapsedMs });
      return session;
    } catch (error) {
      session.state = 'failed';
      session.error = error instanceof Error ? error.message : String(error);
      session.elapsedMs = this.options.clock.monotonicMs() - startedMs;
      this.options.logger.error('stream failed', { ...fields, partitions: session.partitions, error });
      throw new StreamError(`stream ${session.direction === 'in' ? 'from' : 'to'} ${session.peer} of ${session.keyspace}.${session.table} failed after ${session.partitions} partitions: ${session.error}`, { cause: error });
    }
  }

  /**
   * A request of a stream. Messaging fails a request only at its timeout (two minutes for a
   * page); a stream also fails as soon as gossip convicts its peer, as Cassandra's stream
   * sessions fail when their connection goes.
   */
  private request(peer: Endpoint, verb: 'STREAM_PULL' | 'STREAM_PUSH', payload: Buffer): Promise<InboundMessage> {
    const { clock, messaging, isAlive } = this.options;
    if (isAlive === undefined) return messaging.sendRequest(peer, verb, payload);
    return new Promise<InboundMessage>((resolve, reject) => {
      let settled = false;
      let timer: TimerHandle | undefined;
      const settle = (finish: () => void) => {
        if (settled) return;
        settled = true;
        timer?.cancel();
        finish();
      };
      const watch = () => {
        if (settled) return;
        if (!isAlive(peer)) settle(() => reject(new Error(`${peer} went down`)));
        else timer = clock.setTimer(livenessCheckMs, watch);
      };
      timer = clock.setTimer(livenessCheckMs, watch);
      messaging.sendRequest(peer, verb, payload).then((response) => settle(() => resolve(response)), (error: unknown) => settle(() => reject(error)));
    });
  }

  /** A progress line every progressLogBytes of a session (netstats shows it live). */
  private progress(session: StreamSession): void {
    const logged = this.loggedBytes.get(session.id) ?? 0;
    if (session.bytes - logged < progressLogBytes) return;
    this.loggedBytes.set(session.id, session.bytes);
    this.options.logger.info('stream progress', { operation: session.operation, direction: session.direction, peer: session.peer, keyspace: session.keyspace, table: session.table, partitions: session.partitions, bytes: session.bytes });
  }

  private remember(session: StreamSession): void {
    this.sessions.push(session);
    while (this.sessions.length > streamSessionsKeptMax) {
      const finished = this.sessions.findIndex((old) => old.state !== 'running');
      const [forgotten] = this.sessions.splice(finished < 0 ? 0 : finished, 1);
      if (forgotten !== undefined) this.loggedBytes.delete(forgotten.id);
    }
  }
}

/** A stream that broke (a peer died, a connection was cut, a page was corrupt): the operation fails and can be run again. */
export class StreamError extends Error {
  override readonly name = 'StreamError';
}

function asMutation(table: StreamTable, partition: Partition): Mutation {
  return { ...partition, keyspace: table.keyspace, tableId: table.tableId };
}

/** About how many bytes a partition takes encoded (to cut pages; the exact size is not needed). */
function partitionBytes(partition: Partition): number {
  return partition.key.length + partition.rows.reduce((sum, row) => sum + row.clustering.length + row.cells.reduce((cells, cell) => cells + 32 + (cell.value?.length ?? 0), 64), 64);
}
