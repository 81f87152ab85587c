// Grammar rules of the schema statements: USE, TRUNCATE, keyspaces, tables, user types, and
// the heads of the statements this database recognises but does not support.

import { propertiesMax, tableColumnsMax } from '../common/limits.js';
import { invalidRequest } from '../common/errors.js';
import type {
  AlterKeyspaceStatement, AlterTableAction, AlterTableStatement, AlterTypeAction, AlterTypeStatement,
  ColumnDefinition, ColumnRef, CreateKeyspaceStatement, CreateTableStatement, CreateTypeStatement, CreateViewStatement,
  AlterViewStatement, CreateIndexStatement, DropIndexStatement, DropViewStatement, DropKeyspaceStatement, DropTableStatement, DropTypeStatement, Ordering, Position, Property,
  TruncateStatement, TypeNode, UnsupportedStatement, UseStatement,
} from './ast.js';
import type { Parsed, Parser } from './parser-base.js';
import { parseOrdering, parseSelect } from './parser-dml.js';
import { parseIntValue, parseProperty, parseType } from './parser-terms.js';
import { parseTupleOfNames } from './parser-where.js';

export function parseKeyspaceName(p: Parser): string {
  p.rejectMarker('keyspace names');
  return p.name().name;
}

export function parseUse(p: Parser): Parsed<UseStatement> {
  const position = p.expectKeyword('use').position;
  return { kind: 'use', position, keyspace: parseKeyspaceName(p) };
}

export function parseTruncate(p: Parser): Parsed<TruncateStatement> {
  const position = p.expectKeyword('truncate').position;
  if (!p.acceptKeyword('table')) p.acceptKeyword('columnfamily');
  return { kind: 'truncate', position, table: p.qualifiedName() };
}

/** `WITH property (AND property)*`. */
function parseProperties(p: Parser): Property[] {
  p.expectKeyword('with');
  const properties: Property[] = [];
  do {
    if (properties.length >= propertiesMax) throw p.failure(`more than ${propertiesMax} properties`);
    properties.push(parseProperty(p));
  } while (p.acceptKeyword('and'));
  return properties;
}

// --- keyspaces (the caller has consumed CREATE/ALTER/DROP and KEYSPACE or SCHEMA)

export function parseCreateKeyspace(p: Parser, position: Position): Parsed<CreateKeyspaceStatement> {
  const ifNotExists = p.acceptKeywords('if', 'not', 'exists');
  const keyspace = parseKeyspaceName(p);
  return { kind: 'createKeyspace', position, keyspace, ifNotExists, properties: parseProperties(p) };
}

export function parseAlterKeyspace(p: Parser, position: Position): Parsed<AlterKeyspaceStatement> {
  const ifExists = p.acceptKeywords('if', 'exists');
  const keyspace = parseKeyspaceName(p);
  return { kind: 'alterKeyspace', position, keyspace, ifExists, properties: parseProperties(p) };
}

export function parseDropKeyspace(p: Parser, position: Position): Parsed<DropKeyspaceStatement> {
  const ifExists = p.acceptKeywords('if', 'exists');
  return { kind: 'dropKeyspace', position, keyspace: parseKeyspaceName(p), ifExists };
}

// --- tables (the caller has consumed CREATE/ALTER/DROP and TABLE or COLUMNFAMILY)

export function parseCreateTable(p: Parser, position: Position): Parsed<CreateTableStatement> {
  const ifNotExists = p.acceptKeywords('if', 'not', 'exists');
  const table = p.qualifiedName();
  const statement: Parsed<CreateTableStatement> = {
    kind: 'createTable', position, table, ifNotExists, columns: [], partitionKey: [], clustering: [],
    clusteringOrder: [], compactStorage: false, properties: [],
  };
  p.expectPunctuation('(');
  let primaryKeys = 0;
  do {
    if (p.isPunctuation(')')) break; // Cassandra accepts a trailing comma
    if (statement.columns.length >= tableColumnsMax) throw p.failure(`more than ${tableColumnsMax} columns`);
    if (p.isKeyword('primary')) {
      parsePrimaryKeyClause(p, statement);
      primaryKeys += 1;
    } else if (parseTableColumn(p, statement)) {
      primaryKeys += 1;
    }
    if (primaryKeys > 1) throw invalidRequest('Multiple PRIMARY KEYs specified (exactly one required)');
  } while (p.acceptPunctuation(','));
  p.expectPunctuation(')');
  if (p.acceptKeyword('with')) parseTableOptions(p, statement);
  return statement;
}

