// Materialized views on a node (Cassandra's ViewManager and TableViews): the replica store
// every write goes through. A write to a base table with views is applied as one write with
// whatever else its mutation holds, under the locks of its viewed partitions (one write at a time
// per partition), with a local read of the rows it touches before and after it (tombstones
// included); view-updates.ts turns the two into the view's rows, which are then delivered:
// applied locally on a single node, or sent to the paired view replica in a cluster
// (view-delivery.ts). A view's WHERE restrictions beyond IS NOT NULL (cql/view-filter.ts) decide
// which base rows have entries. Reads of a view keyed by a regular base column count and show
// only rows with live liveness (Cassandra's enforceStrictLiveness); other views' rows live by
// their liveness or any live cell, as tables'.
//
// Building: a view created on a table with data is built in the background from the local
// base table (each node builds from its own replicas of the base, as Cassandra's
// ViewBuilder). Built views are recorded in a small file of the data directory, so a restart
// does not build again; system.built_views lists them.

import { viewFilter, type ViewRowFilter } from '../cql/view-filter.js';
import { KeyedQueue } from '../common/keyed-queue.js';
import type { Logger } from '../common/world.js';
import type { ReplicaStore } from '../cluster/replica-verbs.js';
import { MIN_TOKEN } from '../dht/token.js';
import { CLUSTERING_RANGE_END, CLUSTERING_RANGE_START, isRowClustering, rowSlice } from '../schema/clustering-key.js';
import type { TableMetadata } from '../schema/metadata.js';
import type { Schema } from '../schema/schema.js';
import { enforcesStrictLiveness, viewsOf } from '../schema/views.js';
import type { ReplayObserver } from '../storage/engine.js';
import type { ClusteringSlice, Mutation, Partition, PartitionPosition, ReadCommand, ReadResult } from '../storage/types.js';
import { coveringDeletion, deletedState, rowStates, viewMutations, viewRowsFor, type View } from './view-updates.js';

const FULL_SLICE: ClusteringSlice[] = [{ start: CLUSTERING_RANGE_START, end: CLUSTERING_RANGE_END }];
/** View mutations of replayed base writes stored per batchlog entry (viewReplayObserver). */
const replayViewMutationsPerEntry = 1000;
/** Base partitions read per step while building a view. */
const buildPagePartitions = 128;

/** Where built views are remembered (ids), across restarts. */
export interface BuiltViewsFile {
  load(): Promise<string[]>;
  save(ids: readonly string[]): Promise<void>;
}

/** Sends view mutations made for a base partition to where they belong (without it: applied here). */
export type ViewDelivery = (mutations: Mutation[], base: { keyspace: string; token: bigint }, applyLocal: (mutations: Mutation[]) => Promise<void>) => Promise<void>;

export class MaterializedViews implements ReplicaStore {
  private readonly partitions = new KeyedQueue();
  private readonly built = new Set<string>();
  private readonly building = new Map<string, Promise<void>>();
  private deliver: ViewDelivery | undefined;
  private saving: Promise<void> = Promise.resolve();
  private readonly filters = new Map<string, { whereClause: string; filter: ViewRowFilter | null }>();

  constructor(private readonly options: {
    store: ReplicaStore & { hasTable(tableId: string): boolean }; schema: Schema; logger: Logger; nowSeconds: () => number; builtFile?: BuiltViewsFile;
  }) {}

  /** Reads which views were built before a restart. */
  async start(): Promise<void> {
    for (const id of (await this.options.builtFile?.load()) ?? []) this.built.add(id);
  }

  /** The cluster's delivery of view mutations to their paired replicas (set once messaging exists). */
  setDelivery(deliver: ViewDelivery): void {
    this.deliver = deliver;
  }

