// The QueryHandler of a node (Cassandra's cql3.QueryProcessor): analyses CQL (cached, with the
// prepared statements: statement-cache.ts), checks the session's permissions, and executes
// plans. Reads and writes of tables go through the coordinator (the StorageProxy) to the
// replicas, a single node's included; virtual (system) tables are generated here; DDL changes
// the schema and keeps the storage engine's tables in step. The native-protocol server calls
// it through transport's QueryHandler interface, which it matches structurally (transport does
// not import this layer, nor this layer transport: node/ wires them).

import { invalidRequest, unauthorized } from '../common/errors.js';
import { authRowsMax } from '../common/limits.js';
import { ConsistencyLevel } from '../common/consistency.js';
import type { WriteType } from '../common/errors.js';
import type { Clock, Logger, Random } from '../common/world.js';
import type { BatchMessage, BoundValue, EventMessage, QueryParameters, ResultMessage, RowsMetadata, SchemaChange } from '../protocol/messages.js';
import { BatchType, UNSET } from '../protocol/messages.js';
import { defaultQueryParameters } from '../protocol/query-parameters.js';
import { resultMetadataId } from '../protocol/result.js';
import { decodeValue } from '../protocol/type-codecs.js';
import type { TableMetadata } from '../schema/metadata.js';
import type { Schema } from '../schema/schema.js';
import { functionSignature } from '../schema/schema-functions.js';
import type { StorageEngine } from '../storage/engine.js';
import type { Mutation } from '../storage/types.js';
import type { AuthResource, ModificationPlan, PreparedStatement } from '../cql/plan.js';
import type { EvaluationContext, PreparedTerm } from '../cql/terms.js';
import { SelectExecution, type ReadSource } from '../coordinator/select-executor.js';
import { virtualSource, type VirtualRow } from '../coordinator/virtual-source.js';
import type { AuthService } from '../auth/auth-service.js';
import { executeAuthStatement } from '../auth/auth-statements.js';
import { applicablePermissions } from '../auth/resources.js';
import { StatementCache } from './statement-cache.js';
import type { UserFunctionSettings } from '../cql/user-functions.js';
import type { ClusterDescription } from '../cql/describe.js';
import { executeDescribe } from './describe-execution.js';
import type { NodeTracing } from '../coordinator/tracing.js';
import { traced, type TracedResult } from './traced-request.js';
import { BatchGuard, defaultBatchGuard, type BatchGuardSettings } from './batch-guard.js';
import type { CasRequest, CasResult } from '../coordinator/paxos-coordinator.js';
import { cartesian } from '../cql/restrictions.js';
import { indexTableId, tableIndexList } from '../schema/indexes.js';
import { casLevels, casRequestOf, isConditional, type CasStatement } from './cas-execution.js';
import { readBeforeWriteLevel, readExistingRows } from './read-before-write.js';

export interface QueryProcessorOptions {
  world: { clock: Clock; random: Random; logger: Logger };
  schema: Schema;
  /** The engine whose tables follow the schema (created, altered, dropped with it). */
  storage: Pick<StorageEngine, 'addTable' | 'updateTable' | 'dropTable'>;
  /** Rows of a virtual (system) table, generated on read. */
  virtualRows: (table: TableMetadata) => VirtualRow[];
  /** The read and write paths of every table that is not virtual, and the availability checks of consistency levels. */
  coordinator: Coordinator;
  /** Authentication and authorization; without it, every session is anonymous and may do everything but role statements. */
  auth?: AuthService;
  /** What DESCRIBE CLUSTER shows; without it, that form is refused. */
  describeCluster?: () => ClusterDescription;
  /** Query tracing (coordinator/tracing.ts); without it, the tracing flag is ignored. */
  tracing?: Pick<NodeTracing, 'begin'>;
  /** Cassandra's batch size and unlogged-batch thresholds (batch-guard.ts); its defaults without. */
  batchGuard?: BatchGuardSettings;
  /** enable_user_defined_functions and the runtime UDFs run in; disabled without. */
  userFunctions?: UserFunctionSettings;
  /** enable_materialized_views (off without). */
  materializedViews?: boolean;
  /** Told each time the storage tables follow the schema (secondary indexes then build the new ones). */
  storageSynced?: () => void;
}

/** Per-request options from the frame: the tracing flag (header flag 0x02). */
export interface RequestOptions {
  tracing?: boolean;
}

