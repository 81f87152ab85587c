// The schema: every keyspace, table and user type this node knows. DDL methods validate a
// change with Cassandra's rules and messages, apply it copy-on-write (metadata objects handed
// out earlier never change), notify listeners and return the SCHEMA_CHANGE event to emit,
// or null when IF [NOT] EXISTS made the statement a no-op. Underneath, the schema is kept as
// timestamped rows (schema-rows.ts): each DDL writes the rows it changed, peers' rows merge
// in cell by cell (mergeRows). Persisted as one checksummed JSON file of those rows, replaced
// atomically through the injected Disk; a file of the first format (one document) is read as
// rows written at the time of its last change.

import { assert } from '../common/assert.js';
import { alreadyExists, invalidRequest } from '../common/errors.js';
import type { Disk, Random } from '../common/world.js';
import type { DataType } from '../protocol/data-type.js';
import type { SchemaChange } from '../protocol/messages.js';
import type { KeyspaceMetadata, TableMetadata, UserTypeMetadata } from './metadata.js';
import { addIndex, checkNoDependentIndexes, findIndexedTable, withoutIndex, type CreateIndexInput } from './indexes.js';
import { parseReplication } from './replication.js';
import {
  alterTableMetadata, alterUserType, propagateUserType, referencesUserType, type AlterTableChange, type AlterTypeChange,
} from './schema-alter.js';
import { decodeSchemaFile, documentVersion, encodeSchemaFile, formatUuid, fromDocument, toDocument } from './schema-document.js';
import { schemaChanges } from './schema-diff.js';
import type { FunctionChange } from './schema-functions.js';
import {
  cellsOfDocument, documentOfCells, exportCells, importCells, latestTimestamp, mergeCells, recordChange, rowsOfDocument,
  SCHEMA_ROWS_FORMAT, type SchemaCells,
} from './schema-rows.js';
import { builtInKeyspaces, isSystemKeyspace, REPLICATED_SYSTEM_KEYSPACES } from './system-keyspaces.js';
import { buildTable, checkColumnName, checkSchemaName, type CreateTableInput } from './table-builder.js';
import { applyTableOptions, defaultTableOptions, ID_OPTION, type OptionInput } from './table-options.js';
import { buildView, checkAlterWithViews, checkNoDependentViews, viewsOf, viewsWithAddedColumns, type CreateViewInput } from './views.js';

export type { AlterTableChange, AlterTypeChange } from './schema-alter.js';
export type { CreateTableInput, ColumnInput } from './table-builder.js';
export type { CreateViewInput } from './views.js';
export type { OptionInput, OptionValue } from './table-options.js';

export type SchemaListener = (change: SchemaChange) => void;

export interface SchemaOptions {
  random: Random;
  /** Where save() writes; both or neither. */
  disk?: Disk;
  path?: string;
  /** Known datacenters, for NetworkTopologyStrategy's replication_factor shorthand. */
  dataCenters?: () => readonly string[];
  /** The write time of a DDL statement, in microseconds (without it: one more than the latest row, a logical clock). */
  nowMicros?: () => number;
}

/** The file beside a schema file of the first format that held the time (ms) of its last change. */
const LEGACY_CHANGED_FILE = 'schema-changed-ms';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Table ids remembered by findTableById; beyond it the memory starts over. */
const tablesByIdMax = 65_536;

export class Schema {
  private readonly keyspaces = new Map<string, KeyspaceMetadata>();
  private readonly listeners = new Set<SchemaListener>();
  private version: string | null = null;
  private readonly tablesById = new Map<string, TableMetadata>();
  /** Every schema row with its write time, tombstones included. */
  private cells: SchemaCells;
  /** The rows the current keyspaces show: what the next local DDL is compared with. */
  private visible: Map<string, string>;
  /** The last save started: the next one waits for it. */
  private saving: Promise<void> = Promise.resolve();

  constructor(private readonly options: SchemaOptions) {
    assert((options.disk === undefined) === (options.path === undefined), 'Schema needs both disk and path, or neither');
    for (const keyspace of builtInKeyspaces()) this.keyspaces.set(keyspace.name, keyspace);
    this.visible = rowsOfDocument(this.document());
    this.cells = cellsOfDocument(this.document(), 0);
  }

