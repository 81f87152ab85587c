// The coordinator of a repair session (Cassandra's RepairSession, one token range of one table
// at a time): every replica builds its Merkle tree of the range (VALIDATION_REQ, this node's
// locally), the trees are compared with this node's, and for each leaf where any replica
// differs this node pulls the partitions from the replicas that differ (SYNC_REQ pages,
// applied locally) and then pushes its merged partitions of those leaves to every other
// replica (SYNC_PUSH batches). Writes merge by last-write-wins, tombstones included, so
// afterwards every replica holds the union of what any held: the same data, deletions too.
// Memory is bounded by one page (repairSyncBytesMax) and one tree per replica.

import { assert } from '../../common/assert.js';
import { repairSyncBytesMax } from '../../common/limits.js';
import type { Logger } from '../../common/world.js';
import type { TokenRange } from '../../dht/token.js';
import { encodeMutationBatch } from '../../storage/mutation-serializer.js';
import type { Mutation, Partition } from '../../storage/types.js';
import type { Endpoint } from '../endpoint.js';
import type { MessagingService } from '../messaging/messaging-service.js';
import { MerkleTree, decodeTree, differingLeaves, leafRanges } from './merkle-tree.js';
import { scanBounds } from './range-positions.js';
import { decodeSyncResponse, encodeSyncRequest, encodeValidationRequest } from './repair-payloads.js';
import { buildTree, type RepairStore } from './repair-verbs.js';

/** 2^10 leaves of 16 bytes: a 16 KiB tree per replica and range. */
export const repairTreeDepth = 10;

export interface RepairJob {
  keyspace: string;
  tableId: string;
  range: TokenRange;
  /** Every replica of the range, this node included. */
  replicas: readonly Endpoint[];
}

export interface RepairContext {
  messaging: MessagingService;
  store: RepairStore;
  logger: Logger;
}

export interface RepairResult {
  /** Ranges (coalesced leaves) where some replica differed. */
  differingRanges: number;
  /** Partitions received from peers and sent to peers. */
  partitionsPulled: number;
  partitionsPushed: number;
}

export async function repairRange(context: RepairContext, job: RepairJob): Promise<RepairResult> {
  const local = context.messaging.localEndpoint;
  assert(job.replicas.includes(local), 'a repair coordinator must be a replica of its range');
  const peers = job.replicas.filter((replica) => replica !== local);
  const request = { tableId: job.tableId, range: job.range, depth: repairTreeDepth };
  const [mine, ...theirs] = await Promise.all([
    buildTree(context.store, request),
    ...peers.map(async (peer) => decodeTree(job.range, (await context.messaging.sendRequest(peer, 'VALIDATION_REQ', encodeValidationRequest(request))).payload)),
  ]);
  const result: RepairResult = { differingRanges: 0, partitionsPulled: 0, partitionsPushed: 0 };
  const all = new Set<number>();
  for (const [index, peer] of peers.entries()) {
    const leaves = differingLeaves(mine as MerkleTree, theirs[index] as MerkleTree);
    for (const leaf of leaves) all.add(leaf);
    for (const range of leafRanges(mine as MerkleTree, leaves)) result.partitionsPulled += await pull(context, { peer, keyspace: job.keyspace, tableId: job.tableId, range });
  }
  const ranges = leafRanges(mine as MerkleTree, [...all].sort((a, b) => a - b));
  result.differingRanges = ranges.length;
  for (const range of ranges) result.partitionsPushed += await push(context, { peers, keyspace: job.keyspace, tableId: job.tableId, range });
  if (ranges.length > 0) {
    context.logger.info('repaired a range', { keyspace: job.keyspace, tableId: job.tableId, left: String(job.range.left), right: String(job.range.right), ...result });
  }
  return result;
}

const asMutation = (keyspace: string, tableId: string, partition: Partition): Mutation => ({ ...partition, keyspace, tableId });

/** Pulls a peer's partitions of a range page by page into the local store. */
async function pull(context: RepairContext, job: { peer: Endpoint; keyspace: string; tableId: string; range: TokenRange }): Promise<number> {
  let count = 0;
  for (const { start, end } of scanBounds(job.range)) {
    let after = start;
    for (;;) {
      const payload = encodeSyncRequest({ tableId: job.tableId, after, end });
      const page = decodeSyncResponse((await context.messaging.sendRequest(job.peer, 'SYNC_REQ', payload)).payload, `SYNC_RSP from ${job.peer}`);
      if (page.partitions.length > 0) await context.store.apply(page.partitions.map((partition) => asMutation(job.keyspace, job.tableId, partition)));
      count += page.partitions.length;
      const last = page.partitions[page.partitions.length - 1];
      if (!page.more || last === undefined) break;
      after = { token: last.token, key: last.key };
    }
  }
  return count;
}

/** Sends this node's partitions of a range to every peer, in batches of about repairSyncBytesMax. */
async function push(context: RepairContext, job: { peers: readonly Endpoint[]; keyspace: string; tableId: string; range: TokenRange }): Promise<number> {
  let count = 0;
  let batch: Mutation[] = [];
  let bytes = 0;
  const send = async () => {
    if (batch.length === 0) return;
    const payload = encodeMutationBatch(batch);
    await Promise.all(job.peers.map((peer) => context.messaging.sendRequest(peer, 'SYNC_PUSH', payload)));
    count += batch.length * job.peers.length;
    batch = [];
    bytes = 0;
  };
  for (const { start, end } of scanBounds(job.range)) {
    for await (const partition of context.store.scan(job.tableId, start, end)) {
      batch.push(asMutation(job.keyspace, job.tableId, partition));
      bytes += partition.key.length + partition.rows.reduce((sum, row) => sum + row.clustering.length + row.cells.reduce((s, cell) => s + 32 + (cell.value?.length ?? 0), 64), 64);
      if (bytes >= repairSyncBytesMax) await send();
    }
  }
  await send();
  return count;
}
