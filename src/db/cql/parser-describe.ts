// DESCRIBE, as Cassandra 4's grammar has it (describeStatement in Parser.g): the listing forms
// (KEYSPACES, TABLES, TYPES, FUNCTIONS, AGGREGATES), CLUSTER, [FULL] SCHEMA, [ONLY] KEYSPACE,
// one element (TABLE, INDEX, MATERIALIZED VIEW, TYPE, FUNCTION, AGGREGATE), a bare name, and
// WITH INTERNALS after any of them.

import type { DescribeStatement, DescribeTarget, Position } from './ast.js';
import type { Parsed, Parser } from './parser-base.js';

/** The words after DESCRIBE that name a form; anything else is a (possibly qualified) name. */
const LISTINGS = new Map<string, DescribeTarget>([
  ['keyspaces', { kind: 'keyspaces' }],
  ['tables', { kind: 'tables' }],
  ['columnfamilies', { kind: 'tables' }],
  ['types', { kind: 'types' }],
  ['functions', { kind: 'functions' }],
  ['aggregates', { kind: 'aggregates' }],
  ['cluster', { kind: 'cluster' }],
]);

/** Parses what follows DESCRIBE / DESC (already consumed, at `position`). */
export function parseDescribe(p: Parser, position: Position): Parsed<DescribeStatement> {
  const target = parseTarget(p);
  const internals = p.acceptKeywords('with', 'internals');
  return { kind: 'describe', position, target, internals };
}

function parseTarget(p: Parser): DescribeTarget {
  const token = p.peek();
  const word = token.kind === 'identifier' ? token.text : '';
  // A bare listing word followed by a '.' is a qualified name (DESCRIBE tables.t), as in the grammar's predicates.
  const listing = LISTINGS.get(word);
  if (listing !== undefined && !p.isPunctuation('.', 1)) {
    p.next();
    return listing;
  }
  switch (word) {
    case 'full': p.next(); p.expectKeyword('schema'); return { kind: 'schema', full: true };
    case 'schema': p.next(); return { kind: 'schema', full: false };
    case 'only': p.next(); p.expectKeyword('keyspace'); return { kind: 'keyspace', keyspace: optionalName(p), only: true };
    case 'keyspace': p.next(); return { kind: 'keyspace', keyspace: optionalName(p), only: false };
    case 'table': case 'columnfamily': p.next(); return { kind: 'table', name: p.qualifiedName() };
    case 'index': p.next(); return { kind: 'index', name: p.qualifiedName() };
    case 'type': p.next(); return { kind: 'type', name: p.qualifiedName() };
    case 'function': p.next(); return { kind: 'function', name: p.qualifiedName() };
    case 'aggregate': p.next(); return { kind: 'aggregate', name: p.qualifiedName() };
    case 'materialized': p.next(); p.expectKeyword('view'); return { kind: 'view', name: p.qualifiedName() };
    default: return { kind: 'generic', name: p.qualifiedName() };
  }
}

/** DESCRIBE KEYSPACE may omit the name (the session's keyspace); WITH starts the INTERNALS clause. */
function optionalName(p: Parser): string | null {
  if (p.atEnd() || p.isPunctuation(';') || p.isKeyword('with')) return null;
  return p.name().name;
}
