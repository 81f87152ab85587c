// A node's Prometheus metrics (prom-client), served by the admin channel at GET /metrics, named
// after Cassandra's metric families as its Prometheus exporters spell them: client request
// latency by operation and consistency level (the coordinator reports every request it
// coordinates, coordinator/request-metrics.ts), timeouts, unavailables and failures; hints;
// read repairs; compactions; each table's memtable, sstables and disk space; dropped internode
// messages by verb; gossip's view of every endpoint; connected native clients. Counters and
// gauges kept elsewhere (storage engine, hint store, messaging, transport) are read when
// Prometheus scrapes, so nothing here is a second copy that could drift. Event-loop delay, GC
// and memory are prom-client's default Node.js metrics.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { ConsistencyLevel, consistencyName } from '../common/consistency.js';
import { EstimatedHistogram } from '../common/estimated-histogram.js';
import type { ClientRequestObserver, ClientRequestOperation, ClientRequestOutcome } from '../coordinator/request-metrics.js';

/** Where the scrape-time values come from, bound once the node is wired. */
export interface MetricSources {
  tables(): Array<{ keyspace: string; table: string; memtableBytes: number; sstableCount: number; sstableBytes: number }>;
  compactions(): { running: number; pending: number; completed: number; bytesCompacted: number };
  loadBytes(): number;
  hints(): { pending: number; written: number; dropped: number; delivered: number };
  readRepairs(): number;
  droppedMessages(): ReadonlyMap<string, number>;
  endpoints(): Array<{ endpoint: string; alive: boolean }>;
  nativeClients(): number;
  /** The storage engine's shared caches, by system_views.caches' names (chunks, keys). */
  caches(): Array<{ name: string; hits: number; misses: number; sizeBytes: number; capacityBytes: number }>;
}

/** Latency buckets in seconds: 0.25 ms to 10 s (Cassandra's write timeout is 2 s, read 5 s, range 10 s). */
const latencyBuckets = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const scopes: Record<ClientRequestOperation, string> = { read: 'read', range: 'range_slice', write: 'write', cas_write: 'cas_write' };

/** nodetool proxyhistograms' columns: Cassandra's ClientRequest latency timers by scope, in microseconds. */
export interface ProxyHistograms {
  read: EstimatedHistogram;
  write: EstimatedHistogram;
  range: EstimatedHistogram;
  casRead: EstimatedHistogram;
  casWrite: EstimatedHistogram;
}

export class NodeMetrics implements ClientRequestObserver {
  readonly registry = new Registry();
  private sources: MetricSources | undefined;
  private readonly latency: Histogram<'operation' | 'consistency'>;
  private readonly errors: Record<Exclude<ClientRequestOutcome, 'ok'>, Counter<'operation' | 'consistency'>>;
  /** The same requests' latencies in Cassandra's estimated histograms (nodetool proxyhistograms). */
  readonly proxy: ProxyHistograms = {
    read: new EstimatedHistogram(), write: new EstimatedHistogram(), range: new EstimatedHistogram(),
    casRead: new EstimatedHistogram(), casWrite: new EstimatedHistogram(),
  };

  constructor(options: { defaultMetrics: boolean; labels?: Record<string, string> }) {
    const registers = [this.registry];
    if (options.labels !== undefined) this.registry.setDefaultLabels(options.labels);
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    const labelNames = ['operation', 'consistency'] as const;
    this.latency = new Histogram({ name: 'cassandra_client_request_latency_seconds', help: 'Client requests this node coordinated (ClientRequest.Latency), by operation (read, range_slice, write, cas_write) and consistency level', labelNames, buckets: latencyBuckets, registers });
    this.errors = {
      timeout: new Counter({ name: 'cassandra_client_request_timeouts_total', help: 'Client requests that timed out (ClientRequest.Timeouts)', labelNames, registers }),
      unavailable: new Counter({ name: 'cassandra_client_request_unavailables_total', help: 'Client requests refused for too few live replicas (ClientRequest.Unavailables)', labelNames, registers }),
      failure: new Counter({ name: 'cassandra_client_request_failures_total', help: 'Client requests that failed otherwise (ClientRequest.Failures)', labelNames, registers }),
    };
    this.registerScraped(registers);
  }

