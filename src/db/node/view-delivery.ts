// Where a base replica sends the view mutations it made (Cassandra's ViewUtils.getViewNaturalEndpoint):
// the i-th replica of the base partition, in ring order, pairs with the i-th replica of the
// view partition. A node that is not (or no longer) a natural replica of the base partition
// sends to every view replica. Pending view replicas of a range movement get the update as well.
// A target that is this node: applied here; a live peer: sent as a MUTATION; a peer that is
// down or does not answer: kept as a hint for it.
//
// Mutations for other nodes are first stored in this node's own batchlog, as Cassandra's
// StorageProxy.mutateMV stores them (a local batchlog entry, since base and view replicas pair
// one to one), then sent without the base write waiting for them, and the entry is removed once
// every paired replica acknowledged. A paired
// replica that is down, slow, or was refused a hint (hinted handoff off, the hint window
// passed) leaves the entry, which the batchlog replay (cluster-node.ts, every few seconds for
// entries older than its delay) sends to every view replica of the mutation, hinting those
// down whatever the hint settings, so the view converges.
//
// The background sends are bounded (viewSendsInFlightMax): past the bound, a delivery whose
// mutations are in the batchlog sends nothing now and leaves them to the batchlog replay, and
// one whose mutations the batchlog refused (full) waits for its own sends, which holds back the
// base write: a slow or partitioned view replica can no longer make the base replica queue
// sends without limit.

import type { Endpoint } from '../cluster/endpoint.js';
import { encodeBatchStoreRequest, encodeMutationPayload } from '../cluster/messaging/payloads.js';
import type { MessagingService } from '../cluster/messaging/messaging-service.js';
import type { Clock, Logger } from '../common/world.js';
import type { LocalBatchlog } from '../coordinator/batchlog.js';
import type { ReplicationOptions } from '../schema/metadata.js';
import type { Mutation } from '../storage/types.js';
import type { ViewDelivery } from './materialized-views.js';

/** The view replicas paired with this node for a base partition (pure). */
export function pairedViewReplicas(base: readonly Endpoint[], view: readonly Endpoint[], localEndpoint: Endpoint): Endpoint[] {
  const index = base.indexOf(localEndpoint);
  if (index < 0 || index >= view.length) return [...view];
  return [view[index]!];
}

/** View mutation sends a node keeps in flight in the background (deliveries past it wait or defer). */
export const viewSendsInFlightMax = 1024;

export interface ViewDeliveryOptions {
  localEndpoint: Endpoint;
  replicasFor(replication: ReplicationOptions, token: bigint): readonly Endpoint[];
  /** Replicas a range movement is adding for the token (a joining node, or the new owner of a leaving one's range). */
  pendingReplicasFor(replication: ReplicationOptions, token: bigint): readonly Endpoint[];
  replicationOf(keyspace: string): ReplicationOptions | undefined;
  isAlive(endpoint: Endpoint): boolean;
  messaging: Pick<MessagingService, 'sendRequest'>;
  hint(endpoint: Endpoint, mutation: Mutation): Promise<boolean>;
  logger: Logger;
  timeoutMs: number;
  /** This node's batchlog, where mutations for other nodes wait until they are acknowledged. */
  batchlog: LocalBatchlog;
  /** Time-UUIDs for the batchlog entries. */
  batchIds: () => Buffer;
  clock: Pick<Clock, 'nowMicros'>;
  /** viewSendsInFlightMax unless a test sets fewer. */
  sendsInFlightMax?: number;
}

/** A view delivery and its figures: sends in flight, deliveries left to the batchlog replay. */
export type BoundedViewDelivery = ViewDelivery & { readonly stats: { inFlight: number; deferred: number } };

