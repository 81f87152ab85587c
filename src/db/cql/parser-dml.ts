// Grammar rules of the data statements: SELECT, INSERT, UPDATE, DELETE and BATCH.

import { batchStatementsMax, tableColumnsMax } from '../common/limits.js';
import { invalidRequest } from '../common/errors.js';
import type {
  Assignment, BatchStatement, BatchType, ColumnRef, ColumnTarget, ConditionClause, DeleteStatement,
  InsertStatement, InsertValues, ModificationStatement, Ordering, Relation, Selectable, SelectStatement,
  Selector, Term, UpdateStatement, UsingClause,
} from './ast.js';
import type { Parsed, Parser } from './parser-base.js';
import {
  parseConstant, parseFunctionName, parseIntValue, parseTerm, parseTermList, parseType, startsFunctionCall, startsTerm,
} from './parser-terms.js';
import { parseColumnTarget, parseIfClause, parseUsingClause, parseWhereClause } from './parser-where.js';

const noUsing = (): UsingClause => ({ ttl: null, timestamp: null });

/**
 * JSON and DISTINCT are also valid column names: they are modifiers only when a selector
 * follows them (`SELECT json FROM t` selects a column named json).
 */
function isModifier(p: Parser, word: string): boolean {
  if (!p.isKeyword(word)) return false;
  const after = p.peek(1);
  if (after.kind === 'punctuation') return after.text === '*';
  return after.kind !== 'eof' && !p.isKeyword('from', 1) && !p.isKeyword('as', 1);
}

export function parseSelect(p: Parser): Parsed<SelectStatement> {
  const position = p.expectKeyword('select').position;
  const json = isModifier(p, 'json') && p.acceptKeyword('json');
  const distinct = isModifier(p, 'distinct') && p.acceptKeyword('distinct');
  const selectors = p.acceptPunctuation('*') ? null : parseSelectors(p);
  p.expectKeyword('from');
  const table = p.qualifiedName();
  const where = p.acceptKeyword('where') ? parseWhereClause(p) : [];
  const groupBy: ColumnRef[] = [];
  if (p.acceptKeywords('group', 'by')) {
    do groupBy.push(boundedColumn(p, groupBy.length)); while (p.acceptPunctuation(','));
  }
  const orderBy: Ordering[] = [];
  if (p.acceptKeywords('order', 'by')) {
    do orderBy.push(parseOrdering(p, orderBy.length)); while (p.acceptPunctuation(','));
  }
  const perPartitionLimit = p.acceptKeywords('per', 'partition', 'limit') ? parseIntValue(p) : null;
  const limit = p.acceptKeyword('limit') ? parseIntValue(p) : null;
  const allowFiltering = p.acceptKeywords('allow', 'filtering');
  return {
    kind: 'select', position, json, distinct, selectors, table, where, groupBy, orderBy,
    perPartitionLimit, limit, allowFiltering,
  };
}

function boundedColumn(p: Parser, count: number): ColumnRef {
  if (count >= tableColumnsMax) throw p.failure(`more than ${tableColumnsMax} columns`);
  return p.columnRef();
}

export function parseOrdering(p: Parser, count: number): Ordering {
  const column = boundedColumn(p, count);
  if (p.acceptKeyword('desc')) return { column, order: 'desc' };
  p.acceptKeyword('asc');
  return { column, order: 'asc' };
}

function parseSelectors(p: Parser): Selector[] {
  const selectors: Selector[] = [];
  do {
    if (selectors.length >= tableColumnsMax) throw p.failure(`more than ${tableColumnsMax} selectors`);
    const position = p.position;
    const selectable = parseSelectable(p);
    const alias = p.acceptKeyword('as') ? p.name().name : null;
    selectors.push({ selectable, alias, position });
  } while (p.acceptPunctuation(','));
  return selectors;
}