/** What the query processor needs of the coordinator (coordinator/storage-proxy.ts). */
export interface Coordinator {
  mutate(mutations: readonly Mutation[], level: ConsistencyLevel, options: { writeType?: WriteType }): Promise<void>;
  /** A logged batch: through the batchlog, so all of it applies eventually or none. */
  mutateLogged(mutations: readonly Mutation[], level: ConsistencyLevel): Promise<void>;
  source(level: ConsistencyLevel): ReadSource;
  /** Counter updates (deltas), through a leader replica of each partition. */
  mutateCounters(mutations: readonly Mutation[], level: ConsistencyLevel): Promise<void>;
  /** A conditional write through Paxos (lightweight transactions). */
  cas(request: CasRequest, levels: { serial: ConsistencyLevel; commit: ConsistencyLevel }): Promise<CasResult>;
  truncate(keyspace: string, tableId: string): Promise<void>;
}

/**
 * What the processor reads and changes of a client's session: USE sets the keyspace, and the
 * role (null when anonymous) is checked. transport's ClientState is one.
 */
export interface QuerySession {
  keyspace: string | null;
  readonly user: string | null;
}

const bigint = { kind: 'native', name: 'bigint' } as const;

/** The rows internalQuery collects per page. */
const internalPageSize = 1000;

export class QueryProcessor {
  private readonly statements: StatementCache;
  private readonly listeners = new Set<(event: EventMessage) => void>();
  private storedTableIds = new Set<string>();
  /** The v5 result metadata id of each analysed statement, computed once. */
  private readonly resultMetadataIds = new WeakMap<PreparedStatement, Buffer>();

  private readonly batchGuard: BatchGuard;