/** After CREATE MATERIALIZED VIEW: `[IF NOT EXISTS] v AS SELECT ... FROM t WHERE ... PRIMARY KEY (...) [WITH ...]`. */
export function parseCreateView(p: Parser, position: Position): Parsed<CreateViewStatement> {
  const ifNotExists = p.acceptKeywords('if', 'not', 'exists');
  const view = p.qualifiedName();
  p.expectKeyword('as');
  const select = parseSelect(p);
  const statement: Parsed<CreateViewStatement> = {
    kind: 'createView', position, view, ifNotExists, table: select.table, selectors: select.selectors, where: select.where,
    partitionKey: [], clustering: [], clusteringOrder: [], compactStorage: false, properties: [],
  };
  parsePrimaryKeyClause(p, statement);
  if (p.acceptKeyword('with')) parseTableOptions(p, statement);
  return statement;
}

/** `name type [STATIC] [PRIMARY KEY]`; returns whether it declared the primary key. */
function parseTableColumn(p: Parser, statement: Parsed<CreateTableStatement>): boolean {
  const definition = parseColumnDefinition(p);
  statement.columns.push(definition);
  if (!p.acceptKeywords('primary', 'key')) return false;
  statement.partitionKey.push({ name: definition.name, position: definition.position });
  return true;
}

function parseColumnDefinition(p: Parser): ColumnDefinition {
  const { name, position } = p.name();
  const type = parseType(p);
  const isStatic = p.acceptKeyword('static');
  return { name, type, isStatic, position };
}

/** `PRIMARY KEY (pk, c1, c2)` or `PRIMARY KEY ((pk1, pk2), c1)`. */
function parsePrimaryKeyClause(p: Parser, statement: Pick<CreateTableStatement, 'partitionKey' | 'clustering'>): void {
  p.expectKeyword('primary');
  p.expectKeyword('key');
  p.expectPunctuation('(');
  if (p.isPunctuation('(')) statement.partitionKey.push(...parseTupleOfNames(p));
  else statement.partitionKey.push(p.columnRef());
  while (p.acceptPunctuation(',')) {
    if (statement.clustering.length >= tableColumnsMax) throw p.failure(`more than ${tableColumnsMax} columns`);
    statement.clustering.push(p.columnRef());
  }
  p.expectPunctuation(')');
}

/** `option = value`, `CLUSTERING ORDER BY (...)`, `COMPACT STORAGE`, joined by AND. */
function parseTableOptions(p: Parser, statement: Pick<CreateTableStatement, 'properties' | 'clusteringOrder' | 'compactStorage'>): void {
  do {
    if (statement.properties.length >= propertiesMax) throw p.failure(`more than ${propertiesMax} properties`);
    if (p.isKeyword('clustering') && p.isKeyword('order', 1)) {
      p.next();
      p.next();
      p.expectKeyword('by');
      statement.clusteringOrder.push(...parseClusteringOrder(p));
    } else if (p.isKeyword('compact') && p.isKeyword('storage', 1)) {
      p.next();
      p.next();
      statement.compactStorage = true;
    } else {
      statement.properties.push(parseProperty(p));
    }
  } while (p.acceptKeyword('and'));
}

function parseClusteringOrder(p: Parser): Ordering[] {
  p.expectPunctuation('(');
  const orderings: Ordering[] = [];
  do orderings.push(parseOrdering(p, orderings.length)); while (p.acceptPunctuation(','));
  p.expectPunctuation(')');
  return orderings;
}

export function parseAlterTable(p: Parser, position: Position): Parsed<AlterTableStatement> {
  const table = p.qualifiedName();
  return { kind: 'alterTable', position, table, action: parseAlterTableAction(p) };
}

function parseAlterTableAction(p: Parser): AlterTableAction {
  if (p.acceptKeyword('alter')) {
    const column = p.columnRef();
    p.expectKeyword('type');
    return { kind: 'alterColumnType', column, type: parseType(p) };
  }
  if (p.acceptKeyword('add')) {
    if (!p.acceptPunctuation('(')) return { kind: 'addColumns', columns: [parseColumnDefinition(p)] };
    const columns: ColumnDefinition[] = [];
    do {
      if (columns.length >= tableColumnsMax) throw p.failure(`more than ${tableColumnsMax} columns`);
      columns.push(parseColumnDefinition(p));
    } while (p.acceptPunctuation(','));
    p.expectPunctuation(')');
    return { kind: 'addColumns', columns };
  }
  if (p.acceptKeyword('drop')) {
    const columns: ColumnRef[] = p.isPunctuation('(') ? parseTupleOfNames(p) : [p.columnRef()];
    let timestamp = null;
    if (p.acceptKeyword('using')) {
      p.expectKeyword('timestamp');
      timestamp = parseIntValue(p);
    }
    return { kind: 'dropColumns', columns, timestamp };
  }
  if (p.acceptKeyword('rename')) {
    const renames: Array<{ from: ColumnRef; to: ColumnRef }> = [];
    do {
      if (renames.length >= tableColumnsMax) throw p.failure(`more than ${tableColumnsMax} renames`);
      const from = p.columnRef();
      p.expectKeyword('to');
      renames.push({ from, to: p.columnRef() });
    } while (p.acceptKeyword('and'));
    return { kind: 'renameColumns', renames };
  }
  if (p.isKeyword('with')) return { kind: 'withProperties', properties: parseProperties(p) };
  throw p.noViableAlternative();
}

