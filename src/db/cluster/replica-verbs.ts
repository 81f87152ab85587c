// The replica side of the data verbs: what a node does when a coordinator sends it a
// MUTATION, MUTATION_BATCH, HINT, READ, RANGE_READ or TRUNCATE. Thin: decode, ask the local store, encode the
// answer. A read asked for a digest answers with the digest of its result (storage/digest.ts),
// so digest and data replicas agree byte for byte. Errors become FAILURE_RSP (messaging).

import type { Logger } from '../common/world.js';
import { digestReadResult } from '../storage/digest.js';
import type { FlushHold, Mutation, ReadCommand, ReadResult } from '../storage/types.js';
import type { InboundMessage, MessagingService } from './messaging/messaging-service.js';
import {
  decodeMutationBatchPayload,
  decodeMutationPayload,
  decodeReadRequest,
  decodeTruncateRequest,
  encodeReadResponse,
  type ReadResponse,
} from './messaging/payloads.js';

/** What a replica needs from its storage (the StorageEngine provides all three). */
export interface ReplicaStore {
  /**
   * `encoded`: the same mutations in the commit log's batch layout, when the caller holds them so.
   * `flushHold`: storage's (StorageEngine.apply), for a write whose view updates follow it.
   */
  apply(mutations: Mutation[], encoded?: Buffer, flushHold?: FlushHold): Promise<void>;
  read(command: ReadCommand): Promise<ReadResult>;
  truncate(tableId: string): Promise<void>;
}

const empty = Buffer.alloc(0);

/** One encoded mutation as a commit-log batch: u32 count 1, u32 length, the mutation. */
function singleMutationBatch(mutation: Buffer): Buffer {
  const batch = Buffer.allocUnsafe(8 + mutation.length);
  batch.writeUInt32BE(1, 0);
  batch.writeUInt32BE(mutation.length, 4);
  mutation.copy(batch, 8);
  return batch;
}

export function registerReplicaVerbs(messaging: MessagingService, options: { store: ReplicaStore; logger: Logger }): void {
  const { store } = options;
  const applyMutation = async (message: InboundMessage) => {
    const mutation = decodeMutationPayload(message.payload, `${message.verb} from ${message.from}`);
    // The payload is the mutation's storage encoding (checked by the decoder): the commit log's
    // entry is it behind a count and a length, with no second encoding.
    await store.apply([mutation], singleMutationBatch(message.payload));
    return empty;
  };
  const read = async (message: InboundMessage) => {
    const request = decodeReadRequest(message.payload, `${message.verb} from ${message.from}`);
    const result = await store.read(request.command);
    const response: ReadResponse = request.digestOnly ? { kind: 'digest', digest: digestReadResult(result) } : { kind: 'data', result };
    return encodeReadResponse(response);
  };
  messaging.registerHandler('MUTATION', applyMutation);
  messaging.registerHandler('MUTATION_BATCH', async (message) => {
    // The payload is in the commit log's batch layout already (checked by the decoder).
    await store.apply(decodeMutationBatchPayload(message.payload, `${message.verb} from ${message.from}`), message.payload);
    return empty;
  });
  // A hint is the mutation a replica missed while down; applying it is the same write.
  messaging.registerHandler('HINT', applyMutation);
  messaging.registerHandler('READ', read);
  messaging.registerHandler('RANGE_READ', read);
  messaging.registerHandler('TRUNCATE', async (message) => {
    const request = decodeTruncateRequest(message.payload, `TRUNCATE from ${message.from}`);
    options.logger.info('truncating at a coordinator\'s request', { keyspace: request.keyspace, tableId: request.tableId, coordinator: message.from });
    await store.truncate(request.tableId);
    return empty;
  });
}