  async apply(mutations: Mutation[], encoded?: Buffer): Promise<void> {
    const plain: Mutation[] = [];
    const viewed: Array<{ mutation: Mutation; base: TableMetadata; views: View[] }> = [];
    for (const mutation of mutations) {
      const base = this.options.schema.findTableById(mutation.tableId);
      const keyspace = base === undefined ? undefined : this.options.schema.findKeyspace(base.keyspace);
      const all = base === undefined || keyspace === undefined ? [] : viewsOf(keyspace, base.id);
      const views = all.length === 0 ? [] : all.filter((view) => this.options.store.hasTable(view.id));
      if (views.length === 0) plain.push(mutation);
      else viewed.push({ mutation, base: base!, views });
    }
    if (viewed.length === 0) return this.options.store.apply(mutations, encoded);
    await this.applyWithViews(mutations, viewed, encoded);
  }

  /** Reads; a view keyed by a regular base column is read with strict liveness (its limits count only rows with live liveness). */
  read(command: ReadCommand): Promise<ReadResult> {
    const table = this.options.schema.findTableById(command.tableId);
    if (table?.view === undefined || command.strictLiveness === true || !enforcesStrictLiveness(this.options.schema, table)) return this.options.store.read(command);
    return this.options.store.read({ ...command, strictLiveness: true });
  }

  /** TRUNCATE of a base table truncates its views too (each replica its own), as Cassandra's. */
  async truncate(tableId: string): Promise<void> {
    await this.options.store.truncate(tableId);
    const base = this.options.schema.findTableById(tableId);
    const keyspace = base === undefined ? undefined : this.options.schema.findKeyspace(base.keyspace);
    for (const view of keyspace === undefined ? [] : viewsOf(keyspace, tableId)) {
      if (this.options.store.hasTable(view.id)) await this.options.store.truncate(view.id);
    }
  }

  /**
   * Applies `mutations` as one write (one commit-log entry, as Cassandra applies a mutation of
   * several tables), with a read of each viewed partition before and after it, under the locks
   * of every viewed partition (taken in key order, so two writes never wait on each other), then
   * delivers the view mutations those reads imply.
   */
  private applyWithViews(mutations: Mutation[], viewed: Array<{ mutation: Mutation; base: TableMetadata; views: View[] }>, encoded: Buffer | undefined): Promise<void> {
    const lockKeys = [...new Set(viewed.map(({ mutation }) => `${mutation.tableId}:${mutation.key.toString('hex')}`))].sort();
    return this.withLocks(lockKeys, async () => {
      const reads = viewed.map((entry) => ({ ...entry, slices: affectedSlices(entry.mutation) })).filter((entry) => entry.slices.length > 0);
      const befores = await Promise.all(reads.map(({ mutation, slices }) => this.readBase(mutation, slices)));
      // The base memtable is not flushed before the view updates are delivered (stored in the
      // batchlog or applied): a flush in between, then a crash, would let commit-log replay
      // skip the base write, and viewReplayObserver would never make its view updates.
      let delivered = (): void => {};
      const until = new Promise<void>((resolve) => { delivered = resolve; });
      try {
        await this.options.store.apply(mutations, encoded, { tableIds: new Set(viewed.map(({ base }) => base.id)), until });
        for (const [index, { mutation, base, views, slices }] of reads.entries()) {
          const out = this.viewMutationsFor(mutation, { base, views }, befores[index], await this.readBase(mutation, slices));
          if (out.length > 0) await this.send(out, { keyspace: mutation.keyspace, token: mutation.token });
        }
      } finally {
        delivered();
      }
    });
  }

  /** Runs `body` holding the partition locks of `keys` (sorted, distinct). */
  private withLocks<T>(keys: readonly string[], body: () => Promise<T>): Promise<T> {
    const [first, ...rest] = keys;
    if (first === undefined) return body();
    return this.partitions.run(first, () => this.withLocks(rest, body));
  }