  /** Connects the scrape-time values (the storage engine, hints, messaging and transport exist by now). */
  bind(sources: MetricSources): void {
    this.sources = sources;
  }

  /** Coordinator latencies per table (system_views.coordinator_read/scan/write_latency), in microseconds. */
  readonly coordinatorTables = new Map<string, { read: EstimatedHistogram; scan: EstimatedHistogram; write: EstimatedHistogram }>();

  completed(operation: ClientRequestOperation, level: ConsistencyLevel, outcome: ClientRequestOutcome, latencyMs: number, tableIds: readonly string[] = []): void {
    for (const tableId of new Set(tableIds)) {
      let perTable = this.coordinatorTables.get(tableId);
      if (perTable === undefined) {
        perTable = { read: new EstimatedHistogram(), scan: new EstimatedHistogram(), write: new EstimatedHistogram() };
        this.coordinatorTables.set(tableId, perTable);
      }
      (operation === 'range' ? perTable.scan : operation === 'read' ? perTable.read : perTable.write).add(latencyMs * 1000);
    }
    const labels = { operation: scopes[operation], consistency: consistencyName(level) };
    this.latency.observe(labels, latencyMs / 1000);
    const serial = level === ConsistencyLevel.SERIAL || level === ConsistencyLevel.LOCAL_SERIAL;
    const histogram = operation === 'cas_write' ? this.proxy.casWrite : operation === 'range' ? this.proxy.range
      : operation === 'write' ? this.proxy.write : serial ? this.proxy.casRead : this.proxy.read;
    histogram.add(latencyMs * 1000);
    if (outcome !== 'ok') this.errors[outcome].inc(labels);
  }

