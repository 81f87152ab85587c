// Grammar rules shared by the DML statements: WHERE relations, IF conditions, USING clauses.

import type {
  ColumnRef, ColumnTarget, ComparisonOperator, Condition, ConditionClause, Relation, UsingClause,
} from './ast.js';
import type { Parser } from './parser-base.js';
import { parseInValues, parseIntValue, parseTerm } from './parser-terms.js';
import { clauseItemsMax } from '../common/limits.js';

const comparisonOperators: readonly ComparisonOperator[] = ['=', '<', '<=', '>', '>=', '!='];

export function acceptComparison(p: Parser): ComparisonOperator | null {
  const token = p.peek();
  if (token.kind !== 'punctuation') return null;
  const operator = comparisonOperators.find((candidate) => candidate === token.text);
  if (operator === undefined) return null;
  p.next();
  return operator;
}

function expectComparison(p: Parser): ComparisonOperator {
  const operator = acceptComparison(p);
  if (operator === null) throw p.noViableAlternative();
  return operator;
}

/** `relation (AND relation)*`. */
export function parseWhereClause(p: Parser): Relation[] {
  const relations: Relation[] = [];
  do {
    if (relations.length >= clauseItemsMax) throw p.failure(`more than ${clauseItemsMax} relations`);
    parseRelation(p, relations);
  } while (p.acceptKeyword('and'));
  return relations;
}

/** Appends one relation; a parenthesised relation `(a = 1)` appends what it holds. */
function parseRelation(p: Parser, relations: Relation[]): void {
  const position = p.position;
  if (p.isPunctuation('(')) {
    const isTupleOfNames = p.isName(1) && (p.isPunctuation(',', 2) || p.isPunctuation(')', 2));
    if (!isTupleOfNames) {
      p.nested(() => {
        p.expectPunctuation('(');
        parseRelation(p, relations);
        p.expectPunctuation(')');
      });
      return;
    }
    const columns = parseTupleOfNames(p);
    if (p.acceptKeyword('in')) {
      relations.push({ kind: 'multiColumnIn', columns, values: parseInValues(p), position });
      return;
    }
    const operator = expectComparison(p);
    relations.push({ kind: 'multiColumn', columns, operator, value: parseTerm(p), position });
    return;
  }
  if (p.acceptKeyword('token')) {
    const columns = parseTupleOfNames(p);
    const operator = expectComparison(p);
    relations.push({ kind: 'token', columns, operator, value: parseTerm(p), position });
    return;
  }
  relations.push(parseColumnRelation(p));
}

function parseColumnRelation(p: Parser): Relation {
  const position = p.position;
  const column = p.columnRef();
  if (p.acceptPunctuation('[')) {
    const key = parseTerm(p);
    p.expectPunctuation(']');
    const operator = expectComparison(p);
    return { kind: 'mapEntry', column, key, operator, value: parseTerm(p), position };
  }
  if (p.acceptKeyword('in')) return { kind: 'singleColumnIn', column, values: parseInValues(p), position };
  if (p.acceptKeyword('contains')) {
    const operator = p.acceptKeyword('key') ? 'CONTAINS KEY' : 'CONTAINS';
    return { kind: 'singleColumn', column, operator, value: parseTerm(p), position };
  }
  if (p.acceptKeyword('like')) return { kind: 'singleColumn', column, operator: 'LIKE', value: parseTerm(p), position };
  if (p.acceptKeyword('is')) {
    p.expectKeyword('not');
    p.expectKeyword('null');
    return { kind: 'isNotNull', column, position };
  }
  const operator = expectComparison(p);
  return { kind: 'singleColumn', column, operator, value: parseTerm(p), position };
}

/** `(a, b, ...)`. */
export function parseTupleOfNames(p: Parser): ColumnRef[] {
  p.expectPunctuation('(');
  const columns: ColumnRef[] = [];
  do {
    if (columns.length >= clauseItemsMax) throw p.failure(`more than ${clauseItemsMax} columns`);
    columns.push(p.columnRef());
  } while (p.acceptPunctuation(','));
  p.expectPunctuation(')');
  return columns;
}

/** `col`, `col[term]` or `col.field`: what a condition or a DELETE selection targets. */
export function parseColumnTarget(p: Parser): ColumnTarget {
  const column = p.columnRef();
  if (p.acceptPunctuation('[')) {
    const element = parseTerm(p);
    p.expectPunctuation(']');
    return { column, element, field: null };
  }
  if (p.acceptPunctuation('.')) return { column, element: null, field: p.name().name };
  return { column, element: null, field: null };
}

/** After IF: `EXISTS`, `NOT EXISTS` (when allowed) or `condition (AND condition)*`. */
export function parseIfClause(p: Parser, options: { allowNotExists: boolean }): ConditionClause {
  if (p.isKeyword('exists') && !p.isPunctuation('[', 1) && !p.isPunctuation('.', 1) && !startsOperator(p, 1)) {
    p.next();
    return { kind: 'exists' };
  }
  if (options.allowNotExists && p.acceptKeyword('not')) {
    p.expectKeyword('exists');
    return { kind: 'notExists' };
  }
  const conditions: Condition[] = [];
  do {
    if (conditions.length >= clauseItemsMax) throw p.failure(`more than ${clauseItemsMax} conditions`);
    conditions.push(parseCondition(p));
  } while (p.acceptKeyword('and'));
  return { kind: 'conditions', conditions };
}

/** Whether the token `ahead` starts an operator (so `exists` before it is a column name). */
function startsOperator(p: Parser, ahead: number): boolean {
  const token = p.peek(ahead);
  if (token.kind === 'punctuation') return comparisonOperators.some((operator) => operator === token.text);
  return p.isKeyword('in', ahead) || p.isKeyword('contains', ahead);
}

function parseCondition(p: Parser): Condition {
  const position = p.position;
  const target = parseColumnTarget(p);
  if (p.acceptKeyword('in')) return { kind: 'in', target, values: parseInValues(p), position };
  if (p.acceptKeyword('contains')) {
    const key = p.acceptKeyword('key');
    return { kind: 'contains', target, key, value: parseTerm(p), position };
  }
  const operator = expectComparison(p);
  return { kind: 'compare', target, operator, value: parseTerm(p), position };
}

/** After USING: `TTL v | TIMESTAMP v (AND ...)`; each at most once. */
export function parseUsingClause(p: Parser, options: { allowTtl: boolean }): UsingClause {
  const using: UsingClause = { ttl: null, timestamp: null };
  do {
    const token = p.peek();
    if (options.allowTtl && p.acceptKeyword('ttl')) {
      if (using.ttl !== null) throw p.failure('Multiple definition for TTL', token);
      using.ttl = parseIntValue(p);
    } else if (p.acceptKeyword('timestamp')) {
      if (using.timestamp !== null) throw p.failure('Multiple definition for TIMESTAMP', token);
      using.timestamp = parseIntValue(p);
    } else {
      throw p.mismatch(options.allowTtl ? 'K_TTL or K_TIMESTAMP' : 'K_TIMESTAMP');
    }
  } while (p.acceptKeyword('and'));
  return using;
}
