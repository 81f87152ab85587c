// The QueryHandler of a node: parses and analyses CQL (cached), keeps prepared statements,
// and executes plans against the local storage engine and the virtual system tables.
// With the cluster, reads and writes go through the coordinator (a Coordinator such as the
// StorageProxy) to the replicas; without one, to the local storage engine.

import { createHash } from 'node:crypto';
import { CqlError, invalidRequest, unauthorized, unprepared } from '../common/errors.js';
import { redactErrorMessage } from './message-log.js';
import { preparedStatementsMax, queryTextBytesMax } from '../common/limits.js';
import type { Clock, Logger, Random } from '../common/world.js';
import type { BatchMessage, BoundValue, EventMessage, QueryParameters, ResultMessage, RowsMetadata, SchemaChange } from '../protocol/messages.js';
import { BatchType, UNSET } from '../protocol/messages.js';
import { decodeValue } from '../protocol/type-codecs.js';
import { replicationFactors } from '../schema/replication.js';
import type { TableMetadata } from '../schema/metadata.js';
import type { Schema } from '../schema/schema.js';
import type { StorageEngine } from '../storage/engine.js';
import type { Mutation } from '../storage/types.js';
import { analyzeStatement } from '../cql/analyzer.js';
import { parseStatement } from '../cql/parser.js';
import type { ModificationPlan, PreparedStatement } from '../cql/plan.js';
import type { EvaluationContext, PreparedTerm } from '../cql/terms.js';
import type { ClientState, QueryHandler } from './query-handler.js';
import type { ConsistencyLevel } from '../common/consistency.js';
import type { WriteType } from '../common/errors.js';
import { checkAvailable } from '../coordinator/consistency.js';
import { SelectExecution, type ReadSource } from '../coordinator/select-executor.js';
import { virtualSource, type VirtualRow } from '../coordinator/virtual-source.js';
import type { AuthService } from '../auth/auth-service.js';
import { executeAuthStatement } from '../auth/auth-statements.js';
import { defaultQueryParameters } from '../protocol/query-parameters.js';
import { authRowsMax } from '../common/limits.js';
import { applicablePermissions } from '../auth/resources.js';
import type { AuthResource } from '../cql/plan.js';

export interface QueryProcessorOptions {
  world: { clock: Clock; random: Random; logger: Logger };
  schema: Schema;
  storage: StorageEngine;
  /** Rows of a virtual (system) table, generated on read. */
  virtualRows: (table: TableMetadata) => VirtualRow[];
  localDataCenter: string;
  /** Live replicas a request can reach (1 for a single node; the cluster computes it per token). */
  liveReplicas?: () => number;
  /** The distributed read and write paths; without it, the local storage engine serves all. */
  coordinator?: Coordinator;
  /** Authentication and authorization; without it, every session is anonymous and may do everything but role statements. */
  auth?: AuthService;
}

/** What the query processor needs of the cluster's coordinator (coordinator/storage-proxy.ts). */
export interface Coordinator {
  mutate(mutations: readonly Mutation[], level: ConsistencyLevel, options: { writeType?: WriteType }): Promise<void>;
  /** A logged batch: through the batchlog, so all of it applies eventually or none. */
  mutateLogged?(mutations: readonly Mutation[], level: ConsistencyLevel): Promise<void>;
  source(level: ConsistencyLevel): ReadSource;
  truncate?(keyspace: string, tableId: string): Promise<void>;
}

interface CachedStatement {
  query: string;
  keyspace: string | null;
  schemaVersion: string;
  prepared: PreparedStatement;
}

/** A small LRU map (insertion order of a Map, re-inserted on use). */
class LruCache<V> {
  private readonly entries = new Map<string, V>();
  constructor(private readonly capacity: number) {}
  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) { this.entries.delete(key); this.entries.set(key, value); }
    return value;
  }
  set(key: string, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }
}

const bigint = { kind: 'native', name: 'bigint' } as const;

export class QueryProcessor implements QueryHandler {
  private readonly prepared = new LruCache<CachedStatement>(preparedStatementsMax);
  private readonly adhoc = new LruCache<CachedStatement>(1000);
  private readonly listeners = new Set<(event: EventMessage) => void>();
  private storedTableIds: Set<string>;

  constructor(private readonly options: QueryProcessorOptions) {
    options.schema.onChange((change) => this.emit({ type: 'SCHEMA_CHANGE', schemaChange: change }));
    this.storedTableIds = new Set();
  }

