// The replica side of repair: VALIDATION_REQ builds this replica's Merkle tree of a table's
// token range in one streaming pass over the storage engine's scan; SYNC_REQ answers a page
// of partitions (tombstones included) of a differing range, bounded by repairSyncBytesMax;
// SYNC_PUSH applies partitions a repair coordinator sends, as ordinary writes (the newer cell
// wins by the usual last-write-wins merge, deletions included).

import { createHash } from 'node:crypto';
import { repairSyncBytesMax } from '../../common/limits.js';
import type { Logger } from '../../common/world.js';
import type { TokenRange } from '../../dht/token.js';
import { ByteWriter, decodeMutationBatch, writePartition } from '../../storage/mutation-serializer.js';
import type { Mutation, Partition, PartitionPosition } from '../../storage/types.js';
import type { MessagingService } from '../messaging/messaging-service.js';
import { MerkleTree, encodeTree } from './merkle-tree.js';
import { scanBounds } from './range-positions.js';
import { SyncResponseWriter, decodeSyncRequest, decodeValidationRequest } from './repair-payloads.js';

/** What repair needs from storage (the StorageEngine provides both). */
export interface RepairStore {
  scan(tableId: string, start: PartitionPosition, end: PartitionPosition): AsyncIterable<Partition>;
  apply(mutations: Mutation[]): Promise<void>;
}

/** A partition's hash: MD5 of its canonical encoding (the mutation serializer's layout). */
export function partitionHash(partition: Partition): Buffer {
  const writer = new ByteWriter();
  writePartition(writer, partition);
  return createHash('md5').update(writer.finish()).digest();
}

/** This replica's tree of a table's range, built while scanning: one partition in memory at a time. */
export async function buildTree(store: RepairStore, request: { tableId: string; range: TokenRange; depth: number }): Promise<MerkleTree> {
  const tree = new MerkleTree(request.range, request.depth);
  for (const { start, end } of scanBounds(request.range)) {
    for await (const partition of store.scan(request.tableId, start, end)) tree.add(partition.token, partitionHash(partition));
  }
  return tree;
}

/** A page of (after, end]: partitions until the page passes repairSyncBytesMax, and whether more remain. */
export async function syncPage(store: RepairStore, request: { tableId: string; after: PartitionPosition; end: PartitionPosition }): Promise<Buffer> {
  const page = new SyncResponseWriter();
  for await (const partition of store.scan(request.tableId, request.after, request.end)) {
    if (page.count > 0 && page.bytes >= repairSyncBytesMax) return page.finish(true);
    page.append(partition);
  }
  return page.finish(false);
}

export function registerRepairVerbs(messaging: MessagingService, options: { store: RepairStore; logger: Logger }): void {
  const { store, logger } = options;
  messaging.registerHandler('VALIDATION_REQ', async (message) => {
    const request = decodeValidationRequest(message.payload, `VALIDATION_REQ from ${message.from}`);
    logger.debug('repair validation', { tableId: request.tableId, left: String(request.range.left), right: String(request.range.right), coordinator: message.from });
    return encodeTree(await buildTree(store, request));
  });
  messaging.registerHandler('SYNC_REQ', async (message) => syncPage(store, decodeSyncRequest(message.payload, `SYNC_REQ from ${message.from}`)));
  messaging.registerHandler('SYNC_PUSH', async (message) => {
    await store.apply(decodeMutationBatch(message.payload, { source: `SYNC_PUSH from ${message.from}` }));
    return Buffer.alloc(0);
  });
}