/** A selector without alias: sums of products of (optionally negated) primaries, as Cassandra's selectionAddition. */
function parseSelectable(p: Parser): Selectable {
  return p.nested(() => {
    let left = parseSelectionProduct(p);
    for (;;) {
      const position = p.position;
      const operator = p.isPunctuation('+') ? '+' : p.isPunctuation('-') ? '-' : null;
      if (operator === null) return left;
      p.next();
      left = { kind: 'operation', operator, left, right: parseSelectionProduct(p), position };
    }
  });
}

function parseSelectionProduct(p: Parser): Selectable {
  let left = parseSelectionGroup(p);
  for (;;) {
    const position = p.position;
    const operator = p.isPunctuation('*') ? '*' : p.isPunctuation('/') ? '/' : p.isPunctuation('%') ? '%' : null;
    if (operator === null) return left;
    p.next();
    left = { kind: 'operation', operator, left, right: parseSelectionGroup(p), position };
  }
}

/** `-x` (unless x is a number, which is a negative constant) or a primary. */
function parseSelectionGroup(p: Parser): Selectable {
  const position = p.position;
  const negativeConstant = p.isPunctuation('-') && ['integer', 'float', 'duration'].includes(p.peek(1).kind);
  if (p.isPunctuation('-') && !negativeConstant && !p.isKeyword('nan', 1) && !p.isKeyword('infinity', 1)) {
    p.next();
    return p.nested<Selectable>(() => ({ kind: 'negation', selectable: parseSelectionGroup(p), position }));
  }
  return parseSelectablePrimary(p);
}

/** A selector primary, with any `.field` and `[key]` that follow it. */
function parseSelectablePrimary(p: Parser): Selectable {
  let selectable = parseSelectableBase(p);
  for (;;) {
    const position = p.position;
    if (p.isPunctuation('.') && p.isName(1)) {
      p.next();
      selectable = { kind: 'fieldAccess', selectable, field: p.name().name, position };
    } else if (p.acceptPunctuation('[')) {
      const key = parseTerm(p);
      p.expectPunctuation(']');
      selectable = { kind: 'elementAccess', selectable, key, position };
    } else {
      return selectable;
    }
  }
}

const columnFunctions: ReadonlyMap<string, 'writetime' | 'maxwritetime' | 'ttl'> = new Map([
  ['writetime', 'writetime'], ['maxwritetime', 'maxwritetime'], ['ttl', 'ttl'],
]);

function parseSelectableBase(p: Parser): Selectable {
  const token = p.peek();
  const position = token.position;
  const isCall = p.isPunctuation('(', 1) && token.kind === 'identifier';
  if (isCall && token.text === 'count' && (p.isPunctuation('*', 2) || isCountOne(p))) {
    p.next();
    p.next();
    p.next();
    p.expectPunctuation(')');
    return { kind: 'countRows', position };
  }
  const columnFunction = isCall ? columnFunctions.get(token.text) : undefined;
  if (columnFunction !== undefined) {
    p.next();
    p.next();
    const column = p.columnRef();
    p.expectPunctuation(')');
    return { kind: columnFunction, column, position };
  }
  if (isCall && token.text === 'cast') return parseCast(p);
  if (startsFunctionCall(p)) return parseFunctionSelectable(p);
  if (p.isPunctuation('(')) {
    const type = p.attempt(() => {
      p.expectPunctuation('(');
      const hinted = parseType(p);
      p.expectPunctuation(')');
      // `(a)` followed by FROM or ',' is no type hint: only a selector may follow one.
      if (!p.isName() && !startsTerm(p)) throw p.noViableAlternative();
      return hinted;
    });
    if (type !== null) return { kind: 'typeHint', type, selectable: parseSelectionGroup(p), position };
    // `(selector)`: parentheses only group; otherwise a tuple literal.
    const grouped = p.attempt(() => {
      p.expectPunctuation('(');
      const inner = parseSelectable(p);
      p.expectPunctuation(')');
      return inner;
    });
    return grouped ?? { kind: 'term', term: parseTerm(p) };
  }
  if (p.isName()) return { kind: 'column', column: p.columnRef() };
  return { kind: 'term', term: parseSelectorTerm(p) };
}