  /** Reads the schema file (a fresh schema when there is none). A corrupt file is a CorruptionError naming it. */
  // eslint-disable-next-line no-restricted-syntax -- called by node/node.ts, which another change is rewriting; convert it there
  static async load(disk: Disk, path: string, random: Random, options: Pick<SchemaOptions, 'dataCenters' | 'nowMicros'> = {}): Promise<Schema> {
    const schema = new Schema({ random, disk, path, ...options });
    if (await disk.exists(path)) {
      const content = decodeSchemaFile(path, await disk.readFile(path));
      if (content.format === SCHEMA_ROWS_FORMAT) {
        schema.adoptCells(importCells((content as { cells: unknown }).cells, path));
      } else {
        // Upgraded in place: the document becomes rows written when it last changed, so a
        // peer's later change still wins and an older one does not.
        const legacy = `${directoryOf(path)}/${LEGACY_CHANGED_FILE}`;
        const changedMs = (await disk.exists(legacy)) ? Number((await disk.readFile(legacy)).toString('utf8')) || 0 : 0;
        schema.adoptCells(cellsOfDocument(content as ReturnType<typeof toDocument>, changedMs * 1000));
      }
    }
    return schema;
  }

  /**
   * Writes the schema durably: a temporary file, synced, renamed over the old one, directory
   * synced. Saves run one at a time (a DDL statement here and a merge of a peer's rows may
   * both save at once; they share the temporary file); each writes the rows as they are then.
   */
  save(): Promise<void> {
    const run = this.saving.catch(() => undefined).then(() => this.writeFile());
    this.saving = run;
    return run;
  }

  private async writeFile(): Promise<void> {
    const { disk, path } = this.options;
    assert(disk !== undefined && path !== undefined, 'Schema.save without a disk');
    const directory = directoryOf(path);
    const temporary = `${path}.tmp`;
    if (await disk.exists(temporary)) await disk.remove(temporary);
    const file = await disk.openAppend(temporary);
    try {
      await file.append(encodeSchemaFile({ format: SCHEMA_ROWS_FORMAT, cells: exportCells(this.cells) }));
      await file.sync();
    } finally {
      await file.close();
    }
    await disk.rename(temporary, path);
    await disk.syncDirectory(directory);
  }

