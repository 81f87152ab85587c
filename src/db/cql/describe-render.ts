// The CQL text DESCRIBE prints for each schema element, in Cassandra 4.0's exact format
// (its CqlBuilder output: four-space indents, options in alphabetical order, maps with sorted
// keys, Java's rendering of doubles), so that the output replays to the same schema.

import type { DataType } from '../protocol/data-type.js';
import type {
  ColumnMetadata, KeyspaceMetadata, TableMetadata, TableOptions, UserAggregateMetadata, UserFunctionMetadata, UserTypeMetadata,
} from '../schema/metadata.js';
import { argumentTypeText } from '../schema/schema-functions.js';
import { reservedKeywords } from './keywords.js';

const INDENT = '    ';
const LOCATOR_PACKAGE = 'org.apache.cassandra.locator.';
/** Keyspaces whose tables exist only in memory: printed as comments (they cannot be recreated with CQL). */
const VIRTUAL_KEYSPACES: ReadonlySet<string> = new Set(['system_virtual_schema', 'system_views']);

export function isVirtualKeyspace(name: string): boolean {
  return VIRTUAL_KEYSPACES.has(name);
}

/** Cassandra's ColumnIdentifier.maybeQuote: double quotes unless a lower-case identifier that is no reserved keyword. */
export function maybeQuote(name: string): string {
  if (/^[a-z][a-z0-9_]*$/.test(name) && !reservedKeywords.has(name)) return name;
  return `"${name.replaceAll('"', '""')}"`;
}

export function singleQuoted(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Java's Double.toString: '1.0', '0.01', '1.0E-4', '1.0E7'. */
export function javaDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  const magnitude = Math.abs(value);
  if (magnitude === 0 || (magnitude >= 1e-3 && magnitude < 1e7)) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa = '', exponent = ''] = value.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

/** A CQL type as DESCRIBE prints it: user types by their (quoted) name, nested types frozen. */
export function cqlType(type: DataType): string {
  const frozen = (isFrozen: boolean, text: string) => (isFrozen ? `frozen<${text}>` : text);
  switch (type.kind) {
    case 'native': return type.name === 'varchar' ? 'text' : type.name;
    case 'custom': return singleQuoted(type.className);
    case 'list': return frozen(type.frozen, `list<${cqlType(type.element)}>`);
    case 'set': return frozen(type.frozen, `set<${cqlType(type.element)}>`);
    case 'map': return frozen(type.frozen, `map<${cqlType(type.key)}, ${cqlType(type.value)}>`);
    case 'tuple': return `frozen<tuple<${type.elements.map(cqlType).join(', ')}>>`;
    case 'udt': return frozen(type.frozen, maybeQuote(type.name));
  }
}

/** `{'a': 'x', 'b': 'y'}` with keys sorted (CqlBuilder.append(Map)). */
function cqlMap(map: Readonly<Record<string, string>>, { quoteValues }: { quoteValues: boolean }): string {
  const keys = Object.keys(map).sort(compareNames);
  const entries = keys.map((key) => `${singleQuoted(key)}: ${quoteValues ? singleQuoted(map[key] ?? '') : map[key] ?? ''}`);
  return `{${entries.join(', ')}}`;
}

/** Java's String order (UTF-16 code units), which Cassandra's name comparators use. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Column names as Cassandra orders regular columns: by their UTF-8 bytes. */
function compareColumnNames(a: ColumnMetadata, b: ColumnMetadata): number {
  return Buffer.compare(Buffer.from(a.name, 'utf8'), Buffer.from(b.name, 'utf8'));
}

export function qualifiedName(keyspace: string, name: string): string {
  return `${maybeQuote(keyspace)}.${maybeQuote(name)}`;
}

export function keyspaceCql(keyspace: KeyspaceMetadata): string {
  if (isVirtualKeyspace(keyspace.name)) {
    return `/*\nWarning: Keyspace ${maybeQuote(keyspace.name)} is a virtual keyspace and cannot be recreated with CQL.\n`
      + `Structure, for reference:\nVIRTUAL KEYSPACE ${maybeQuote(keyspace.name)};\n*/`;
  }
  const { class: className, ...options } = keyspace.replication;
  const shortClass = className.startsWith(LOCATOR_PACKAGE) && !className.slice(LOCATOR_PACKAGE.length).includes('.')
    ? className.slice(LOCATOR_PACKAGE.length) : className;
  const entries = Object.keys(options).sort(compareNames).map((key) => `, ${singleQuoted(key)}: ${singleQuoted(options[key] ?? '')}`);
  return `CREATE KEYSPACE ${maybeQuote(keyspace.name)} WITH replication = {'class': ${singleQuoted(shortClass)}${entries.join('')}}`
    + `  AND durable_writes = ${keyspace.durableWrites};`;
}

