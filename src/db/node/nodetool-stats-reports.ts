// What `aero nodetool tpstats`, `proxyhistograms` and `tablehistograms` print, gathered by the
// node (JSON over the admin channel; src/cli/cluster/nodetool-stats-format.ts lays it out as
// Cassandra 4.0 does). Only measured figures.
//
// A "pool" of this single-threaded node is a kind of queued work, named after the Cassandra
// stage that does that work: the internode verbs' handlers (ReadStage for READ and RANGE_READ,
// MutationStage for writes, hints, batches and Paxos, GossipStage, MigrationStage,
// AntiEntropyStage for repair and streaming, RequestResponseStage for the responses to this
// node's requests), Native-Transport-Requests (client requests running and queued per
// connection), CompactionExecutor, MemtableFlushWriter and HintsDispatcher. Active is work
// started and not finished, Pending work waiting to start, Completed work finished since
// start. Nothing here blocks its producer (work waits in queues instead), so Blocked and All
// time blocked are 0 by construction, not unmeasured.

import type { MessagingStats } from '../cluster/messaging/messaging-stats.js';
import type { EstimatedHistogram } from '../common/estimated-histogram.js';
import type { Schema } from '../schema/schema.js';
import type { StorageEngine } from '../storage/engine.js';
import type { ProxyHistograms } from './metrics.js';

export interface StatsReportParts {
  schema: Schema;
  storage: StorageEngine;
  messaging: { stats: MessagingStats; droppedMessages(): ReadonlyMap<string, number> };
  proxy: ProxyHistograms;
  nativeRequests: () => { active: number; pending: number; completed: number };
  hints: () => { pending: number; delivered: number };
  /** The coordinator's writes to this node's own replica (MutationStage work that sends no message). */
  localMutations: () => { active: number; completed: number };
  /** The coordinator's reads of this node's own replica (ReadStage work that sends no message). */
  localReads: () => { active: number; completed: number };
}

export interface PoolStats {
  name: string;
  active: number;
  pending: number;
  completed: number;
  blocked: number;
  allTimeBlocked: number;
}

/** The Cassandra stage whose work each verb's handler does. */
export function stageOfVerb(verb: string): string {
  if (verb.endsWith('_RSP')) return 'RequestResponseStage';
  if (verb === 'READ' || verb === 'RANGE_READ') return 'ReadStage';
  if (verb === 'COUNTER_MUTATION') return 'CounterMutationStage';
  if (verb.startsWith('GOSSIP_') || verb === 'ECHO') return 'GossipStage';
  if (verb.startsWith('SCHEMA_')) return 'MigrationStage';
  if (verb.startsWith('VALIDATION_') || verb.startsWith('SYNC_') || verb.startsWith('STREAM_')) return 'AntiEntropyStage';
  if (verb === 'TRACED_REQUEST') return 'TracingStage';
  return 'MutationStage';
}

/** Every pool tpstats lists, in Cassandra's order (by name), the always-present ones even when idle. */
export function threadPools(parts: StatsReportParts): PoolStats[] {
  const pools = new Map<string, PoolStats>();
  const pool = (name: string): PoolStats => {
    let found = pools.get(name);
    if (found === undefined) {
      found = { name, active: 0, pending: 0, completed: 0, blocked: 0, allTimeBlocked: 0 };
      pools.set(name, found);
    }
    return found;
  };
  for (const name of ['ReadStage', 'MutationStage', 'GossipStage', 'RequestResponseStage', 'MigrationStage', 'AntiEntropyStage']) pool(name);
  for (const [verb, work] of parts.messaging.stats.verbWork()) {
    const stage = pool(stageOfVerb(verb));
    stage.active += work.active;
    stage.completed += work.completed + work.failed;
  }
  for (const [name, local] of [['MutationStage', parts.localMutations()], ['ReadStage', parts.localReads()]] as const) {
    const stage = pool(name);
    stage.active += local.active;
    stage.completed += local.completed;
  }
  const native = parts.nativeRequests();
  Object.assign(pool('Native-Transport-Requests'), { active: native.active, pending: native.pending, completed: native.completed });
  const compactions = parts.storage.compactionStats();
  Object.assign(pool('CompactionExecutor'), { active: compactions.running, pending: Math.max(0, compactions.pending - compactions.running), completed: compactions.completed });
  const flushes = parts.storage.flushStats();
  Object.assign(pool('MemtableFlushWriter'), { active: Math.min(1, flushes.flushing), pending: Math.max(0, flushes.flushing - 1), completed: flushes.completed });
  const hints = parts.hints();
  Object.assign(pool('HintsDispatcher'), { pending: hints.pending, completed: hints.delivered });
  return [...pools.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** nodetool's seven rows (50 %, 75 %, 95 %, 98 %, 99 %, Min, Max) of a histogram. */
function rows(histogram: EstimatedHistogram): number[] {
  return histogram.summary().percentiles;
}

export function statsReports(parts: StatsReportParts): Record<'tpstats' | 'proxyhistograms' | 'tablehistograms', (target: { keyspace?: string; table?: string }) => Record<string, unknown>> {
  return {
    tpstats: () => ({
      pools: threadPools(parts),
      dropped: Object.fromEntries([...parts.messaging.droppedMessages()].sort(([a], [b]) => (a < b ? -1 : 1))),
    }),
    proxyhistograms: () => ({
      read: rows(parts.proxy.read), write: rows(parts.proxy.write), range: rows(parts.proxy.range),
      casRead: rows(parts.proxy.casRead), casWrite: rows(parts.proxy.casWrite),
    }),
    tablehistograms: (target) => {
      const tables = target.keyspace === undefined
        ? parts.schema.allKeyspaces().filter((k) => !k.virtual).flatMap((k) => [...k.tables.values()].filter((t) => !t.virtual))
        : target.table === undefined
          ? [...parts.schema.getKeyspace(target.keyspace).tables.values()].filter((t) => !t.virtual)
          : [parts.schema.getTable(target.keyspace, target.table)];
      return {
        tables: tables.map((table) => {
          if (table.virtual) throw new Error(`${table.keyspace}.${table.name} is a virtual table: it keeps no histograms`);
          const metrics = parts.storage.tableMetrics(table.id);
          const flushed = metrics.partitionSize.count > 0;
          return {
            keyspace: table.keyspace, table: table.name,
            sstablesPerRead: rows(metrics.sstablesPerRead), writeLatency: rows(metrics.writeLatency), readLatency: rows(metrics.readLatency),
            // Null: nothing flushed yet, as Cassandra's "No SSTables exists".
            partitionSize: flushed ? rows(metrics.partitionSize) : null,
            cellCount: flushed ? rows(metrics.cellCount) : null,
          };
        }),
      };
    },
  };
}