  onChange(listener: SchemaListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A UUID derived from the canonical text of every non-virtual keyspace: equal schemas, equal versions. */
  schemaVersion(): string {
    this.version ??= documentVersion(this.document());
    return this.version;
  }

  /** Canonical JSON of the non-virtual keyspaces (what the version hashes). */
  exportJson(): string {
    return JSON.stringify(this.document());
  }

  /** Every schema row with its write time, tombstones included (what peers exchange), as JSON-ready triples. */
  exportRows(): Array<[string, number, string | null]> {
    return exportCells(this.cells);
  }

  /**
   * Merges a peer's rows (exportRows) into ours, cell by cell, notifies listeners of each
   * visible difference and returns them. `source` names the sender in errors; malformed rows
   * are a CorruptionError and change nothing.
   */
  mergeRows(rows: unknown, source: string): SchemaChange[] {
    return this.mergeCellsIn(importCells(rows, source));
  }

  /** Merges a whole document of the first format (from a peer not yet upgraded), as rows written at `changedMs`. */
  mergeDocument(document: ReturnType<typeof toDocument>, changedMs: number): SchemaChange[] {
    return this.mergeCellsIn(cellsOfDocument(document, changedMs * 1000));
  }

  private mergeCellsIn(incoming: SchemaCells): SchemaChange[] {
    const cells = new Map(this.cells);
    if (!mergeCells(cells, incoming)) return [];
    const before = [...this.keyspaces.values()].filter((keyspace) => !keyspace.virtual);
    const document = documentOfCells(cells);
    const after = fromDocument(document);
    const changes = schemaChanges(before, after);
    this.cells = cells;
    for (const keyspace of before) this.keyspaces.delete(keyspace.name);
    for (const keyspace of after) this.keyspaces.set(keyspace.name, keyspace);
    this.visible = rowsOfDocument(document);
    this.version = null;
    for (const change of changes) this.notify(change);
    return changes;
  }

  private adoptCells(cells: SchemaCells): void {
    this.cells = cells;
    const document = documentOfCells(cells);
    for (const keyspace of [...this.keyspaces.values()]) if (!keyspace.virtual) this.keyspaces.delete(keyspace.name);
    for (const keyspace of fromDocument(document)) this.keyspaces.set(keyspace.name, keyspace);
    this.visible = rowsOfDocument(document);
    this.version = null;
  }

  /** A write time later than every row already held: a DDL statement run here follows what this node has seen. */
  private nextTimestamp(): number {
    const next = latestTimestamp(this.cells) + 1;
    const now = this.options.nowMicros?.();
    return now === undefined ? next : Math.max(Math.floor(now), next);
  }

  private document(): ReturnType<typeof toDocument> {
    return toDocument([...this.keyspaces.values()].filter((keyspace) => !keyspace.virtual));
  }

  // ---- lookups ----

  /** Every keyspace, sorted by name. */
  allKeyspaces(): KeyspaceMetadata[] {
    return [...this.keyspaces.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  findKeyspace(name: string): KeyspaceMetadata | undefined {
    return this.keyspaces.get(name);
  }

  getKeyspace(name: string): KeyspaceMetadata {
    const keyspace = this.keyspaces.get(name);
    if (keyspace === undefined) throw invalidRequest(`Keyspace '${name}' does not exist`);
    return keyspace;
  }

  findTable(keyspace: string, name: string): TableMetadata | undefined {
    return this.keyspaces.get(keyspace)?.tables.get(name);
  }

  getTable(keyspace: string, name: string): TableMetadata {
    const table = this.getKeyspace(keyspace).tables.get(name);
    if (table === undefined) throw invalidRequest(`unconfigured table ${name}`);
    return table;
  }

  /**
   * Every read and write looks its table up by id: the last answer per id is remembered and
   * checked against the current keyspace (changes replace table objects, so a stale one fails
   * the check) instead of scanning every table of every keyspace.
   */
  findTableById(id: string): TableMetadata | undefined {
    const remembered = this.tablesById.get(id);
    if (remembered !== undefined && this.keyspaces.get(remembered.keyspace)?.tables.get(remembered.name) === remembered) return remembered;
    for (const keyspace of this.keyspaces.values()) {
      for (const table of keyspace.tables.values()) {
        if (table.id !== id) continue;
        if (this.tablesById.size >= tablesByIdMax) this.tablesById.clear();
        this.tablesById.set(id, table);
        return table;
      }
    }
    this.tablesById.delete(id);
    return undefined;
  }

  findType(keyspace: string, name: string): UserTypeMetadata | undefined {
    return this.keyspaces.get(keyspace)?.types.get(name);
  }

  // ---- keyspaces ----

  createKeyspace(name: string, replication: Readonly<Record<string, string>>, { durableWrites, ifNotExists = false }: { durableWrites: boolean; ifNotExists?: boolean }): SchemaChange | null {
    checkSchemaName('Keyspace', name);
    if (this.keyspaces.has(name) || isSystemKeyspace(name)) {
      if (ifNotExists) return null;
      throw alreadyExists(name, '');
    }
    const parsed = parseReplication(replication, this.replicationContext(name));
    this.keyspaces.set(name, { name, replication: parsed, durableWrites, tables: new Map(), types: new Map(), virtual: false });
    return this.changed({ change: 'CREATED', target: 'KEYSPACE', keyspace: name });
  }

  alterKeyspace(name: string, change: { replication?: Readonly<Record<string, string>>; durableWrites?: boolean }, options: { ifExists?: boolean } = {}): SchemaChange | null {
    const keyspace = this.keyspaces.get(name);
    if (keyspace === undefined) {
      if (options.ifExists === true) return null;
      throw invalidRequest(`Keyspace '${name}' doesn't exist`);
    }
    if (isSystemKeyspace(name) && !REPLICATED_SYSTEM_KEYSPACES.has(name)) throw notModifiable(name);
    const replication = change.replication === undefined ? keyspace.replication : parseReplication(change.replication, this.replicationContext(name));
    this.keyspaces.set(name, { ...keyspace, replication, durableWrites: change.durableWrites ?? keyspace.durableWrites });
    return this.changed({ change: 'UPDATED', target: 'KEYSPACE', keyspace: name });
  }

  dropKeyspace(name: string, options: { ifExists?: boolean } = {}): SchemaChange | null {
    if (isSystemKeyspace(name)) throw notModifiable(name);
    if (!this.keyspaces.has(name)) {
      if (options.ifExists === true) return null;
      throw invalidRequest(`Keyspace '${name}' doesn't exist`);
    }
    this.keyspaces.delete(name);
    return this.changed({ change: 'DROPPED', target: 'KEYSPACE', keyspace: name });
  }

  // ---- tables ----

  createTable(input: CreateTableInput & { options?: OptionInput }, options: { ifNotExists?: boolean } = {}): SchemaChange | null {
    const keyspace = this.userKeyspace(input.keyspace);
    checkSchemaName('Table', input.name);
    if (keyspace.tables.has(input.name)) {
      if (options.ifNotExists === true) return null;
      throw alreadyExists(input.keyspace, input.name);
    }
    for (const column of input.columns) this.checkUserTypes(keyspace, column.type);
    const tableOptions = applyTableOptions(defaultTableOptions(), input.options ?? {}, { allowId: true });
    const id = this.tableId(input.options?.[ID_OPTION]);
    const table = buildTable(input, { id, options: tableOptions, virtual: false });
    this.putTable(keyspace, table);
    return this.changed({ change: 'CREATED', target: 'TABLE', keyspace: input.keyspace, name: input.name });
  }

  alterTable(keyspaceName: string, name: string, { change }: { change: AlterTableChange }): SchemaChange {
    const keyspace = this.userKeyspace(keyspaceName);
    const table = keyspace.tables.get(name);
    if (table === undefined) throw invalidRequest(`Table '${keyspaceName}.${name}' doesn't exist`);
    checkAlterWithViews(keyspace, table, change);
    if (change.kind === 'addColumns') for (const column of change.columns) this.checkUserTypes(keyspace, column.type);
    if (change.kind === 'dropColumns') for (const column of change.columns) checkNoDependentIndexes(table, column, { verb: 'drop' });
    if (change.kind === 'renameColumns') for (const { from } of change.renames) checkNoDependentIndexes(table, from, { verb: 'rename' });
    if (change.kind === 'renameColumns' && viewsOf(keyspace, table.id).length > 0) {
      throw invalidRequest(`Cannot rename column ${change.renames[0]?.from ?? ''} on base table ${table.name} with materialized views`);
    }
    const altered = alterTableMetadata(table, change);
    this.putTable(keyspace, altered);
    if (change.kind === 'addColumns') {
      for (const view of viewsWithAddedColumns(this.keyspaces.get(keyspaceName)!, altered)) this.putTable(this.keyspaces.get(keyspaceName)!, view);
    }
    return this.changed({ change: 'UPDATED', target: 'TABLE', keyspace: keyspaceName, name });
  }

  dropTable(keyspaceName: string, name: string, options: { ifExists?: boolean } = {}): SchemaChange | null {
    const keyspace = this.keyspaces.get(keyspaceName);
    if (keyspace !== undefined && isSystemKeyspace(keyspaceName)) throw notModifiable(keyspaceName);
    if (keyspace === undefined || !keyspace.tables.has(name)) {
      if (options.ifExists === true) return null;
      if (keyspace === undefined) throw invalidRequest(`Keyspace '${keyspaceName}' doesn't exist`);
      throw invalidRequest(`Table '${keyspaceName}.${name}' doesn't exist`);
    }
    checkNoDependentViews(keyspace, keyspace.tables.get(name)!);
    const tables = new Map(keyspace.tables);
    tables.delete(name);
    this.keyspaces.set(keyspaceName, { ...keyspace, tables });
    return this.changed({ change: 'DROPPED', target: 'TABLE', keyspace: keyspaceName, name });
  }

  // ---- materialized views (views.ts) ----

  /** CREATE MATERIALIZED VIEW once validated (analyze-view.ts): the view is a table marked with its base. */
  createView(input: CreateViewInput & { options?: OptionInput }, options: { ifNotExists?: boolean } = {}): SchemaChange | null {
    const keyspace = this.userKeyspace(input.keyspace);
    checkSchemaName('Table', input.name);
    if (keyspace.tables.has(input.name)) {
      if (options.ifNotExists === true) return null;
      throw alreadyExists(input.keyspace, input.name);
    }
    const base = keyspace.tables.get(input.baseTable);
    if (base === undefined || base.view !== undefined) throw invalidRequest(`Base table '${input.baseTable}' doesn't exist`);
    const view = buildView(base, input, { id: this.tableId(undefined), options: applyTableOptions(defaultTableOptions(), input.options ?? {}, { allowId: false }) });
    this.putTable(keyspace, view);
    return this.changed({ change: 'CREATED', target: 'TABLE', keyspace: input.keyspace, name: input.name });
  }

  dropView(keyspaceName: string, name: string, { ifExists = false }: { ifExists?: boolean } = {}): SchemaChange | null {
    const keyspace = this.keyspaces.get(keyspaceName);
    const view = keyspace?.tables.get(name);
    if (keyspace === undefined || view?.view === undefined) {
      if (ifExists) return null;
      throw invalidRequest(`Materialized view '${keyspaceName}.${name}' doesn't exist`);
    }
    const tables = new Map(keyspace.tables);
    tables.delete(name);
    this.keyspaces.set(keyspaceName, { ...keyspace, tables });
    return this.changed({ change: 'DROPPED', target: 'TABLE', keyspace: keyspaceName, name });
  }

  alterView(keyspaceName: string, name: string, { options }: { options: OptionInput }): SchemaChange {
    const keyspace = this.userKeyspace(keyspaceName);
    const view = keyspace.tables.get(name);
    if (view?.view === undefined) throw invalidRequest(`Materialized view '${keyspaceName}.${name}' doesn't exist`);
    const tableOptions = applyTableOptions(view.options, options, { allowId: false });
    if (tableOptions.defaultTimeToLive > 0) {
      throw invalidRequest('Cannot set or alter default_time_to_live for a materialized view. Data in a materialized view always expire at the same time than the corresponding data in the parent table.');
    }
    this.putTable(keyspace, { ...view, options: tableOptions });
    return this.changed({ change: 'UPDATED', target: 'TABLE', keyspace: keyspaceName, name });
  }

  // ---- secondary indexes ----

  createIndex(keyspaceName: string, tableName: string, { input, ifNotExists = false }: { input: CreateIndexInput; ifNotExists?: boolean }): SchemaChange | null {
    const keyspace = this.keyspaces.get(keyspaceName);
    if (keyspace === undefined) throw invalidRequest(`Keyspace '${keyspaceName}' doesn't exist`);
    const table = keyspace.tables.get(tableName);
    if (table === undefined) throw invalidRequest(`Table '${tableName}' doesn't exist`);
    if (isSystemKeyspace(keyspaceName)) throw notModifiable(keyspaceName);
    if (table.view !== undefined) throw invalidRequest('Secondary indexes are not supported on materialized views');
    const indexed = addIndex(keyspace, table, { input, ifNotExists });
    if (indexed === null) return null;
    this.putTable(keyspace, indexed);
    return this.changed({ change: 'UPDATED', target: 'TABLE', keyspace: keyspaceName, name: tableName });
  }

  dropIndex(keyspaceName: string, name: string, { ifExists = false }: { ifExists?: boolean } = {}): SchemaChange | null {
    const keyspace = this.keyspaces.get(keyspaceName);
    const table = keyspace === undefined ? undefined : findIndexedTable(keyspace, name);
    if (keyspace === undefined || table === undefined) {
      if (ifExists) return null;
      throw invalidRequest(`Index '${keyspaceName}.${name}' doesn't exist'`);
    }
    this.putTable(keyspace, withoutIndex(table, name));
    return this.changed({ change: 'UPDATED', target: 'TABLE', keyspace: keyspaceName, name: table.name });
  }

  /** The table that holds the index of that name in the keyspace. */
  findIndexedTable(keyspaceName: string, name: string): TableMetadata | undefined {
    const keyspace = this.keyspaces.get(keyspaceName);
    return keyspace === undefined ? undefined : findIndexedTable(keyspace, name);
  }

  // ---- user types ----

  createType(keyspaceName: string, name: string, { fields, ifNotExists = false }: { fields: ReadonlyArray<{ name: string; type: DataType }>; ifNotExists?: boolean }): SchemaChange | null {
    const keyspace = this.userKeyspace(keyspaceName);
    checkSchemaName('Type', name);
    if (keyspace.types.has(name)) {
      if (ifNotExists) return null;
      throw alreadyExists(keyspaceName, name);
    }
    const seen = new Set<string>();
    for (const field of fields) {
      checkColumnName(field.name);
      if (seen.has(field.name)) throw invalidRequest(`Duplicate field name '${field.name}' in type '${name}'`);
      seen.add(field.name);
      this.checkUserTypes(keyspace, field.type);
      if (field.type.kind === 'udt' && !field.type.frozen) throw invalidRequest('A user type cannot contain non-frozen UDTs');
    }
    const types = new Map(keyspace.types);
    types.set(name, { keyspace: keyspaceName, name, fields: fields.map((field) => ({ ...field })) });
    this.keyspaces.set(keyspaceName, { ...keyspace, types });
    return this.changed({ change: 'CREATED', target: 'TYPE', keyspace: keyspaceName, name });
  }

  alterType(keyspaceName: string, name: string, { change }: { change: AlterTypeChange }): SchemaChange {
    const keyspace = this.userKeyspace(keyspaceName);
    const type = keyspace.types.get(name);
    if (type === undefined) throw invalidRequest(`Type '${keyspaceName}.${name}' doesn't exist`);
    if (change.kind === 'addField') {
      checkColumnName(change.field);
      this.checkUserTypes(keyspace, change.type);
      if (referencesUserType(change.type, keyspaceName, { name })) throw invalidRequest(`Cannot add a field of type ${name} to type ${name} itself`);
    }
    this.keyspaces.set(keyspaceName, propagateUserType(keyspace, alterUserType(type, change)));
    return this.changed({ change: 'UPDATED', target: 'TYPE', keyspace: keyspaceName, name });
  }

  dropType(keyspaceName: string, name: string, options: { ifExists?: boolean } = {}): SchemaChange | null {
    const keyspace = this.keyspaces.get(keyspaceName);
    if (keyspace === undefined || !keyspace.types.has(name)) {
      if (options.ifExists === true) return null;
      throw invalidRequest(`Type '${keyspaceName}.${name}' doesn't exist`);
    }
    for (const other of keyspace.types.values()) {
      if (other.name !== name && other.fields.some((field) => referencesUserType(field.type, keyspaceName, { name }))) {
        throw invalidRequest(`Cannot drop user type ${keyspaceName}.${name} as it is still used by user type ${other.name}`);
      }
    }
    for (const table of keyspace.tables.values()) {
      if ([...table.columns.values()].some((column) => referencesUserType(column.type, keyspaceName, { name }))) {
        throw invalidRequest(`Cannot drop user type ${keyspaceName}.${name} as it is still used by table ${keyspaceName}.${table.name}`);
      }
    }
    for (const fn of [...(keyspace.functions?.values() ?? []), ...(keyspace.aggregates?.values() ?? [])]) {
      const signature = 'stateType' in fn ? [...fn.argumentTypes, fn.stateType, fn.returnType] : [...fn.argumentTypes, fn.returnType];
      if (signature.some((type) => referencesUserType(type, keyspaceName, { name }))) {
        throw invalidRequest(`Cannot drop user type ${keyspaceName}.${name} as it is still used by ${'stateType' in fn ? 'aggregate' : 'function'} ${keyspaceName}.${fn.name}`);
      }
    }
    const types = new Map(keyspace.types);
    types.delete(name);
    this.keyspaces.set(keyspaceName, { ...keyspace, types });
    return this.changed({ change: 'DROPPED', target: 'TYPE', keyspace: keyspaceName, name });
  }

  // ---- user-defined functions and aggregates (schema-functions.ts) ----

  /**
   * Applies a function or aggregate change to a user keyspace: `apply` gets the keyspace and
   * returns the new one with the change to emit (null: IF [NOT] EXISTS made it a no-op).
   */
  changeFunctions(keyspaceName: string, apply: (keyspace: KeyspaceMetadata) => FunctionChange): SchemaChange | null {
    const keyspace = this.userKeyspace(keyspaceName);
    const result = apply(keyspace);
    if (result.change === null) return null;
    this.keyspaces.set(keyspaceName, result.keyspace);
    return this.changed(result.change);
  }

  // ---- helpers ----

  private replicationContext(keyspace: string): { keyspace: string; dataCenters?: readonly string[] } {
    const dataCenters = this.options.dataCenters?.();
    return dataCenters === undefined ? { keyspace } : { keyspace, dataCenters };
  }

  /** A keyspace DDL may change tables and types in: it exists and is not a system keyspace. */
  private userKeyspace(name: string): KeyspaceMetadata {
    const keyspace = this.keyspaces.get(name);
    if (keyspace === undefined) throw invalidRequest(`Keyspace '${name}' doesn't exist`);
    if (isSystemKeyspace(name)) throw notModifiable(name);
    return keyspace;
  }

  private checkUserTypes(keyspace: KeyspaceMetadata, type: DataType): void {
    switch (type.kind) {
      case 'native': case 'custom': return;
      case 'list': case 'set': this.checkUserTypes(keyspace, type.element); return;
      case 'map': this.checkUserTypes(keyspace, type.key); this.checkUserTypes(keyspace, type.value); return;
      case 'tuple': for (const element of type.elements) this.checkUserTypes(keyspace, element); return;
      case 'udt':
        if (type.keyspace !== keyspace.name) {
          throw invalidRequest(`Statement on keyspace ${keyspace.name} cannot refer to a user type in keyspace ${type.keyspace}; user types can only be used in the keyspace they are defined in`);
        }
        if (!keyspace.types.has(type.name)) throw invalidRequest(`Unknown type ${type.keyspace}.${type.name}`);
    }
  }

  private tableId(given: unknown): string {
    if (given !== undefined) {
      if (typeof given !== 'string' || !UUID_PATTERN.test(given.toLowerCase())) throw invalidRequest(`Invalid table id ${String(given)}`);
      const id = given.toLowerCase();
      if (this.findTableById(id) !== undefined) throw invalidRequest(`Table id ${id} is already used by another table`);
      return id;
    }
    const bytes = this.options.random.bytes(16);
    bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
    bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
    return formatUuid(bytes);
  }

  private putTable(keyspace: KeyspaceMetadata, table: TableMetadata): void {
    const tables = new Map(keyspace.tables);
    tables.set(table.name, table);
    this.keyspaces.set(keyspace.name, { ...keyspace, tables });
  }

  /** A local DDL statement changed the keyspaces: its rows are written, then listeners hear of it. */
  private changed(change: SchemaChange): SchemaChange {
    const after = rowsOfDocument(this.document());
    recordChange(this.cells, { before: this.visible, after, ts: this.nextTimestamp() });
    this.visible = after;
    return this.notify(change);
  }

  private notify(change: SchemaChange): SchemaChange {
    this.version = null;
    for (const listener of [...this.listeners]) listener(change);
    return change;
  }
}

function directoryOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash);
}

function notModifiable(keyspace: string): Error {
  return invalidRequest(`${keyspace} keyspace is not user-modifiable`);
}
