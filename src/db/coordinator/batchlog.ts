// The replica side of logged batches (Cassandra's batchlog): a coordinator stores the whole
// batch on two other nodes (BATCH_STORE) before applying it and removes it after
// (BATCH_REMOVE). An entry still here well after its creation means the coordinator died
// midway: this node then replays the batch itself, so every statement applies eventually.
// Entries are kept in memory (bounded); a node restart forgets them, as a limitation noted
// in the report, since the coordinator's own hints and read repair still cover most losses.

import { batchlogEntriesMax } from '../common/limits.js';
import type { Clock, Logger } from '../common/world.js';
import type { MessagingService } from '../cluster/messaging/messaging-service.js';
import { decodeBatchRemoveRequest, decodeBatchStoreRequest } from '../cluster/messaging/payloads.js';
import type { Mutation } from '../storage/types.js';

interface Entry {
  storedMs: number;
  mutations: Mutation[];
}

export class Batchlog {
  private readonly entries = new Map<string, Entry>();
  replayed = 0;

  constructor(private readonly options: { clock: Clock; logger: Logger; replayAfterMs: number }) {}

  register(messaging: MessagingService): void {
    messaging.registerHandler('BATCH_STORE', (message) => {
      const request = decodeBatchStoreRequest(message.payload, `BATCH_STORE from ${message.from}`);
      if (this.entries.size >= batchlogEntriesMax) throw new Error('batchlog full');
      this.entries.set(request.batchId.toString('hex'), { storedMs: this.options.clock.monotonicMs(), mutations: request.mutations });
      return undefined;
    });
    messaging.registerHandler('BATCH_REMOVE', (message) => {
      this.entries.delete(decodeBatchRemoveRequest(message.payload, `BATCH_REMOVE from ${message.from}`).toString('hex'));
      return undefined;
    });
  }

  size(): number {
    return this.entries.size;
  }

  /** Replays entries older than the replay delay through `apply` (the coordinator's write path); kept on failure. */
  async replayOrphans(apply: (mutations: Mutation[]) => Promise<void>): Promise<number> {
    const now = this.options.clock.monotonicMs();
    let count = 0;
    for (const [id, entry] of [...this.entries]) {
      if (now - entry.storedMs < this.options.replayAfterMs) continue;
      try {
        await apply(entry.mutations);
      } catch (error) {
        this.options.logger.info('batchlog replay failed; will retry', { batch: id, reason: String(error) });
        continue;
      }
      this.entries.delete(id);
      count++;
    }
    this.replayed += count;
    if (count > 0) this.options.logger.info('replayed orphaned batches', { count });
    return count;
  }
}