  /** The view mutations a write of `mutation` makes, from its partition's rows before and after it. */
  private viewMutationsFor(mutation: Mutation, { base, views }: { base: TableMetadata; views: View[] }, before: Partition | undefined, after: Partition | undefined): Mutation[] {
    const existing = rowStates(before);
    const merged = rowStates(after);
    const clusterings = new Set([...existing.keys(), ...merged.keys(), ...mutation.rows.filter((r) => isRowClustering(r.clustering)).map((r) => r.clustering.toString('hex'))]);
    const nowSeconds = this.options.nowSeconds();
    const out: Mutation[] = [];
    for (const view of views) {
      const context = { base, view, key: mutation.key, nowSeconds, filter: this.filterOf(base, view) };
      const rows = [...clusterings].flatMap((hex) => {
        const clustering = Buffer.from(hex, 'hex');
        const after_ = merged.get(hex) ?? deletedState(clustering, after === undefined ? null : coveringDeletion(after, { clustering, deletion: null }));
        return viewRowsFor(existing.get(hex), after_, context);
      });
      out.push(...viewMutations(view, rows));
    }
    return out;
  }

  /** The view's WHERE filter, analysed once per where_clause. */
  private filterOf(base: TableMetadata, view: View): ViewRowFilter | null {
    const cached = this.filters.get(view.id);
    if (cached?.whereClause === view.view.whereClause) return cached.filter;
    const filter = viewFilter(base, view.view.whereClause);
    this.filters.set(view.id, { whereClause: view.view.whereClause, filter });
    return filter;
  }

  private async send(mutations: Mutation[], base: { keyspace: string; token: bigint }): Promise<void> {
    if (this.deliver === undefined) await this.options.store.apply(mutations);
    else await this.deliver(mutations, base, (local) => this.options.store.apply(local));
  }

  private async readBase(mutation: Mutation, slices: ClusteringSlice[]): Promise<Partition | undefined> {
    const result = await this.options.store.read({
      kind: 'single', tableId: mutation.tableId, key: mutation.key, token: mutation.token, slices, reversed: false, columns: 'all',
      rowLimit: Number.MAX_SAFE_INTEGER, perPartitionRowLimit: Number.MAX_SAFE_INTEGER, nowSeconds: this.options.nowSeconds(), includeTombstones: true,
    });
    return result.partitions[0];
  }

  // ---- building ----

  /** Starts building every view whose tables exist and that is not built yet (after schema changes and at start). */
  buildMissing(): void {
    for (const keyspace of this.options.schema.allKeyspaces()) {
      if (keyspace.virtual) continue;
      for (const table of keyspace.tables.values()) {
        if (table.view !== undefined) continue;
        for (const view of viewsOf(keyspace, table.id)) {
          if (this.built.has(view.id) || this.building.has(view.id) || !this.options.store.hasTable(view.id)) continue;
          const work = this.build(table, view).catch((error: unknown) => {
            this.options.logger.warn('materialized view build failed; it is built again at the next schema change or start', { view: view.name, error: String(error) });
          }).finally(() => this.building.delete(view.id));
          this.building.set(view.id, work);
        }
      }
    }
  }

  /** The views built on this node (system.built_views). */
  builtViews(): Array<{ keyspace: string; view: string }> {
    const out: Array<{ keyspace: string; view: string }> = [];
    for (const keyspace of this.options.schema.allKeyspaces()) {
      for (const table of keyspace.virtual ? [] : keyspace.tables.values()) if (table.view !== undefined && this.built.has(table.id)) out.push({ keyspace: keyspace.name, view: table.name });
    }
    return out;
  }

  /** Resolves when every build under way has ended. */
  async idle(): Promise<void> {
    while (this.building.size > 0) await Promise.all([...this.building.values()]);
  }