// --- secondary indexes (the caller has consumed CREATE INDEX / DROP INDEX)

export function parseCreateIndex(p: Parser, position: Position): Parsed<CreateIndexStatement> {
  const ifNotExists = p.acceptKeywords('if', 'not', 'exists');
  const index = p.isKeyword('on') ? null : p.qualifiedName();
  p.expectKeyword('on');
  const table = p.qualifiedName();
  p.expectPunctuation('(');
  let type: CreateIndexStatement['target']['type'] = 'simple';
  for (const word of ['values', 'keys', 'entries', 'full'] as const) {
    if (p.isKeyword(word) && p.isPunctuation('(', 1)) { p.next(); p.next(); type = word; break; }
  }
  const column = p.columnRef();
  if (type !== 'simple') p.expectPunctuation(')');
  if (p.isPunctuation(',')) throw invalidRequest('Only CUSTOM indexes support multiple columns');
  p.expectPunctuation(')');
  if (p.isKeyword('using') || p.isKeyword('with')) throw invalidRequest('Only CUSTOM indexes support USING and WITH OPTIONS');
  return { kind: 'createIndex', position, index, table, ifNotExists, target: { column, type } };
}

export function parseDropIndex(p: Parser, position: Position): Parsed<DropIndexStatement> {
  const ifExists = p.acceptKeywords('if', 'exists');
  return { kind: 'dropIndex', position, index: p.qualifiedName(), ifExists };
}

/** After DROP MATERIALIZED VIEW. */
export function parseDropView(p: Parser, position: Position): Parsed<DropViewStatement> {
  const ifExists = p.acceptKeywords('if', 'exists');
  return { kind: 'dropView', position, view: p.qualifiedName(), ifExists };
}

/** After ALTER MATERIALIZED VIEW: `v WITH options`. */
export function parseAlterView(p: Parser, position: Position): Parsed<AlterViewStatement> {
  const view = p.qualifiedName();
  if (!p.isKeyword('with')) throw p.noViableAlternative();
  return { kind: 'alterView', position, view, properties: parseProperties(p) };
}

export function parseDropTable(p: Parser, position: Position): Parsed<DropTableStatement> {
  const ifExists = p.acceptKeywords('if', 'exists');
  return { kind: 'dropTable', position, table: p.qualifiedName(), ifExists };
}

// --- user types (the caller has consumed CREATE/ALTER/DROP TYPE)

export function parseCreateType(p: Parser, position: Position): Parsed<CreateTypeStatement> {
  const ifNotExists = p.acceptKeywords('if', 'not', 'exists');
  const type = p.qualifiedName();
  const fields: Array<{ name: string; type: TypeNode; position: Position }> = [];
  p.expectPunctuation('(');
  do {
    if (p.isPunctuation(')')) break; // no fields, or a trailing comma: Cassandra accepts both
    if (fields.length >= tableColumnsMax) throw p.failure(`more than ${tableColumnsMax} fields`);
    const { name, position: fieldPosition } = p.name();
    fields.push({ name, type: parseType(p), position: fieldPosition });
  } while (p.acceptPunctuation(','));
  p.expectPunctuation(')');
  return { kind: 'createType', position, type, ifNotExists, fields };
}

export function parseAlterType(p: Parser, position: Position): Parsed<AlterTypeStatement> {
  const type = p.qualifiedName();
  return { kind: 'alterType', position, type, action: parseAlterTypeAction(p) };
}

function parseAlterTypeAction(p: Parser): AlterTypeAction {
  if (p.acceptKeyword('alter')) {
    const field = p.name().name;
    p.expectKeyword('type');
    return { kind: 'alterFieldType', field, type: parseType(p) };
  }
  if (p.acceptKeyword('add')) {
    const field = p.name().name;
    return { kind: 'addField', field, type: parseType(p) };
  }
  p.expectKeyword('rename');
  const renames: Array<{ from: string; to: string }> = [];
  do {
    if (renames.length >= tableColumnsMax) throw p.failure(`more than ${tableColumnsMax} renames`);
    const from = p.name().name;
    p.expectKeyword('to');
    renames.push({ from, to: p.name().name });
  } while (p.acceptKeyword('and'));
  return { kind: 'renameFields', renames };
}

export function parseDropType(p: Parser, position: Position): Parsed<DropTypeStatement> {
  const ifExists = p.acceptKeywords('if', 'exists');
  return { kind: 'dropType', position, type: p.qualifiedName(), ifExists };
}

/** The rest of an unsupported statement is lexed (so bad tokens still fail) but not parsed. */
export function parseUnsupported(p: Parser, head: { position: Position; feature: string }): Parsed<UnsupportedStatement> {
  while (!p.atEnd()) p.next();
  return { kind: 'unsupported', position: head.position, feature: head.feature };
}