export function userTypeCql(type: UserTypeMetadata): string {
  const fields = type.fields.map((field) => `${INDENT}${maybeQuote(field.name)} ${cqlType(field.type)}`);
  return `CREATE TYPE ${qualifiedName(type.keyspace, type.name)} (\n${fields.join(',\n')}\n);`;
}

/** UDFunction.toCqlString: replayable, the body between $$ (quoted when it holds $$ itself). */
export function functionCql(fn: UserFunctionMetadata): string {
  const args = fn.argumentNames.map((name, i) => `${maybeQuote(name)} ${argumentTypeText(fn.argumentTypes[i]!)}`).join(', ');
  const body = fn.body.includes('$$') ? singleQuoted(fn.body) : `$$${fn.body}$$`;
  return `CREATE FUNCTION ${qualifiedName(fn.keyspace, fn.name)}(${args})\n${INDENT}${fn.calledOnNullInput ? 'CALLED' : 'RETURNS NULL'} ON NULL INPUT\n`
    + `${INDENT}RETURNS ${argumentTypeText(fn.returnType)}\n${INDENT}LANGUAGE ${fn.language}\n${INDENT}AS ${body};`;
}

/** UDAggregate.toCqlString. */
export function aggregateCql(aggregate: UserAggregateMetadata): string {
  const lines = [
    `CREATE AGGREGATE ${qualifiedName(aggregate.keyspace, aggregate.name)}(${aggregate.argumentTypes.map(argumentTypeText).join(', ')})`,
    `${INDENT}SFUNC ${maybeQuote(aggregate.stateFunction)}`,
    `${INDENT}STYPE ${argumentTypeText(aggregate.stateType)}`,
  ];
  if (aggregate.finalFunction !== null) lines.push(`${INDENT}FINALFUNC ${maybeQuote(aggregate.finalFunction)}`);
  if (aggregate.initialCondition !== null) lines.push(`${INDENT}INITCOND ${aggregate.initialCondition.text}`);
  return `${lines.join('\n')};`;
}

/** The table options after WITH, one per line, in Cassandra's (alphabetical) order. */
export function tableOptionLines(options: TableOptions): string[] {
  const extensions = Object.fromEntries(Object.entries(options.extensions).map(([key, value]) => [key, `0x${value.toString('hex')}`]));
  return [
    `additional_write_policy = ${singleQuoted(options.additionalWritePolicy)}`,
    `bloom_filter_fp_chance = ${javaDouble(options.bloomFilterFpChance)}`,
    `caching = ${cqlMap(options.caching, { quoteValues: true })}`,
    `cdc = ${options.cdc}`,
    `comment = ${singleQuoted(options.comment)}`,
    `compaction = ${cqlMap(options.compaction, { quoteValues: true })}`,
    `compression = ${cqlMap(options.compression, { quoteValues: true })}`,
    `crc_check_chance = ${javaDouble(options.crcCheckChance)}`,
    `default_time_to_live = ${options.defaultTimeToLive}`,
    `extensions = ${cqlMap(extensions, { quoteValues: false })}`,
    `gc_grace_seconds = ${options.gcGraceSeconds}`,
    `max_index_interval = ${options.maxIndexInterval}`,
    `memtable_flush_period_in_ms = ${options.memtableFlushPeriodInMs}`,
    `min_index_interval = ${options.minIndexInterval}`,
    `read_repair = ${singleQuoted(options.readRepair)}`,
    `speculative_retry = ${singleQuoted(options.speculativeRetry)}`,
  ];
}

function columnCql(column: { name: string; type: DataType; kind?: ColumnMetadata['kind'] }): string {
  return `${maybeQuote(column.name)} ${cqlType(column.type)}${column.kind === 'static' ? ' static' : ''}`;
}

/** Columns in Cassandra's create order: partition key, clustering, statics by name, regulars by name. */
function columnsInCreateOrder(table: TableMetadata): ColumnMetadata[] {
  const others = [...table.regular].sort(compareColumnNames);
  return [...table.partitionKey, ...table.clustering, ...others.filter((c) => c.kind === 'static'), ...others.filter((c) => c.kind !== 'static')];
}