  private async build(base: TableMetadata, view: View): Promise<void> {
    this.options.logger.info('building materialized view', { keyspace: view.keyspace, view: view.name });
    let start: PartitionPosition = { token: MIN_TOKEN };
    for (;;) {
      const current = this.options.schema.findTableById(view.id);
      if (current?.view === undefined || !this.options.store.hasTable(view.id)) return; // dropped meanwhile
      const result = await this.options.store.read({
        kind: 'range', tableId: base.id, start, end: { token: MIN_TOKEN }, partitionLimit: buildPagePartitions,
        slices: FULL_SLICE, reversed: false, columns: 'all', rowLimit: Number.MAX_SAFE_INTEGER, perPartitionRowLimit: Number.MAX_SAFE_INTEGER,
        nowSeconds: this.options.nowSeconds(), includeTombstones: true,
      });
      for (const partition of result.partitions) await this.buildPartition(base, current as View, partition);
      const last = result.partitions[result.partitions.length - 1];
      if (last === undefined || result.partitions.length < buildPagePartitions) break;
      start = { token: last.token, key: last.key };
    }
    this.built.add(view.id);
    // One save at a time (they share a temporary file); each writes the set as it then is.
    const file = this.options.builtFile;
    if (file !== undefined) await (this.saving = this.saving.catch(() => undefined).then(() => file.save([...this.built])));
    this.options.logger.info('materialized view built', { keyspace: view.keyspace, view: view.name });
  }

  /** One base partition's entries, under the partition's lock so that a concurrent write's read-before-write sees them in order. */
  private buildPartition(base: TableMetadata, view: View, partition: Partition): Promise<void> {
    return this.partitions.run(`${base.id}:${partition.key.toString('hex')}`, async () => {
      const context = { base, view, key: partition.key, nowSeconds: this.options.nowSeconds(), filter: this.filterOf(base, view) };
      const rows = [...rowStates(partition).values()].flatMap((state) => viewRowsFor(undefined, state, context));
      const mutations = viewMutations(view, rows);
      if (mutations.length > 0) await this.send(mutations, { keyspace: base.keyspace, token: partition.token });
    });
  }
}

/**
 * Commit-log replay of base tables with views (StorageEngine's replayObserver). A base write
 * reaches the commit log before its view updates are made and delivered; a crash between the two
 * lost them. Replay now applies each replayed base mutation between reads of its rows before and
 * after, as a live write is applied, and stores the view mutations this implies in the batchlog
 * (`storeInBatchlog`), whose replay delivers them to every view replica once the node is up.
 * Replaying a write whose view updates did arrive sends them again, which changes nothing: they
 * carry the base write's timestamps.
 */
export function viewReplayObserver(options: {
  schema: Schema; logger: Logger; nowSeconds: () => number; storeInBatchlog: (mutations: Mutation[]) => Promise<void>;
}): ReplayObserver {
  const { schema } = options;
  // View mutations wait here until replayViewMutationsPerEntry gather (one batchlog entry for many
  // replayed writes: a long replay would otherwise fill the batchlog) or the engine settles.
  let pending: Mutation[] = [];
  const settle = async (): Promise<void> => {
    if (pending.length === 0) return;
    const entry = pending;
    pending = [];
    await options.storeInBatchlog(entry);
  };
  return {
    observes: (tableId) => {
      const base = schema.findTableById(tableId);
      const keyspace = base === undefined || base.view !== undefined ? undefined : schema.findKeyspace(base.keyspace);
      return keyspace !== undefined && viewsOf(keyspace, tableId).length > 0;
    },
    replay: async (mutation, access) => {
      const views = new MaterializedViews({
        store: {
          apply: () => Promise.resolve(access.apply()), read: (command) => access.read(command), hasTable: (tableId) => access.hasTable(tableId),
          truncate: () => Promise.reject(new Error('no truncation during commit-log replay')),
        },
        schema, logger: options.logger, nowSeconds: options.nowSeconds,
      });
      views.setDelivery(async (mutations) => { pending.push(...mutations); });
      await views.apply([mutation]);
      if (pending.length >= replayViewMutationsPerEntry) await settle();
    },
    settle,
  };
}

/** The base rows a write may change: its rows, or the whole partition when it deletes ranges. */
function affectedSlices(mutation: Mutation): ClusteringSlice[] {
  if (mutation.partitionDeletion !== null || mutation.rangeTombstones.length > 0) return FULL_SLICE;
  return mutation.rows.filter((row) => isRowClustering(row.clustering)).map((row) => rowSlice(row.clustering));
}
