// The first round of a single-partition read (Cassandra's AbstractReadExecutor): one data
// request to the closest contact, digest requests to the others, and speculative retry: when
// the round has not completed after the threshold, one more request goes to a spare live
// replica (a data request while no data has arrived, else a digest request). The round
// completes as soon as a data answer is in and the answers satisfy the level; it ends
// incomplete when every request sent has settled without that. A slow replica's late answer
// is then ignored (its request times out or resolves unobserved).

import { CqlError, InternodeError } from '../common/errors.js';
import type { Clock, TimerHandle } from '../common/world.js';
import type { Endpoint } from '../cluster/endpoint.js';
import type { ReadResponse } from '../cluster/messaging/payloads.js';
import { satisfies, type ReplicaGroup } from './replica-plan.js';

export interface RoundAnswer {
  endpoint: Endpoint;
  response: ReadResponse;
}

export interface RoundOutcome {
  /** Answers in arrival order. */
  answers: RoundAnswer[];
  /** Every replica asked, contacts and speculation alike. */
  asked: Endpoint[];
  /** A data answer is in and the answers satisfy the level. */
  complete: boolean;
  /** Whether a spare was asked. */
  speculated: boolean;
}

export interface ReadRoundOptions {
  clock: Clock;
  /** The closest first: it is asked for data, the rest for digests. */
  contacts: readonly Endpoint[];
  /** Live replicas not contacted, closest first: speculation takes the first. */
  spares: readonly Endpoint[];
  groups: readonly ReplicaGroup[];
  /** When to speculate; undefined never. */
  thresholdMs: number | undefined;
  ask(endpoint: Endpoint, digestOnly: boolean): Promise<ReadResponse>;
}

/** Runs the round; rejects only with a failure of this node's own storage (not the network's). */
export function readRound(options: ReadRoundOptions): Promise<RoundOutcome> {
  return new Promise<RoundOutcome>((resolve, reject) => {
    const answers: RoundAnswer[] = [];
    const asked: Endpoint[] = [];
    let outstanding = 0;
    let settled = false;
    let hasData = false;
    let speculated = false;
    let timer: TimerHandle | undefined;
    const finish = (complete: boolean) => {
      settled = true;
      timer?.cancel();
      resolve({ answers, asked, complete, speculated });
    };
    const check = () => {
      if (settled) return;
      if (hasData && satisfies(options.groups, answers.map((answer) => answer.endpoint))) finish(true);
      else if (outstanding === 0) finish(false);
    };
    const request = (endpoint: Endpoint, digestOnly: boolean) => {
      asked.push(endpoint);
      outstanding++;
      options.ask(endpoint, digestOnly).then(
        (response) => {
          outstanding--;
          if (settled) return;
          answers.push({ endpoint, response });
          if (response.kind === 'data') hasData = true;
          check();
        },
        (error: unknown) => {
          outstanding--;
          if (settled) return;
          if (!(error instanceof InternodeError) && !(error instanceof CqlError)) {
            // This node's own storage failed (a disk error): the client hears of it as it is.
            settled = true;
            timer?.cancel();
            reject(error);
            return;
          }
          check();
        },
      );
    };
    options.contacts.forEach((endpoint, index) => request(endpoint, index > 0));
    const spare = options.spares[0];
    if (options.thresholdMs !== undefined && spare !== undefined && !settled) {
      timer = options.clock.setTimer(options.thresholdMs, () => {
        if (settled) return;
        speculated = true;
        request(spare, hasData);
      });
    }
  });
}
