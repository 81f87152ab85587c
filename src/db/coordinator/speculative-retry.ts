// Speculative retry (Cassandra's `speculative_retry` table option, default 99p): a read whose
// replicas have not all answered after a threshold is also sent to a spare live replica, so one
// slow replica does not set the read's latency. The threshold is a percentile of the table's
// recent replica response times as this coordinator measured them, a fixed time, ALWAYS (at
// once), NONE (never), or MIN/MAX of two such policies. The percentile is computed over a
// bounded window of recent samples and refreshed every few samples.

import { assert } from '../common/assert.js';

export type RetryPolicy =
  | { kind: 'none' }
  | { kind: 'always' }
  | { kind: 'percentile'; percentile: number }
  | { kind: 'fixed'; ms: number }
  | { kind: 'min' | 'max'; a: RetryPolicy; b: RetryPolicy };

/** Samples kept per table; the percentile is taken over these. */
export const latencySamplesMax = 1024;
/** Samples needed before a percentile policy speculates (until then it does not). */
export const latencySamplesMin = 100;
/** How many new samples between two recomputations of a table's percentiles. */
const refreshEvery = 128;
/** Tables tracked at once; the least recently added is forgotten beyond it. */
export const latencyTablesMax = 4096;

const policyCache = new Map<string, RetryPolicy>();
const policyCacheMax = 256;

/** Parses the option text as table-options.ts normalizes it (NONE, ALWAYS, 99p, 50ms, MIN(..), MAX(..)). */
export function parseRetryPolicy(text: string): RetryPolicy {
  const cached = policyCache.get(text);
  if (cached !== undefined) return cached;
  const policy = parse(text.trim());
  if (policyCache.size >= policyCacheMax) policyCache.clear();
  policyCache.set(text, policy);
  return policy;
}

function parse(text: string): RetryPolicy {
  const upper = text.toUpperCase();
  if (upper === 'NONE' || upper === '') return { kind: 'none' };
  if (upper === 'ALWAYS') return { kind: 'always' };
  const percentile = /^([0-9]+(?:\.[0-9]+)?)(?:P|PERCENTILE)$/.exec(upper);
  if (percentile !== null) return { kind: 'percentile', percentile: Math.min(100, Number(percentile[1])) };
  const millis = /^([0-9]+(?:\.[0-9]+)?)MS$/.exec(upper);
  if (millis !== null) return { kind: 'fixed', ms: Number(millis[1]) };
  const pair = /^(MIN|MAX)\((.+)\)$/.exec(upper);
  if (pair !== null) {
    const parts = (pair[2] as string).split(',');
    if (parts.length === 2) {
      return { kind: pair[1] === 'MIN' ? 'min' : 'max', a: parse((parts[0] as string).trim()), b: parse((parts[1] as string).trim()) };
    }
  }
  // table-options.ts validated the text; anything else means no speculation rather than a failed read.
  return { kind: 'none' };
}

interface TableLatencies {
  samples: Float64Array;
  count: number;
  next: number;
  sinceRefresh: number;
  /** Sorted copy of the samples at the last refresh. */
  sorted: Float64Array;
}

/** Recent replica response times per table (milliseconds), bounded in tables and samples. */
export class ReadLatencies {
  private readonly tables = new Map<string, TableLatencies>();

  record(tableId: string, ms: number): void {
    assert(Number.isFinite(ms) && ms >= 0, 'latency must be a finite non-negative number');
    let table = this.tables.get(tableId);
    if (table === undefined) {
      if (this.tables.size >= latencyTablesMax) this.tables.delete(this.tables.keys().next().value as string);
      table = { samples: new Float64Array(latencySamplesMax), count: 0, next: 0, sinceRefresh: 0, sorted: new Float64Array(0) };
      this.tables.set(tableId, table);
    }
    table.samples[table.next] = ms;
    table.next = (table.next + 1) % latencySamplesMax;
    table.count = Math.min(table.count + 1, latencySamplesMax);
    if (++table.sinceRefresh >= refreshEvery || table.sorted.length < latencySamplesMin) {
      table.sinceRefresh = 0;
      table.sorted = table.samples.slice(0, table.count).sort();
    }
  }

  /** The percentile (0-100) of the table's samples, or undefined with too few of them. */
  percentile(tableId: string, percentile: number): number | undefined {
    const sorted = this.tables.get(tableId)?.sorted;
    if (sorted === undefined || sorted.length < latencySamplesMin) return undefined;
    const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((percentile / 100) * sorted.length) - 1));
    return sorted[index];
  }

  /** How long a read waits before speculating, or undefined when it does not speculate. */
  thresholdMs(tableId: string, policy: RetryPolicy): number | undefined {
    switch (policy.kind) {
      case 'none': return undefined;
      case 'always': return 0;
      case 'fixed': return policy.ms;
      case 'percentile': return this.percentile(tableId, policy.percentile);
      case 'min': case 'max': {
        const a = this.thresholdMs(tableId, policy.a);
        const b = this.thresholdMs(tableId, policy.b);
        if (a === undefined || b === undefined) return a ?? b;
        return policy.kind === 'min' ? Math.min(a, b) : Math.max(a, b);
      }
    }
  }
}
