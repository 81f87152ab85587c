// The replica side of the data verbs: what a node does when a coordinator sends it a
// MUTATION, MUTATION_BATCH, HINT, READ, RANGE_READ or TRUNCATE. Thin: decode, ask the local store, encode the
// answer. A read asked for a digest answers with the digest of its result (storage/digest.ts),
// so digest and data replicas agree byte for byte. Errors become FAILURE_RSP (messaging).

import type { Logger } from '../common/world.js';
import { digestReadResult } from '../storage/digest.js';
import type { Mutation, ReadCommand, ReadResult } from '../storage/types.js';
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
  apply(mutations: Mutation[]): Promise<void>;
  read(command: ReadCommand): Promise<ReadResult>;
  truncate(tableId: string): Promise<void>;
}

const empty = Buffer.alloc(0);

export function registerReplicaVerbs(messaging: MessagingService, options: { store: ReplicaStore; logger: Logger }): void {
  const { store } = options;
  const applyMutation = async (message: InboundMessage) => {
    await store.apply([decodeMutationPayload(message.payload, `${message.verb} from ${message.from}`)]);
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
    await store.apply(decodeMutationBatchPayload(message.payload, `${message.verb} from ${message.from}`));
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