function isCountOne(p: Parser): boolean {
  const argument = p.peek(2);
  return argument.kind === 'integer' && argument.text === '1' && p.isPunctuation(')', 3);
}

function parseSelectorTerm(p: Parser): Term {
  const constant = parseConstant(p);
  if (constant !== null) return constant;
  return parseTerm(p);
}

function parseCast(p: Parser): Selectable {
  const position = p.next().position;
  p.expectPunctuation('(');
  const selectable = parseSelectable(p);
  p.expectKeyword('as');
  const type = parseType(p);
  p.expectPunctuation(')');
  return { kind: 'cast', selectable, type, position };
}

function parseFunctionSelectable(p: Parser): Selectable {
  const position = p.position;
  const name = parseFunctionName(p);
  p.expectPunctuation('(');
  const args: Selectable[] = [];
  if (!p.acceptPunctuation(')')) {
    do {
      if (args.length >= tableColumnsMax) throw p.failure(`more than ${tableColumnsMax} arguments`);
      args.push(parseSelectable(p));
    } while (p.acceptPunctuation(','));
    p.expectPunctuation(')');
  }
  return { kind: 'functionCall', function: name, args, position };
}

// --- INSERT

export function parseInsert(p: Parser): Parsed<InsertStatement> {
  const position = p.expectKeyword('insert').position;
  p.expectKeyword('into');
  const table = p.qualifiedName();
  const values = p.acceptKeyword('json') ? parseJsonValues(p) : parseColumnValues(p);
  const ifNotExists = p.acceptKeywords('if', 'not', 'exists');
  const using = p.acceptKeyword('using') ? parseUsingClause(p, { allowTtl: true }) : noUsing();
  return { kind: 'insert', position, table, values, ifNotExists, using };
}

function parseJsonValues(p: Parser): InsertValues {
  let json: Term;
  if (p.isMarker()) json = p.marker();
  else if (p.peek().kind === 'string') json = parseConstant(p) as Term;
  else throw p.mismatch('STRING_LITERAL');
  let defaultUnset = false;
  if (p.acceptKeyword('default')) {
    if (p.acceptKeyword('unset')) defaultUnset = true;
    else p.expectKeyword('null');
  }
  return { kind: 'json', json, defaultUnset };
}

function parseColumnValues(p: Parser): InsertValues {
  p.expectPunctuation('(');
  const columns: ColumnRef[] = [];
  do columns.push(boundedColumn(p, columns.length)); while (p.acceptPunctuation(','));
  p.expectPunctuation(')');
  p.expectKeyword('values');
  const values = parseTermList(p, { open: '(', close: ')', elementsMax: tableColumnsMax });
  if (values.length !== columns.length) throw invalidRequest('Unmatched column names/values');
  return { kind: 'columns', columns, values };
}

// --- UPDATE

export function parseUpdate(p: Parser): Parsed<UpdateStatement> {
  const position = p.expectKeyword('update').position;
  const table = p.qualifiedName();
  const using = p.acceptKeyword('using') ? parseUsingClause(p, { allowTtl: true }) : noUsing();
  p.expectKeyword('set');
  const assignments: Assignment[] = [];
  do {
    if (assignments.length >= tableColumnsMax) throw p.failure(`more than ${tableColumnsMax} assignments`);
    assignments.push(parseAssignment(p));
  } while (p.acceptPunctuation(','));
  p.expectKeyword('where');
  const where = parseWhereClause(p);
  const condition: ConditionClause = p.acceptKeyword('if') ? parseIfClause(p, { allowNotExists: false }) : { kind: 'none' };
  return { kind: 'update', position, table, using, assignments, where, condition };
}

