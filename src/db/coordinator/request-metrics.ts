// What the coordinator reports of each client request it coordinates, as Cassandra's
// ClientRequestMetrics do (scopes Read, Write, RangeSlice): its latency by operation and
// consistency level, and whether it ended in a timeout, an Unavailable or a failure. The node
// (node/metrics.ts) turns these into Prometheus series; the coordinator keeps no counters itself.

import type { ConsistencyLevel } from '../common/consistency.js';
import { CqlError, ErrorCode } from '../common/errors.js';

/**
 * Cassandra's scopes: Read (single partitions, SERIAL ones included), RangeSlice (token
 * ranges), Write (mutations and batches), CASWrite (conditional updates through Paxos).
 */
export type ClientRequestOperation = 'read' | 'range' | 'write' | 'cas_write';
export type ClientRequestOutcome = 'ok' | 'timeout' | 'unavailable' | 'failure';

export interface ClientRequestObserver {
  /** tableIds: the tables the request read or wrote (system_views.coordinator_*_latency are per table). */
  completed(operation: ClientRequestOperation, level: ConsistencyLevel, outcome: ClientRequestOutcome, latencyMs: number, tableIds?: readonly string[]): void;
}

/** How a request that threw ended, in the terms of Cassandra's Timeouts, Unavailables and Failures meters. */
export function outcomeOf(error: unknown): ClientRequestOutcome {
  if (error instanceof CqlError) {
    if (error.code === ErrorCode.Unavailable) return 'unavailable';
    if (error.code === ErrorCode.ReadTimeout || error.code === ErrorCode.WriteTimeout) return 'timeout';
  }
  return 'failure';
}