export function viewDelivery(options: ViewDeliveryOptions): BoundedViewDelivery {
  const sendsMax = options.sendsInFlightMax ?? viewSendsInFlightMax;
  const stats = { inFlight: 0, deferred: 0 };
  const sendAll = async (remote: Array<{ endpoint: Endpoint; mutation: Mutation }>, batchId: Buffer | undefined): Promise<void> => {
    stats.inFlight += remote.length;
    try {
      await deliverRemote(remote, batchId, options);
    } finally {
      stats.inFlight -= remote.length;
    }
  };
  const deliver = async (mutations: Mutation[], base: { keyspace: string; token: bigint }, applyLocal: (mutations: Mutation[]) => Promise<void>): Promise<void> => {
    const replication = options.replicationOf(base.keyspace);
    if (replication === undefined) return applyLocal(mutations);
    const baseReplicas = options.replicasFor(replication, base.token);
    const local: Mutation[] = [];
    const remote: Array<{ endpoint: Endpoint; mutation: Mutation }> = [];
    for (const mutation of mutations) {
      // Pending view replicas get every update too, as Cassandra's mutateMV sends them, so a view
      // range that is moving does not miss the writes made while its data streams.
      const paired = pairedViewReplicas(baseReplicas, options.replicasFor(replication, mutation.token), options.localEndpoint);
      for (const endpoint of new Set([...paired, ...options.pendingReplicasFor(replication, mutation.token)])) {
        if (endpoint === options.localEndpoint) local.push(mutation);
        else remote.push({ endpoint, mutation });
      }
    }
    const batchId = remote.length === 0 ? undefined : await storeEntry([...new Set(remote.map((r) => r.mutation))], options);
    if (local.length > 0) await applyLocal(local);
    if (remote.length === 0) return;
    if (stats.inFlight < sendsMax) {
      // The base write does not wait for the other nodes (Cassandra's mutateMV sends
      // asynchronously): the batchlog entry stored above delivers them if these sends fail.
      void sendAll(remote, batchId);
    } else if (batchId !== undefined) {
      if (stats.deferred++ % 1000 === 0) options.logger.info('view sends at their bound; the batchlog replay delivers the updates', { inFlight: stats.inFlight, deferred: stats.deferred });
    } else {
      await sendAll(remote, undefined);
    }
  };
  return Object.assign(deliver, { stats });
}

/** Sends the mutations for other nodes; removes the batchlog entry once every one was acknowledged. */
async function deliverRemote(remote: Array<{ endpoint: Endpoint; mutation: Mutation }>, batchId: Buffer | undefined, options: ViewDeliveryOptions): Promise<void> {
  try {
    const acknowledged = await Promise.all(remote.map(({ endpoint, mutation }) => send(endpoint, mutation, options)));
    if (batchId === undefined || !acknowledged.every(Boolean)) return;
    await options.batchlog.remove(batchId);
  } catch (error) {
    options.logger.warn('view updates not all delivered or their batchlog entry not removed; the batchlog replays it', { reason: String(error) });
  }
}

/** Stores the mutations for other nodes in the local batchlog; undefined when it refused them (full), the sends then relying on hints alone. */
async function storeEntry(mutations: Mutation[], options: ViewDeliveryOptions): Promise<Buffer | undefined> {
  const batchId = options.batchIds();
  try {
    await options.batchlog.store(encodeBatchStoreRequest({ batchId, creationMicros: options.clock.nowMicros(), mutations }));
    return batchId;
  } catch (error) {
    options.logger.warn('view updates not stored in the batchlog; sent without it', { reason: String(error) });
    return undefined;
  }
}

/** Sends one view mutation to its paired replica; true once that replica acknowledged it (a hint is not an acknowledgement). */
async function send(endpoint: Endpoint, mutation: Mutation, options: ViewDeliveryOptions): Promise<boolean> {
  if (options.isAlive(endpoint)) {
    try {
      await options.messaging.sendRequest(endpoint, 'MUTATION', encodeMutationPayload(mutation), { timeoutMs: options.timeoutMs });
      return true;
    } catch (error) {
      options.logger.warn('view update not delivered; keeping a hint', { endpoint, reason: String(error) });
    }
  }
  if (!(await options.hint(endpoint, mutation))) options.logger.info('view update not hinted; the batchlog replays it', { endpoint });
  return false;
}