  async text(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  private registerScraped(registers: Registry[]): void {
    const source = () => this.sources;
    /** A counter whose running total lives elsewhere: set from it at each scrape. */
    const total = (name: string, help: string, read: (s: MetricSources) => number) =>
      new Counter({ name, help, registers, collect() { const s = source(); if (s === undefined) return; this.reset(); this.inc(read(s)); } });
    const gauge = (name: string, help: string, read: (s: MetricSources) => number) =>
      new Gauge({ name, help, registers, collect() { const s = source(); if (s !== undefined) this.set(read(s)); } });

    total('cassandra_storage_hints_total', 'Hints stored for down replicas (Storage.TotalHints)', (s) => s.hints().written);
    gauge('cassandra_storage_hints_in_progress', 'Hints held, waiting for their replica (Storage.TotalHintsInProgress)', (s) => s.hints().pending);
    total('cassandra_hints_delivered_total', 'Hints delivered to their replica (HintsService.HintsSucceeded)', (s) => s.hints().delivered);
    total('cassandra_hints_dropped_total', 'Hints not stored: the replica was down past max_hint_window or had too many (HintedHandoff.Dropped)', (s) => s.hints().dropped);
    total('cassandra_read_repair_repaired_blocking_total', 'Replicas repaired during reads (ReadRepair.RepairedBlocking)', (s) => s.readRepairs());
    gauge('cassandra_compaction_pending_tasks', 'Compactions running or due (Compaction.PendingTasks)', (s) => s.compactions().pending);
    gauge('cassandra_compaction_active_tasks', 'Compactions running', (s) => s.compactions().running);
    total('cassandra_compaction_completed_tasks_total', 'Compactions completed (Compaction.CompletedTasks)', (s) => s.compactions().completed);
    total('cassandra_compaction_bytes_compacted_total', 'Bytes of sstables compacted (Compaction.BytesCompacted)', (s) => s.compactions().bytesCompacted);
    gauge('cassandra_storage_load_bytes', 'Bytes of live sstables on this node (Storage.Load)', (s) => s.loadBytes());
    gauge('cassandra_client_connected_native_clients', 'Open native-protocol client connections (Client.connectedNativeClients)', (s) => s.nativeClients());

    // Cassandra's Cache metrics (ChunkCache, KeyCache): Hits and Requests as counters, Size and Capacity as gauges.
    type CacheStats = ReturnType<MetricSources['caches']>[number];
    const cacheTotal = (name: string, help: string, read: (c: CacheStats) => number) =>
      new Counter({ name, help, labelNames: ['cache'], registers, collect() {
        const s = source();
        if (s === undefined) return;
        this.reset();
        for (const cache of s.caches()) this.inc({ cache: cache.name }, read(cache));
      } });
    const cacheGauge = (name: string, help: string, read: (c: CacheStats) => number) =>
      new Gauge({ name, help, labelNames: ['cache'], registers, collect() {
        const s = source();
        if (s === undefined) return;
        for (const cache of s.caches()) this.set({ cache: cache.name }, read(cache));
      } });
    cacheTotal('cassandra_cache_hits_total', 'Lookups the cache answered (Cache.Hits), by cache: chunks (sstable blocks, file_cache_size_in_mb) and keys (partition index entries, key_cache_size_in_mb)', (c) => c.hits);
    cacheTotal('cassandra_cache_requests_total', 'Lookups of the cache (Cache.Requests), by cache', (c) => c.hits + c.misses);
    cacheGauge('cassandra_cache_size_bytes', 'Bytes the cache holds (Cache.Size), by cache', (c) => c.sizeBytes);
    cacheGauge('cassandra_cache_capacity_bytes', 'Bytes the cache may hold (Cache.Capacity), by cache', (c) => c.capacityBytes);

    const tableLabels = ['keyspace', 'table'] as const;
    const perTable = (name: string, help: string, read: (t: ReturnType<MetricSources['tables']>[number]) => number) =>
      new Gauge({ name, help, labelNames: tableLabels, registers, collect() {
        const s = source();
        if (s === undefined) return;
        this.reset();
        for (const table of s.tables()) this.set({ keyspace: table.keyspace, table: table.table }, read(table));
      } });
    perTable('cassandra_table_memtable_live_data_size_bytes', 'Bytes in the table\'s memtable (Table.MemtableLiveDataSize)', (t) => t.memtableBytes);
    perTable('cassandra_table_live_sstable_count', 'The table\'s live sstables (Table.LiveSSTableCount)', (t) => t.sstableCount);
    perTable('cassandra_table_live_disk_space_used_bytes', 'Bytes of the table\'s live sstables (Table.LiveDiskSpaceUsed)', (t) => t.sstableBytes);

    new Counter({ name: 'cassandra_dropped_messages_total', help: 'Internode messages dropped, by verb (DroppedMessage.Dropped)', labelNames: ['verb'], registers, collect() {
      const s = source();
      if (s === undefined) return;
      this.reset();
      for (const [verb, count] of s.droppedMessages()) this.inc({ verb }, count);
    } });
    new Gauge({ name: 'cassandra_endpoint_up', help: 'Gossip\'s failure-detector verdict on each endpoint this node knows: 1 up, 0 down', labelNames: ['endpoint'], registers, collect() {
      const s = source();
      if (s === undefined) return;
      this.reset();
      for (const { endpoint, alive } of s.endpoints()) this.set({ endpoint }, alive ? 1 : 0);
    } });
    gauge('cassandra_failure_detector_down_endpoint_count', 'Endpoints gossip holds down (FailureDetector.DownEndpointCount)', (s) => s.endpoints().filter((e) => !e.alive).length);
    gauge('cassandra_failure_detector_up_endpoint_count', 'Endpoints gossip holds up, this node included (FailureDetector.UpEndpointCount)', (s) => s.endpoints().filter((e) => e.alive).length);
  }
}
