// The schema as a JSON document: what Schema persists, what schemaVersion hashes, and what
// nodes can exchange. Canonical: keyspaces, tables and types sorted by name, so equal schemas
// serialize to equal text on every node.

import { createHash } from 'node:crypto';
import { CorruptionError } from '../common/errors.js';
import type { DataType } from '../protocol/data-type.js';
import { parseIndexTarget } from './indexes.js';
import type {
  ColumnMetadata, IndexMetadata, KeyspaceMetadata, ReplicationOptions, TableMetadata, TableOptions, UserAggregateMetadata, UserFunctionMetadata, UserTypeMetadata, ViewMetadata,
} from './metadata.js';
import { withColumns } from './table-builder.js';

export const SCHEMA_DOCUMENT_FORMAT = 1;

interface TableDocument {
  name: string;
  id: string;
  partitionKey: ColumnMetadata[];
  clustering: ColumnMetadata[];
  regular: ColumnMetadata[];
  options: Omit<TableOptions, 'extensions'> & { extensions: Record<string, string> };
  droppedColumns: Array<[string, { type: DataType; droppedAtMicros: number }]>;
  /** Secondary indexes, sorted by name; absent when there are none (so older documents hash the same). */
  indexes?: Array<{ name: string; kind: IndexMetadata['kind']; options: Record<string, string> }>;
  /** Present on materialized views only (so older documents hash the same). */
  view?: ViewMetadata;
}

interface KeyspaceDocument {
  name: string;
  replication: ReplicationOptions;
  durableWrites: boolean;
  types: Array<{ name: string; fields: Array<{ name: string; type: DataType }> }>;
  tables: TableDocument[];
  /** User functions and aggregates, sorted by signature; absent when there are none (older documents have neither). */
  functions?: Array<Omit<UserFunctionMetadata, 'keyspace'> & { signature: string }>;
  aggregates?: Array<Omit<UserAggregateMetadata, 'keyspace'> & { signature: string }>;
}

export interface SchemaDocument {
  format: number;
  keyspaces: KeyspaceDocument[];
}

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function tableDocument(table: TableMetadata): TableDocument {
  const extensions = Object.fromEntries(Object.entries(table.options.extensions).sort().map(([k, v]) => [k, v.toString('hex')]));
  return {
    name: table.name, id: table.id, partitionKey: table.partitionKey, clustering: table.clustering, regular: table.regular,
    options: { ...table.options, extensions },
    droppedColumns: [...table.droppedColumns.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ...(table.indexes === undefined || table.indexes.size === 0 ? {} : {
      indexes: [...table.indexes.values()].map((index) => ({ name: index.name, kind: index.kind, options: sortedRecord({ ...index.options }) })).sort(byName),
    }),
    ...(table.view === undefined ? {} : { view: { ...table.view } }),
  };
}

/** The canonical document of the given (non-virtual) keyspaces. */
export function toDocument(keyspaces: Iterable<KeyspaceMetadata>): SchemaDocument {
  const documents: KeyspaceDocument[] = [];
  for (const keyspace of keyspaces) {
    documents.push({
      name: keyspace.name, replication: sortedRecord(keyspace.replication), durableWrites: keyspace.durableWrites,
      types: [...keyspace.types.values()].map((type) => ({ name: type.name, fields: type.fields })).sort(byName),
      tables: [...keyspace.tables.values()].map(tableDocument).sort(byName),
      ...signed('functions', keyspace.functions),
      ...signed('aggregates', keyspace.aggregates),
    });
  }
  return { format: SCHEMA_DOCUMENT_FORMAT, keyspaces: documents.sort(byName) };
}

/** Functions or aggregates by signature without their keyspace, sorted; nothing when there are none. */
function signed<K extends 'functions' | 'aggregates', T extends { keyspace: string }>(key: K, items: ReadonlyMap<string, T> | undefined): Partial<Record<K, Array<Omit<T, 'keyspace'> & { signature: string }>>> {
  if (items === undefined || items.size === 0) return {};
  const list = [...items].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([signature, { keyspace: _keyspace, ...rest }]) => ({ signature, ...rest }));
  return { [key]: list } as Partial<Record<K, Array<Omit<T, 'keyspace'> & { signature: string }>>>;
}

function unsigned<T>(keyspace: string, items: ReadonlyArray<{ signature: string } & Omit<T, 'keyspace'>> | undefined): Map<string, T> | undefined {
  if (items === undefined || items.length === 0) return undefined;
  return new Map(items.map(({ signature, ...rest }) => [signature, { keyspace, ...rest } as T]));
}