function primaryKeyCql(table: TableMetadata): string {
  const partition = table.partitionKey.map((c) => maybeQuote(c.name));
  const head = partition.length > 1 ? `(${partition.join(', ')})` : partition[0] ?? '';
  const clustering = table.clustering.map((c) => `, ${maybeQuote(c.name)}`).join('');
  return `PRIMARY KEY (${head}${clustering})`;
}

/** Column definition lines of CREATE TABLE, with the commas Cassandra puts (none after a lone `PRIMARY KEY` column). */
function columnLines(table: TableMetadata, dropped: Array<{ name: string; type: DataType }>): string[] {
  const single = table.partitionKey.length === 1 && table.clustering.length === 0;
  const columns = columnsInCreateOrder(table).filter((c) => !dropped.some((d) => d.name === c.name));
  const lines = columns.map((column) => `${columnCql(column)}${single && column.kind === 'partition_key' ? ' PRIMARY KEY' : ''}`);
  lines.push(...dropped.map((column) => columnCql(column)));
  if (!single) lines.push(primaryKeyCql(table));
  return lines;
}

export interface TableCqlOptions {
  /** WITH INTERNALS: the table id, and dropped columns with the ALTER TABLE DROP that recorded them. */
  internals: boolean;
}

export function tableCql(table: TableMetadata, { internals }: TableCqlOptions): string {
  const virtual = isVirtualKeyspace(table.keyspace);
  const name = qualifiedName(table.keyspace, table.name);
  const dropped = internals && !virtual
    ? [...table.droppedColumns].sort(([a], [b]) => compareNames(a, b)).map(([column, info]) => ({ name: column, ...info }))
    : [];
  const options: string[] = [];
  if (internals && !virtual) options.push(`ID = ${table.id}`);
  if (table.clustering.length > 0) {
    options.push(`CLUSTERING ORDER BY (${table.clustering.map((c) => `${maybeQuote(c.name)} ${c.order === 'desc' ? 'DESC' : 'ASC'}`).join(', ')})`);
  }
  options.push(...(virtual ? [`comment = ${singleQuoted(table.options.comment)}`] : tableOptionLines(table.options)));
  const body = columnLines(table, dropped).map((line) => `${INDENT}${line}`).join(',\n');
  const create = `${virtual ? 'VIRTUAL' : 'CREATE'} TABLE ${name} (\n${body}\n) WITH ${options.join(`\n${INDENT}AND `)};`;
  const alters = dropped.flatMap((column) => {
    const drop = `ALTER TABLE ${name} DROP ${maybeQuote(column.name)} USING TIMESTAMP ${column.droppedAtMicros};`;
    const current = table.columns.get(column.name);
    return current === undefined ? [drop] : [drop, `ALTER TABLE ${name} ADD ${columnCql(current)};`];
  });
  if (virtual) {
    return `/*\nWarning: Table ${name} is a virtual table and cannot be recreated with CQL.\nStructure, for reference:\n${create}\n*/`;
  }
  return [create, ...alters].join('\n');
}

/**
 * A materialized view's CREATE statement (Cassandra 4.0's ViewMetadata.toCqlString): the
 * SELECT over its base table, its WHERE clause and primary key, then its options.
 */
export function viewCql(table: TableMetadata, { internals }: TableCqlOptions): string {
  const view = table.view;
  if (view === undefined) return tableCql(table, { internals });
  const selected = view.includeAllColumns ? '*' : columnsInCreateOrder(table).map((c) => maybeQuote(c.name)).join(', ');
  const options: string[] = [];
  if (internals) options.push(`ID = ${table.id}`);
  if (table.clustering.length > 0) {
    options.push(`CLUSTERING ORDER BY (${table.clustering.map((c) => `${maybeQuote(c.name)} ${c.order === 'desc' ? 'DESC' : 'ASC'}`).join(', ')})`);
  }
  options.push(...tableOptionLines(table.options));
  return [
    `CREATE MATERIALIZED VIEW ${qualifiedName(table.keyspace, table.name)} AS`,
    `${INDENT}SELECT ${selected}`,
    `${INDENT}FROM ${qualifiedName(table.keyspace, view.baseTableName)}`,
    `${INDENT}WHERE ${view.whereClause}`,
    `${INDENT}${primaryKeyCql(table)}`,
    ` WITH ${options.join(`\n${INDENT}AND `)};`,
  ].join('\n');
}
