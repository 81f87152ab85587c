// The message rounds of the coordinator's Paxos (paxos-coordinator.ts): each sends one verb to
// the live participants of a partition (this node's share answered by its own PaxosReplica,
// without the network) and gathers the answers until the round can decide, every participant
// answered, or the timeout passed. Pure bookkeeping plus the sends; no decisions of the
// protocol live here.

import { CorruptionError, CqlError, InternodeError } from '../common/errors.js';
import type { Clock, Logger } from '../common/world.js';
import type { Endpoint } from '../cluster/endpoint.js';
import type { MessagingService } from '../cluster/messaging/messaging-service.js';
import { decodePrepareResponse, decodeProposeResponse, encodeCommit, type Commit, type PrepareResponse } from '../cluster/paxos/paxos-messages.js';
import type { PaxosReplica } from '../cluster/paxos/paxos-state.js';

export interface RoundAnswer<T> {
  endpoint: Endpoint;
  value: T;
}

export interface PaxosTransport {
  clock: Clock;
  logger: Logger;
  messaging: Pick<MessagingService, 'sendRequest' | 'localEndpoint'>;
  replica: PaxosReplica;
  timeoutMs: number;
}

/**
 * Sends to every endpoint and resolves with the answers once `decided` says so, every
 * endpoint answered or failed, or the timeout passed. A replica that fails (down, overloaded,
 * its disk) is only a missing answer; anything else is a bug and rejects.
 */
export function gather<T>(
  transport: PaxosTransport,
  endpoints: readonly Endpoint[],
  { send, decided }: { send: (endpoint: Endpoint) => Promise<T>; decided: (answers: readonly RoundAnswer<T>[]) => boolean },
): Promise<RoundAnswer<T>[]> {
  return new Promise((resolve, reject) => {
    const answers: RoundAnswer<T>[] = [];
    let outstanding = endpoints.length;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      timer.cancel();
      resolve([...answers]);
    };
    const timer = transport.clock.setTimer(transport.timeoutMs, finish);
    if (outstanding === 0) finish();
    for (const endpoint of endpoints) {
      send(endpoint).then(
        (value) => {
          outstanding--;
          if (settled) return;
          answers.push({ endpoint, value });
          if (decided(answers) || outstanding === 0) finish();
        },
        (error: unknown) => {
          outstanding--;
          if (!isReplicaFailure(error)) {
            if (!settled) { settled = true; timer.cancel(); reject(error); }
            return;
          }
          transport.logger.debug('paxos message failed', { endpoint, reason: String(error) });
          if (outstanding === 0) finish();
        },
      );
    }
  });
}

/** A remote replica's failure, or this node's own replica failing on its storage: a missing answer. */
function isReplicaFailure(error: unknown): boolean {
  return error instanceof InternodeError || error instanceof CqlError || error instanceof CorruptionError;
}

export function sendPrepare(transport: PaxosTransport, endpoint: Endpoint, request: Commit): Promise<PrepareResponse> {
  if (endpoint === transport.messaging.localEndpoint) return transport.replica.prepare(request);
  return transport.messaging.sendRequest(endpoint, 'PAXOS_PREPARE', encodeCommit(request), { timeoutMs: transport.timeoutMs })
    .then((response) => decodePrepareResponse(response.payload, `PAXOS_PREPARE_RSP from ${endpoint}`));
}

export function sendPropose(transport: PaxosTransport, endpoint: Endpoint, proposal: Commit): Promise<boolean> {
  if (endpoint === transport.messaging.localEndpoint) return transport.replica.propose(proposal);
  return transport.messaging.sendRequest(endpoint, 'PAXOS_PROPOSE', encodeCommit(proposal), { timeoutMs: transport.timeoutMs })
    .then((response) => decodeProposeResponse(response.payload, `PAXOS_PROPOSE_RSP from ${endpoint}`));
}

export async function sendCommit(transport: PaxosTransport, endpoint: Endpoint, commit: Commit): Promise<true> {
  if (endpoint === transport.messaging.localEndpoint) await transport.replica.commit(commit);
  else await transport.messaging.sendRequest(endpoint, 'PAXOS_COMMIT', encodeCommit(commit), { timeoutMs: transport.timeoutMs });
  return true;
}