  onEvent(listener: (event: EventMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Pushes a node event (TOPOLOGY_CHANGE, STATUS_CHANGE) to every registered client. */
  emitNodeEvent(event: EventMessage): void {
    this.emit(event);
  }

  /** Opens, alters and drops storage tables after the schema changed outside a DDL statement (a peer's schema adopted). */
  async schemaImported(): Promise<void> {
    await this.syncStorageTables();
  }

  private emit(event: EventMessage): void {
    for (const listener of this.listeners) listener(event);
  }

  private analyze(query: string, keyspace: string | null): CachedStatement {
    if (Buffer.byteLength(query) > queryTextBytesMax) throw invalidRequest(`Query text is larger than ${queryTextBytesMax} bytes`);
    try {
      const statement = parseStatement(query);
      const prepared = analyzeStatement(statement, { schema: this.options.schema, keyspace, nowMicros: () => this.options.world.clock.nowMicros() });
      return { query, keyspace, schemaVersion: this.options.schema.schemaVersion(), prepared };
    } catch (error) {
      // Syntax errors quote the text around them: never echo a password back (or into the log).
      if (error instanceof CqlError) throw new CqlError(error.code, redactErrorMessage(error.message, query), error.details);
      throw error;
    }
  }

  /** A cached statement is re-analysed when the schema changed since (its tables may have). */
  private fresh(entry: CachedStatement): CachedStatement {
    if (entry.schemaVersion === this.options.schema.schemaVersion()) return entry;
    const updated = this.analyze(entry.query, entry.keyspace);
    entry.prepared = updated.prepared;
    entry.schemaVersion = updated.schemaVersion;
    return entry;
  }

  async query(query: string, parameters: QueryParameters, state: ClientState): Promise<ResultMessage> {
    const cacheKey = `${state.keyspace ?? ''}\u0000${query}`;
    let entry = this.adhoc.get(cacheKey);
    if (entry === undefined) {
      entry = this.analyze(query, state.keyspace);
      // DDL and USE depend on the moment; only cache what is safe to re-run.
      if (entry.prepared.plan.kind === 'select' || entry.prepared.plan.kind === 'modification') this.adhoc.set(cacheKey, entry);
    } else {
      entry = this.fresh(entry);
    }
    return this.execute_(entry.prepared, parameters, state);
  }

  async prepare(query: string, state: ClientState): Promise<ResultMessage> {
    await this.options.auth?.checkSession(state.user);
    const entry = this.analyze(query, state.keyspace);
    const keyspace = entry.prepared.fullyQualified ? null : state.keyspace;
    const id = createHash('md5').update(`${keyspace ?? ''}${query}`).digest();
    entry.keyspace = state.keyspace;
    this.prepared.set(id.toString('hex'), entry);
    const { prepared } = entry;
    const resultMetadata: RowsMetadata = { columns: prepared.resultColumns, columnCount: prepared.resultColumns.length, pagingState: null };
    return { kind: 'prepared', id, metadata: { columns: prepared.variables, partitionKeyIndices: prepared.partitionKeyIndices }, resultMetadata };
  }

  private lookup(id: Buffer): CachedStatement {
    const entry = this.prepared.get(id.toString('hex'));
    if (entry === undefined) throw unprepared(id);
    return this.fresh(entry);
  }

  async execute(id: Buffer, parameters: QueryParameters, state: ClientState): Promise<ResultMessage> {
    return this.execute_(this.lookup(id).prepared, parameters, state);
  }

  async batch(batch: BatchMessage, state: ClientState): Promise<ResultMessage> {
    const mutations: Mutation[] = [];
    await this.options.auth?.checkSession(state.user);
    for (const statement of batch.statements) {
      const entry = statement.kind === 'prepared' ? this.lookup(statement.id) : this.analyze(statement.query, state.keyspace);
      const { plan } = entry.prepared;
      if (plan.kind !== 'modification') throw invalidRequest('Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed.');
      await this.authorize(entry.prepared, state);
      const context = this.context(statement.values, entry.prepared.variables.length);
      mutations.push(...this.mutationsOf(plan, context, null, batch.defaultTimestamp));
    }
    await this.write(mutations, batch.consistency, batch.type === BatchType.LOGGED ? 'BATCH' : 'UNLOGGED_BATCH');
    return { kind: 'void' };
  }

  private context(values: QueryParameters['values'], expected: number): EvaluationContext & { nowSeconds: number } {
    if (values.length !== expected) throw invalidRequest(`There were ${expected} markers(?) in CQL but ${values.length} bound variables`);
    const nowMs = this.options.world.clock.nowMs();
    return { values, nowMs, nowSeconds: Math.floor(nowMs / 1000), randomBytes: (n) => this.options.world.random.bytes(n) };
  }

  private timestampOf(term: PreparedTerm | null, context: EvaluationContext, clientTimestamp: bigint | null): number {
    let micros: number | null = null;
    if (term !== null) {
      const bytes = term(context);
      if (bytes !== null && bytes !== UNSET) micros = Number(decodeValue(bigint, bytes) as bigint);
    }
    if (micros === null && clientTimestamp !== null) micros = Number(clientTimestamp);
    if (micros === null) return this.options.world.clock.nowMicros();
    if (!Number.isSafeInteger(micros)) throw invalidRequest(`Timestamp ${micros} is out of the supported range (|t| < 2^53 microseconds)`);
    return micros;
  }

  private mutationsOf(plan: ModificationPlan, context: EvaluationContext & { nowSeconds: number }, batchTimestamp: PreparedTerm | null, clientTimestamp: bigint | null): Mutation[] {
    const timestampMicros = this.timestampOf(plan.timestamp ?? batchTimestamp, context, clientTimestamp);
    return plan.mutations(context, { timestampMicros, nowSeconds: context.nowSeconds });
  }

  private async write(mutations: Mutation[], consistency: QueryParameters['consistency'], writeType?: WriteType): Promise<void> {
    const { coordinator } = this.options;
    if (coordinator !== undefined) {
      if (mutations.length === 0) return;
      if (writeType === 'BATCH' && coordinator.mutateLogged !== undefined && mutations.length > 1) await coordinator.mutateLogged(mutations, consistency);
      else await coordinator.mutate(mutations, consistency, writeType === undefined ? {} : { writeType });
      return;
    }
    const keyspaces = new Set(mutations.map((m) => m.keyspace));
    for (const keyspace of keyspaces) this.checkConsistency(keyspace, consistency, true);
    if (mutations.length > 0) await this.options.storage.apply(mutations);
  }

  private checkConsistency(keyspace: string, consistency: QueryParameters['consistency'], write: boolean): void {
    const metadata = this.options.schema.findKeyspace(keyspace);
    if (metadata === undefined || metadata.virtual) return;
    const factors = replicationFactors(metadata.replication);
    const total = [...factors.values()].reduce((a, b) => a + b, 0);
    const alive = Math.min(total, this.options.liveReplicas?.() ?? 1);
    checkAvailable(consistency, { factors, localDataCenter: this.options.localDataCenter, alive, write });
  }

  private async authorize(prepared: PreparedStatement, state: ClientState): Promise<void> {
    const { auth } = this.options;
    if (auth === undefined) return;
    await auth.authorize(state.user, prepared.access);
  }

  /** A client's statement: the session's role must still be valid and hold the statement's permissions. */
  private async execute_(prepared: PreparedStatement, parameters: QueryParameters, state: ClientState): Promise<ResultMessage> {
    // An anonymous session (no authenticator) has nothing to check: skip the two awaits per request.
    if (state.user !== null) {
      await this.options.auth?.checkSession(state.user);
      await this.authorize(prepared, state);
    }
    if (prepared.plan.kind === 'schema') return this.applySchema(prepared, state);
    return this.executePlan(prepared, parameters, state);
  }

  /**
   * Runs CQL as the system, without permission checks (the auth layer's reads and writes of
   * system_auth), through the coordinator like any statement. Returns every row by column name.
   */
  async internalQuery(query: string, values: Array<Buffer | null>, consistency: QueryParameters['consistency']): Promise<Array<Map<string, Buffer | null>>> {
    const cacheKey = `\u0000internal\u0000${query}`;
    let entry = this.adhoc.get(cacheKey);
    if (entry === undefined) {
      entry = this.analyze(query, null);
      if (entry.prepared.plan.kind === 'select' || entry.prepared.plan.kind === 'modification') this.adhoc.set(cacheKey, entry);
    } else {
      entry = this.fresh(entry);
    }
    const state: ClientState = { keyspace: null, user: null, remoteAddress: '127.0.0.1', remotePort: 0 };
    const out: Array<Map<string, Buffer | null>> = [];
    let pagingState: Buffer | null = null;
    do {
      const parameters: QueryParameters = { ...defaultQueryParameters(consistency), values: values as BoundValue[], pageSize: 1000, pagingState };
      const result = await this.executePlan(entry.prepared, parameters, state);
      if (result.kind !== 'rows') return out;
      const names = entry.prepared.resultColumns.map((column) => column.name);
      for (const row of result.rows) out.push(new Map(names.map((name, index) => [name, row[index] ?? null])));
      pagingState = result.metadata.pagingState;
    } while (pagingState !== null && out.length < authRowsMax);
    return out;
  }

  private async executePlan(prepared: PreparedStatement, parameters: QueryParameters, state: ClientState): Promise<ResultMessage> {
    const { plan } = prepared;
    switch (plan.kind) {
      case 'select': {
        const context = this.context(parameters.values, prepared.variables.length);
        const table = plan.table;
        const { coordinator } = this.options;
        if (!table.virtual && coordinator === undefined) this.checkConsistency(table.keyspace, parameters.consistency, false);
        const source: ReadSource = table.virtual
          ? virtualSource(table, () => this.options.virtualRows(table))
          : coordinator?.source(parameters.consistency) ?? this.options.storage;
        const result = await new SelectExecution(plan, source, context).run({ pageSize: parameters.pageSize, pagingState: parameters.pagingState });
        const metadata: RowsMetadata = {
          columns: parameters.skipMetadata ? null : prepared.resultColumns,
          columnCount: prepared.resultColumns.length,
          pagingState: result.pagingState,
        };
        return { kind: 'rows', metadata, rows: result.rows };
      }
      case 'modification': {
        const context = this.context(parameters.values, prepared.variables.length);
        await this.write(this.mutationsOf(plan, context, null, parameters.defaultTimestamp), parameters.consistency);
        return { kind: 'void' };
      }
      case 'batch': {
        const context = this.context(parameters.values, prepared.variables.length);
        const mutations = plan.statements.flatMap((s) => this.mutationsOf(s, context, plan.timestamp, parameters.defaultTimestamp));
        await this.write(mutations, parameters.consistency, plan.logged ? 'BATCH' : 'UNLOGGED_BATCH');
        return { kind: 'void' };
      }
      case 'use':
        state.keyspace = plan.keyspace;
        return { kind: 'setKeyspace', keyspace: plan.keyspace };
      case 'truncate':
        if (this.options.coordinator?.truncate !== undefined) await this.options.coordinator.truncate(plan.table.keyspace, plan.table.id);
        else await this.options.storage.truncate(plan.table.id);
        return { kind: 'void' };
      case 'schema':
        return this.applySchemaChange(plan.apply);
      case 'auth':
        if (this.options.auth === undefined) throw unauthorized('You have to be logged in and not anonymous to perform this request');
        return executeAuthStatement(this.options.auth, plan.statement, state.user);
    }
  }

  private async applySchemaChange(apply: () => Promise<SchemaChange | null>): Promise<ResultMessage> {
    const change = await apply();
    if (change === null) return { kind: 'void' };
    await this.syncStorageTables();
    return { kind: 'schemaChange', schemaChange: change };
  }

  /** DDL, then Cassandra's bookkeeping of permissions: the creator gets all of them, a dropped resource loses its grants. */
  private async applySchema(prepared: PreparedStatement, state: ClientState): Promise<ResultMessage> {
    const { plan, created, dropped } = prepared;
    if (plan.kind !== 'schema') return this.executePlan(prepared, defaultQueryParameters(), state);
    const droppedResources = dropped === undefined ? [] : this.resourcesUnder(dropped.keyspace, dropped.table);
    const result = await this.applySchemaChange(plan.apply);
    const { auth } = this.options;
    if (auth === undefined || result.kind !== 'schemaChange') return result;
    if (created !== undefined) {
      const resource: AuthResource = created.table === null ? { kind: 'keyspace', keyspace: created.keyspace } : { kind: 'table', keyspace: created.keyspace, table: created.table };
      await auth.grantToCreator(state.user, resource, applicablePermissions(resource));
    }
    for (const resource of droppedResources) await auth.revokeAllOn(resource);
    return result;
  }

  /** A keyspace and its tables, or one table: the resources a DROP takes away. */
  private resourcesUnder(keyspace: string, table: string | null): AuthResource[] {
    if (table !== null) return [{ kind: 'table', keyspace, table }];
    const tables = [...(this.options.schema.findKeyspace(keyspace)?.tables.keys() ?? [])];
    return [{ kind: 'keyspace', keyspace }, ...tables.map((name): AuthResource => ({ kind: 'table', keyspace, table: name }))];
  }

  /** Opens the storage of every table of the schema; call once before serving. */
  async start(): Promise<void> {
    await this.syncStorageTables();
  }

  /** Keeps the storage engine's table set in step with the schema (created, altered, dropped tables). */
  private async syncStorageTables(): Promise<void> {
    const { storage } = this.options;
    const wanted = new Map(this.storageTables().map((t) => [t.tableId, t]));
    for (const [id, table] of wanted) {
      if (this.storedTableIds.has(id)) storage.updateTable(table);
      else await storage.addTable(table);
    }
    for (const id of this.storedTableIds) if (!wanted.has(id)) await storage.dropTable(id);
    this.storedTableIds = new Set(wanted.keys());
  }

  /** The tables the storage engine must hold: every non-virtual table of the schema. */
  storageTables(): Array<{ keyspace: string; tableId: string; gcGraceSeconds: number }> {
    return this.options.schema.allKeyspaces()
      .filter((k) => !k.virtual)
      .flatMap((k) => [...k.tables.values()].filter((t) => !t.virtual)
        .map((t) => ({ keyspace: k.name, tableId: t.id, gcGraceSeconds: t.options.gcGraceSeconds })));
  }
}