function sortedRecord<T extends Record<string, string>>(record: T): T {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

export function fromDocument(document: SchemaDocument): KeyspaceMetadata[] {
  return document.keyspaces.map((keyspace) => {
    const types = new Map<string, UserTypeMetadata>(keyspace.types.map((type) => [type.name, { keyspace: keyspace.name, ...type }]));
    const tables = new Map<string, TableMetadata>(keyspace.tables.map((table) => {
      const options: TableOptions = {
        ...table.options,
        extensions: Object.fromEntries(Object.entries(table.options.extensions).map(([k, v]) => [k, Buffer.from(v, 'hex')])),
      };
      const base: TableMetadata = {
        keyspace: keyspace.name, name: table.name, id: table.id, partitionKey: [], clustering: [], regular: [], columns: new Map(),
        options, droppedColumns: new Map(table.droppedColumns), virtual: false,
        ...(table.indexes === undefined || table.indexes.length === 0 ? {} : {
          indexes: new Map(table.indexes.map((index) => [index.name, { ...index, ...parseIndexTarget(index.options['target'] ?? '') }])),
        }),
        ...(table.view === undefined ? {} : { view: { ...table.view } }),
      };
      return [table.name, withColumns(base, table.partitionKey, { clustering: table.clustering, regular: table.regular })];
    }));
    const functions = unsigned<UserFunctionMetadata>(keyspace.name, keyspace.functions);
    const aggregates = unsigned<UserAggregateMetadata>(keyspace.name, keyspace.aggregates);
    return {
      name: keyspace.name, replication: keyspace.replication, durableWrites: keyspace.durableWrites, tables, types,
      ...(functions === undefined ? {} : { functions }), ...(aggregates === undefined ? {} : { aggregates }), virtual: false,
    };
  });
}

/** The schema version: an MD5 of the canonical text, formatted as a name-based (version 3) UUID. */
export function documentVersion(document: SchemaDocument): string {
  const digest = createHash('md5').update(JSON.stringify(document)).digest();
  digest[6] = ((digest[6] as number) & 0x0f) | 0x30;
  digest[8] = ((digest[8] as number) & 0x3f) | 0x80;
  return formatUuid(digest);
}

export function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The file's text: the document plus a checksum, so a torn or edited file is detected. */
export function encodeSchemaFile(content: object): Buffer {
  const body = JSON.stringify(content);
  const checksum = createHash('sha256').update(body).digest('hex');
  return Buffer.from(`{"checksum":"${checksum}","schema":${body}}\n`, 'utf8');
}

/** The checked content of a schema file: a document of the first format, or rows (format 2) for the caller to check. */
export function decodeSchemaFile(path: string, bytes: Buffer): SchemaDocument | { format: 2; cells: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new CorruptionError(path, 0, `schema file is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new CorruptionError(path, 0, 'schema file is not a JSON object');
  const { checksum, schema } = parsed as { checksum?: unknown; schema?: unknown };
  if (typeof checksum !== 'string' || typeof schema !== 'object' || schema === null) throw new CorruptionError(path, 0, 'schema file lacks checksum or schema');
  const actual = createHash('sha256').update(JSON.stringify(schema)).digest('hex');
  if (actual !== checksum) throw new CorruptionError(path, 0, 'schema file checksum mismatch');
  if ((schema as { format?: unknown }).format === 2) return { format: 2, cells: (schema as { cells?: unknown }).cells };
  return checkDocument(path, schema);
}

export function checkDocument(source: string, value: object): SchemaDocument {
  const document = value as SchemaDocument;
  if (document.format !== SCHEMA_DOCUMENT_FORMAT || !Array.isArray(document.keyspaces)) {
    throw new CorruptionError(source, 0, `unsupported schema document format ${String(document.format)}`);
  }
  for (const keyspace of document.keyspaces) {
    if (typeof keyspace?.name !== 'string' || !Array.isArray(keyspace.tables) || !Array.isArray(keyspace.types)
      || (keyspace.functions !== undefined && !Array.isArray(keyspace.functions)) || (keyspace.aggregates !== undefined && !Array.isArray(keyspace.aggregates))) {
      throw new CorruptionError(source, 0, 'malformed keyspace entry');
    }
  }
  return document;
}

/** Parses a document exported by a peer (Schema.exportJson). */
export function parseSchemaDocument(json: string, source: string): SchemaDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new CorruptionError(source, 0, `schema document is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new CorruptionError(source, 0, 'schema document is not a JSON object');
  return checkDocument(source, parsed);
}