  constructor(private readonly options: QueryProcessorOptions) {
    const features = {
      ...(options.userFunctions === undefined ? {} : { userFunctions: options.userFunctions }),
      ...(options.materializedViews === undefined ? {} : { materializedViews: options.materializedViews }),
    };
    this.statements = new StatementCache({ schema: options.schema, clock: options.world.clock, features });
    this.batchGuard = new BatchGuard({
      settings: options.batchGuard ?? defaultBatchGuard, logger: options.world.logger, clock: options.world.clock,
      tableName: (id) => {
        const table = options.schema.findTableById(id);
        return table === undefined ? id : `${table.keyspace}.${table.name}`;
      },
    });
    options.schema.onChange((change) => this.emit({ type: 'SCHEMA_CHANGE', schemaChange: change }));
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

  async query(query: string, parameters: QueryParameters, state: QuerySession, request: RequestOptions = {}): Promise<TracedResult> {
    if (request.tracing === true && this.options.tracing !== undefined) {
      return traced(this.options.tracing, { request: 'Execute CQL3 query', query, parameters, state }, () => this.query(query, parameters, state));
    }
    const entry = this.statements.adhocStatement(`${state.keyspace ?? ''}\u0000${query}`, query, state.keyspace);
    return this.execute_(entry.prepared, parameters, state);
  }

  async prepare(query: string, state: QuerySession): Promise<ResultMessage> {
    await this.options.auth?.checkSession(state.user);
    const { id, entry: { prepared } } = this.statements.prepare(query, state.keyspace);
    const resultMetadata: RowsMetadata = { columns: prepared.resultColumns, columnCount: prepared.resultColumns.length, pagingState: null };
    const metadata = { columns: prepared.variables, partitionKeyIndices: prepared.partitionKeyIndices };
    return { kind: 'prepared', id, metadata, resultMetadata, resultMetadataId: this.resultMetadataIdOf(prepared) };
  }

  private resultMetadataIdOf(prepared: PreparedStatement): Buffer {
    let id = this.resultMetadataIds.get(prepared);
    if (id === undefined) {
      id = resultMetadataId(prepared.resultColumns);
      this.resultMetadataIds.set(prepared, id);
    }
    return id;
  }

  /**
   * Rows metadata as the client asked for it; but when a v5 EXECUTE names result metadata
   * other than the statement's now, the columns go in full with their new id (Metadata_changed).
   */
  private rowsMetadata(prepared: PreparedStatement, parameters: QueryParameters, pagingState: Buffer | null): RowsMetadata {
    const columns = prepared.resultColumns;
    const metadata: RowsMetadata = { columns: parameters.skipMetadata ? null : columns, columnCount: columns.length, pagingState };
    if (parameters.resultMetadataId === undefined) return metadata;
    const current = this.resultMetadataIdOf(prepared);
    if (current.equals(parameters.resultMetadataId)) return metadata;
    return { columns, columnCount: columns.length, pagingState, newMetadataId: current };
  }

  async execute(id: Buffer, parameters: QueryParameters, state: QuerySession, request: RequestOptions = {}): Promise<TracedResult> {
    if (request.tracing === true && this.options.tracing !== undefined) {
      const query = this.statements.lookup(id).query;
      return traced(this.options.tracing, { request: 'Execute CQL3 prepared query', query, parameters, state }, () => this.execute(id, parameters, state));
    }
    return this.execute_(this.statements.lookup(id).prepared, parameters, state);
  }

  async batch(batch: BatchMessage, state: QuerySession, request: RequestOptions = {}): Promise<TracedResult> {
    if (request.tracing === true && this.options.tracing !== undefined) {
      const parameters = { ...defaultQueryParameters(batch.consistency), values: [] };
      return traced(this.options.tracing, { request: 'Execute batch of CQL3 queries', query: null, parameters, state }, () => this.batch(batch, state));
    }
    const statements: CasStatement[] = [];
    await this.options.auth?.checkSession(state.user);
    for (const statement of batch.statements) {
      const entry = statement.kind === 'prepared' ? this.statements.lookup(statement.id) : this.statements.analyze(statement.query, state.keyspace);
      const { plan } = entry.prepared;
      if (plan.kind !== 'modification') throw invalidRequest('Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed.');
      await this.authorize(entry.prepared, state);
      statements.push({ plan, context: this.context(statement.values, { expected: entry.prepared.variables.length, nowInSeconds: batch.nowInSeconds }) });
    }
    if (isConditional(statements.map((s) => s.plan))) return this.cas(statements, { ...batch, batch: true });
    const warnings = await this.writeStatements(statements, { consistency: batch.consistency, batchTimestamp: null, clientTimestamp: batch.defaultTimestamp, writeType: batch.type === BatchType.LOGGED ? 'BATCH' : 'UNLOGGED_BATCH' });
    return warnings.length > 0 ? { kind: 'void', warnings } : { kind: 'void' };
  }

  /** nowInSeconds: a v5 client's "now" for TTLs and deletion times (reads' liveness included). */
  private context(values: QueryParameters['values'], bounds: { expected: number; nowInSeconds: number | undefined }): EvaluationContext & { nowSeconds: number } {
    const { expected } = bounds;
    if (values.length !== expected) throw invalidRequest(`There were ${expected} markers(?) in CQL but ${values.length} bound variables`);
    const nowMs = this.options.world.clock.nowMs();
    const nowSeconds = bounds.nowInSeconds ?? Math.floor(nowMs / 1000);
    return { values, nowMs, nowSeconds, randomBytes: (n) => this.options.world.random.bytes(n) };
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

  /** A conditional statement or batch: one Paxos round on its partition (cas-execution.ts). */
  private async cas(statements: CasStatement[], options: Pick<QueryParameters, 'consistency' | 'serialConsistency'> & { batch: boolean }): Promise<ResultMessage> {
    const levels = casLevels(options);
    const { request, answer } = casRequestOf(statements, { batch: options.batch });
    return answer(await this.options.coordinator.cas(request, levels));
  }

  /** A batch's statements: counter updates through their leaders, the rest through the write path. */
  /** The statements of a batch, counter ones through their leaders; the batch guard's warnings for the client. */
  private async writeStatements(
    statements: CasStatement[],
    { consistency, batchTimestamp, clientTimestamp, writeType }: { consistency: ConsistencyLevel; batchTimestamp: PreparedTerm | null; clientTimestamp: bigint | null; writeType: WriteType },
  ): Promise<string[]> {
    const mutationsOf = async (list: CasStatement[]) => {
      const out: Mutation[] = [];
      for (const { plan, context } of list) out.push(...(await this.mutationsOf(plan, context, { batchTimestamp, clientTimestamp, consistency })));
      return out;
    };
    const counters = statements.filter((s) => s.plan.counter === true);
    const others = statements.filter((s) => s.plan.counter !== true);
    const counterMutations = await mutationsOf(counters);
    const otherMutations = await mutationsOf(others);
    // Checked before anything is written: a batch over the fail threshold writes nothing.
    const warnings = this.batchGuard.check([...counterMutations, ...otherMutations], writeType === 'BATCH');
    if (counters.length > 0) await this.writeCounters(counters[0]!.plan, { mutations: counterMutations, consistency });
    if (others.length > 0) await this.write(otherMutations, consistency, writeType);
    return warnings;
  }

  private async writeCounters(plan: ModificationPlan, { mutations, consistency }: { mutations: Mutation[]; consistency: ConsistencyLevel }): Promise<void> {
    if (consistency === ConsistencyLevel.ANY) throw invalidRequest(`Consistency level ANY is not yet supported for counter table ${plan.table.name}`);
    await this.options.coordinator.mutateCounters(mutations, consistency);
  }

  private async mutationsOf(
    plan: ModificationPlan,
    context: EvaluationContext & { nowSeconds: number },
    { batchTimestamp, clientTimestamp, consistency }: { batchTimestamp: PreparedTerm | null; clientTimestamp: bigint | null; consistency: ConsistencyLevel },
  ): Promise<Mutation[]> {
    const timestampMicros = this.timestampOf(plan.timestamp ?? batchTimestamp, context, clientTimestamp);
    const existing = await readExistingRows(plan, { context, source: this.options.coordinator.source(readBeforeWriteLevel(consistency)) });
    return plan.mutations(context, { timestampMicros, nowSeconds: context.nowSeconds, ...(existing === undefined ? {} : { existing }) });
  }

  private async write(mutations: Mutation[], consistency: QueryParameters['consistency'], writeType?: WriteType): Promise<void> {
    const { coordinator } = this.options;
    if (mutations.length === 0) return;
    if (writeType === 'BATCH' && mutations.length > 1) await coordinator.mutateLogged(mutations, consistency);
    else await coordinator.mutate(mutations, consistency, writeType === undefined ? {} : { writeType });
  }

  private async authorize(prepared: PreparedStatement, state: QuerySession): Promise<void> {
    const { auth } = this.options;
    if (auth === undefined) return;
    await auth.authorize(state.user, prepared.access);
  }

  /** A client's statement: the session's role must still be valid and hold the statement's permissions. */
  private async execute_(prepared: PreparedStatement, parameters: QueryParameters, state: QuerySession): Promise<TracedResult> {
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
    const entry = this.statements.adhocStatement(`\u0000internal\u0000${query}`, query, null);
    const state: QuerySession = { keyspace: null, user: null };
    const out: Array<Map<string, Buffer | null>> = [];
    let pagingState: Buffer | null = null;
    do {
      const parameters: QueryParameters = { ...defaultQueryParameters(consistency), values: values as BoundValue[], pageSize: internalPageSize, pagingState };
      const result = await this.executePlan(entry.prepared, parameters, state);
      if (result.kind !== 'rows') return out;
      const names = entry.prepared.resultColumns.map((column) => column.name);
      for (const row of result.rows) out.push(new Map(names.map((name, index) => [name, row[index] ?? null])));
      pagingState = result.metadata.pagingState;
    } while (pagingState !== null && out.length < authRowsMax);
    return out;
  }

  private async executePlan(prepared: PreparedStatement, parameters: QueryParameters, state: QuerySession): Promise<TracedResult> {
    const { plan } = prepared;
    switch (plan.kind) {
      case 'select': {
        const context = this.context(parameters.values, { expected: prepared.variables.length, nowInSeconds: parameters.nowInSeconds });
        const table = plan.table;
        const serial = parameters.consistency === ConsistencyLevel.SERIAL || parameters.consistency === ConsistencyLevel.LOCAL_SERIAL;
        if (serial && plan.partitionKeys !== null && cartesian(plan.partitionKeys.map((values) => values(context))).length > 1) {
          throw invalidRequest('SERIAL/LOCAL_SERIAL consistency may only be requested for one partition at a time');
        }
        const source: ReadSource = table.virtual
          ? virtualSource(table, () => this.options.virtualRows(table))
          : this.options.coordinator.source(parameters.consistency);
        const result = await new SelectExecution(plan, source, context).run({ pageSize: parameters.pageSize, pagingState: parameters.pagingState });
        return { kind: 'rows', metadata: this.rowsMetadata(prepared, parameters, result.pagingState), rows: result.rows };
      }
      case 'modification': {
        const context = this.context(parameters.values, { expected: prepared.variables.length, nowInSeconds: parameters.nowInSeconds });
        if (plan.condition !== undefined) return this.cas([{ plan, context }], { ...parameters, batch: false });
        const consistency = parameters.consistency;
        if (plan.counter === true) await this.writeCounters(plan, { mutations: await this.mutationsOf(plan, context, { batchTimestamp: null, clientTimestamp: null, consistency }), consistency });
        else await this.write(await this.mutationsOf(plan, context, { batchTimestamp: null, clientTimestamp: parameters.defaultTimestamp, consistency }), consistency);
        return { kind: 'void' };
      }
      case 'batch': {
        const context = this.context(parameters.values, { expected: prepared.variables.length, nowInSeconds: parameters.nowInSeconds });
        if (isConditional(plan.statements)) return this.cas(plan.statements.map((s) => ({ plan: s, context })), { ...parameters, batch: true });
        const warnings = await this.writeStatements(plan.statements.map((s) => ({ plan: s, context })), {
          consistency: parameters.consistency, batchTimestamp: plan.timestamp, clientTimestamp: parameters.defaultTimestamp, writeType: plan.logged ? 'BATCH' : 'UNLOGGED_BATCH',
        });
        return warnings.length > 0 ? { kind: 'void', warnings } : { kind: 'void' };
      }
      case 'use':
        state.keyspace = plan.keyspace;
        return { kind: 'setKeyspace', keyspace: plan.keyspace };
      case 'truncate':
        await this.options.coordinator.truncate(plan.table.keyspace, plan.table.id);
        return { kind: 'void' };
      case 'schema':
        return this.applySchemaChange(plan.apply);
      case 'describe':
        return executeDescribe(plan, parameters, { schema: this.options.schema, sessionKeyspace: state.keyspace, cluster: this.options.describeCluster });
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
  private async applySchema(prepared: PreparedStatement, state: QuerySession): Promise<ResultMessage> {
    const { plan, created, dropped, functionsOf } = prepared;
    if (plan.kind !== 'schema') return this.executePlan(prepared, defaultQueryParameters(), state);
    const droppedResources = dropped === undefined ? [] : this.resourcesUnder(dropped.keyspace, dropped.table);
    // The functions before a function DDL: a dropped one's resource is named by its stored types.
    const functionsBefore = functionsOf === undefined ? [] : this.functionResources(functionsOf);
    const result = await this.applySchemaChange(plan.apply);
    const { auth } = this.options;
    if (auth === undefined || result.kind !== 'schemaChange') return result;
    if (created !== undefined) {
      const resource: AuthResource = created.table === null ? { kind: 'keyspace', keyspace: created.keyspace } : { kind: 'table', keyspace: created.keyspace, table: created.table };
      await auth.grantToCreator(state.user, resource, applicablePermissions(resource));
    }
    const change = result.schemaChange;
    if (functionsOf !== undefined && (change.target === 'FUNCTION' || change.target === 'AGGREGATE') && change.name !== undefined) {
      const signature = `${change.name}(${(change.argumentTypes ?? []).join(', ')})`;
      const same = (resource: AuthResource) => resource.kind === 'function' && functionSignature(resource.name, resource.argumentTypes) === signature;
      // The creator of a function gets every permission on it; a dropped function's grants go with it (Cassandra 4.0).
      const createdFunction = change.change === 'CREATED' ? this.functionResources(functionsOf).find(same) : undefined;
      if (createdFunction !== undefined) await auth.grantToCreator(state.user, createdFunction, applicablePermissions(createdFunction));
      const droppedFunction = change.change === 'DROPPED' ? functionsBefore.find(same) : undefined;
      if (droppedFunction !== undefined) await auth.revokeAllOn(droppedFunction);
    }
    for (const resource of droppedResources) await auth.revokeAllOn(resource);
    return result;
  }

  /** Every user function and aggregate of a keyspace as a resource. */
  private functionResources(keyspace: string): AuthResource[] {
    const metadata = this.options.schema.findKeyspace(keyspace);
    return [...(metadata?.functions?.values() ?? []), ...(metadata?.aggregates?.values() ?? [])]
      .map((fn): AuthResource => ({ kind: 'function', keyspace, name: fn.name, argumentTypes: fn.argumentTypes }));
  }

  /** A keyspace and its tables, or one table: the resources a DROP takes away. */
  private resourcesUnder(keyspace: string, table: string | null): AuthResource[] {
    if (table !== null) return [{ kind: 'table', keyspace, table }];
    const tables = [...(this.options.schema.findKeyspace(keyspace)?.tables.keys() ?? [])];
    return [
      { kind: 'keyspace', keyspace }, ...tables.map((name): AuthResource => ({ kind: 'table', keyspace, table: name })),
      { kind: 'keyspaceFunctions', keyspace }, ...this.functionResources(keyspace),
    ];
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
    this.options.storageSynced?.();
  }

  /** The tables the storage engine must hold: every non-virtual table of the schema. */
  private storageTables(): Array<{ keyspace: string; tableId: string; gcGraceSeconds: number }> {
    return this.options.schema.allKeyspaces()
      .filter((k) => !k.virtual)
      .flatMap((k) => [...k.tables.values()].filter((t) => !t.virtual)
        .flatMap((t) => [
          { keyspace: k.name, tableId: t.id, gcGraceSeconds: t.options.gcGraceSeconds },
          // Each secondary index keeps a local table of its entries (node/secondary-indexes.ts).
          ...tableIndexList(t).map((index) => ({ keyspace: k.name, tableId: indexTableId(t.id, index.name), gcGraceSeconds: t.options.gcGraceSeconds })),
        ]));
  }
}