function parseAssignment(p: Parser): Assignment {
  const position = p.position;
  const column = p.columnRef();
  if (p.acceptPunctuation('[')) {
    const key = parseTerm(p);
    p.expectPunctuation(']');
    p.expectPunctuation('=');
    return { kind: 'setElement', column, key, value: parseTerm(p), position };
  }
  if (p.acceptPunctuation('.')) {
    const field = p.name().name;
    p.expectPunctuation('=');
    return { kind: 'setField', column, field, value: parseTerm(p), position };
  }
  if (p.acceptPunctuation('+=')) return { kind: 'add', column, value: parseTerm(p), position };
  if (p.acceptPunctuation('-=')) return { kind: 'subtract', column, value: parseTerm(p), position };
  p.expectPunctuation('=');
  const selfReference = p.isName() && !startsFunctionCall(p) && (p.isPunctuation('+', 1) || p.isPunctuation('-', 1));
  if (selfReference) {
    const other = p.peek();
    p.next();
    const sign = p.next().text;
    if (other.text !== column.name) {
      throw p.failure(`Only expressions of the form X = X ${sign} <value> are supported.`, other);
    }
    return { kind: sign === '+' ? 'add' : 'subtract', column, value: parseTerm(p), position };
  }
  const value = parseTerm(p);
  if (!p.acceptPunctuation('+')) return { kind: 'set', column, value, position };
  const other = p.peek();
  if (!p.isName() || p.next().text !== column.name) {
    throw p.failure('Only expressions of the form X = <value> + X are supported.', other);
  }
  return { kind: 'prepend', column, value, position };
}

// --- DELETE

export function parseDelete(p: Parser): Parsed<DeleteStatement> {
  const position = p.expectKeyword('delete').position;
  const selections: ColumnTarget[] = [];
  if (!p.isKeyword('from')) {
    do {
      if (selections.length >= tableColumnsMax) throw p.failure(`more than ${tableColumnsMax} columns`);
      selections.push(parseColumnTarget(p));
    } while (p.acceptPunctuation(','));
  }
  p.expectKeyword('from');
  const table = p.qualifiedName();
  const using = p.acceptKeyword('using') ? parseUsingClause(p, { allowTtl: false }) : noUsing();
  p.expectKeyword('where');
  const where: Relation[] = parseWhereClause(p);
  const condition: ConditionClause = p.acceptKeyword('if') ? parseIfClause(p, { allowNotExists: false }) : { kind: 'none' };
  return { kind: 'delete', position, selections, table, using, where, condition };
}

// --- BATCH

export function parseBatch(p: Parser): Parsed<BatchStatement> {
  const position = p.expectKeyword('begin').position;
  let batchType: BatchType = 'logged';
  if (p.acceptKeyword('unlogged')) batchType = 'unlogged';
  else if (p.acceptKeyword('counter')) batchType = 'counter';
  p.expectKeyword('batch');
  const using = p.acceptKeyword('using') ? parseUsingClause(p, { allowTtl: true }) : noUsing();
  const statements: ModificationStatement[] = [];
  while (!p.isKeyword('apply')) {
    if (statements.length >= batchStatementsMax) throw p.failure(`more than ${batchStatementsMax} statements in a batch`);
    statements.push(parseBatchChild(p));
    p.acceptPunctuation(';');
  }
  p.expectKeyword('apply');
  p.expectKeyword('batch');
  return { kind: 'batch', position, batchType, using, statements };
}

function parseBatchChild(p: Parser): ModificationStatement {
  const firstMarker = p.markers.length;
  let statement: Parsed<ModificationStatement>;
  if (p.isKeyword('insert')) statement = parseInsert(p);
  else if (p.isKeyword('update')) statement = parseUpdate(p);
  else if (p.isKeyword('delete')) statement = parseDelete(p);
  else throw p.mismatch('K_INSERT, K_UPDATE, K_DELETE or K_APPLY');
  return { ...statement, bindMarkers: p.markers.slice(firstMarker) };
}
