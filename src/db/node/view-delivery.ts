// Where a base replica sends the view mutations it made (Cassandra's ViewUtils.getViewNaturalEndpoint):
// the i-th replica of the base partition, in ring order, pairs with the i-th replica of the
// view partition. A node that is not (or no longer) a natural replica of the base partition
// sends to every view replica. The paired replica is this node: applied here; a live peer:
// sent as a MUTATION; a peer that is down or does not answer: kept as a hint for it.

import type { Endpoint } from '../cluster/endpoint.js';
import { encodeMutationPayload } from '../cluster/messaging/payloads.js';
import type { MessagingService } from '../cluster/messaging/messaging-service.js';
import type { Logger } from '../common/world.js';
import type { ReplicationOptions } from '../schema/metadata.js';
import type { Mutation } from '../storage/types.js';
import type { ViewDelivery } from './materialized-views.js';

/** The view replicas paired with this node for a base partition (pure). */
export function pairedViewReplicas(base: readonly Endpoint[], view: readonly Endpoint[], localEndpoint: Endpoint): Endpoint[] {
  const index = base.indexOf(localEndpoint);
  if (index < 0 || index >= view.length) return [...view];
  return [view[index]!];
}

export interface ViewDeliveryOptions {
  localEndpoint: Endpoint;
  replicasFor(replication: ReplicationOptions, token: bigint): readonly Endpoint[];
  replicationOf(keyspace: string): ReplicationOptions | undefined;
  isAlive(endpoint: Endpoint): boolean;
  messaging: Pick<MessagingService, 'sendRequest'>;
  hint(endpoint: Endpoint, mutation: Mutation): Promise<boolean>;
  logger: Logger;
  timeoutMs: number;
}

export function viewDelivery(options: ViewDeliveryOptions): ViewDelivery {
  return async (mutations, base, applyLocal) => {
    const replication = options.replicationOf(base.keyspace);
    if (replication === undefined) return applyLocal(mutations);
    const baseReplicas = options.replicasFor(replication, base.token);
    const local: Mutation[] = [];
    const remote: Array<Promise<void>> = [];
    for (const mutation of mutations) {
      for (const endpoint of pairedViewReplicas(baseReplicas, options.replicasFor(replication, mutation.token), options.localEndpoint)) {
        if (endpoint === options.localEndpoint) local.push(mutation);
        else remote.push(send(endpoint, mutation, options));
      }
    }
    if (local.length > 0) await applyLocal(local);
    await Promise.all(remote);
  };
}

async function send(endpoint: Endpoint, mutation: Mutation, options: ViewDeliveryOptions): Promise<void> {
  if (options.isAlive(endpoint)) {
    try {
      await options.messaging.sendRequest(endpoint, 'MUTATION', encodeMutationPayload(mutation), { timeoutMs: options.timeoutMs });
      return;
    } catch (error) {
      options.logger.warn('view update not delivered; keeping a hint', { endpoint, reason: String(error) });
    }
  }
  if (!(await options.hint(endpoint, mutation))) options.logger.warn('view update dropped: no hint stored', { endpoint });
}
