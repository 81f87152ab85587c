// Keyword tables. CQL has many keywords, but only the reserved ones below can never be used
// as an unquoted name: every other keyword (key, type, user, ttl, count, text, ...) is also a
// valid identifier, as in Cassandra's Parser.g (unreserved_keyword). Type names are their own
// table because, in a type position, they name a native type rather than a user type.

import type { NativeTypeName } from '../protocol/data-type.js';

/** Keywords that are never identifiers (Cassandra's reserved keywords). */
export const reservedKeywords: ReadonlySet<string> = new Set([
  'add', 'allow', 'alter', 'and', 'apply', 'asc', 'authorize', 'batch', 'begin', 'by',
  'columnfamily', 'create', 'delete', 'desc', 'describe', 'drop', 'entries', 'execute', 'from',
  'full', 'grant', 'if', 'in', 'index', 'infinity', 'insert', 'into', 'is', 'keyspace', 'limit',
  'materialized', 'modify', 'nan', 'norecursive', 'not', 'null', 'of', 'on', 'or', 'order',
  'primary', 'rename', 'revoke', 'schema', 'select', 'set', 'table', 'to', 'token', 'truncate',
  'unlogged', 'update', 'use', 'using', 'view', 'where', 'with',
]);

/**
 * Unreserved keywords that Cassandra still refuses as a user type name (non_type_ident
 * accepts only basic unreserved keywords and KEY).
 */
export const nonTypeKeywords: ReadonlySet<string> = new Set([
  'ttl', 'count', 'writetime', 'maxwritetime', 'cast', 'json', 'distinct',
]);

/** Names Cassandra reserves for future types and refuses for user types. */
export const reservedTypeNames: ReadonlySet<string> = new Set([
  'byte', 'complex', 'enum', 'date', 'interval', 'macaddr', 'bitstring',
]);

/** Native type names as written in CQL, each to its NativeTypeName. */
export const nativeTypeNames: ReadonlyMap<string, NativeTypeName> = new Map<string, NativeTypeName>([
  ['ascii', 'ascii'], ['bigint', 'bigint'], ['blob', 'blob'], ['boolean', 'boolean'],
  ['counter', 'counter'], ['date', 'date'], ['decimal', 'decimal'], ['double', 'double'],
  ['duration', 'duration'], ['float', 'float'], ['inet', 'inet'], ['int', 'int'],
  ['smallint', 'smallint'], ['text', 'text'], ['time', 'time'], ['timestamp', 'timestamp'],
  ['timeuuid', 'timeuuid'], ['tinyint', 'tinyint'], ['uuid', 'uuid'], ['varchar', 'varchar'],
  ['varint', 'varint'],
]);
