// Arithmetic in selectors and terms: precedence (* / % before + -), left associativity,
// unary minus, negative constants, and the `+` of a list prepend left to the assignment.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Selectable, Term } from './ast.js';
import { parseStatement } from './parser.js';

/** A compact text of a selector or term tree: operations parenthesised, leaves by text or name. */
function show(node: Selectable | Term): string {
  switch (node.kind) {
    case 'operation': return `(${show(node.left)} ${node.operator} ${show(node.right)})`;
    case 'negation': return `-${show('selectable' in node ? node.selectable : node.term)}`;
    case 'column': return node.column.name;
    case 'term': return show(node.term);
    case 'literal': return node.text;
    case 'bindMarker': return '?';
    case 'functionCall': return `${node.function.name}(${(node.args as Array<Selectable | Term>).map(show).join(', ')})`;
    case 'cast': return `cast(${show(node.selectable)} as ${node.type.kind === 'native' ? node.type.name : '?'})`;
    default: return node.kind;
  }
}

function selectors(text: string): string[] {
  const statement = parseStatement(text);
  assert.equal(statement.kind, 'select');
  return statement.kind === 'select' ? (statement.selectors ?? []).map((s) => show(s.selectable)) : [];
}

test('selector arithmetic: precedence, associativity, grouping, unary minus', () => {
  assert.deepEqual(selectors('SELECT a + b * c, a - b - c, (a + b) * c, -a, a - -1, -(a), a % 2 / 3 FROM t'),
    ['(a + (b * c))', '((a - b) - c)', '((a + b) * c)', '-a', '(a - -1)', '-a', '((a % 2) / 3)']);
  assert.deepEqual(selectors('SELECT max(a) + 1, CAST(a + 1 AS bigint), f(a * 2, b) FROM t'),
    ['(max(a) + 1)', 'cast((a + 1) as bigint)', 'f((a * 2), b)']);
  assert.deepEqual(selectors('SELECT (1, 2), count(*) FROM t'), ['tuple', 'countRows']);
});

test('term arithmetic in assignments and relations; a prepend keeps its +', () => {
  const update = parseStatement('UPDATE t SET a = 1 + 2 * ?, l = [1] + l, c = c - 3 WHERE k = -1 - ?');
  assert.equal(update.kind, 'update');
  if (update.kind !== 'update') return;
  assert.deepEqual(update.assignments.map((a) => [a.kind, show(a.value)]), [['set', '(1 + (2 * ?))'], ['prepend', 'list'], ['subtract', '3']]);
  const relation = update.where[0]!;
  assert.equal(relation.kind === 'singleColumn' && show(relation.value), '(-1 - ?)');
  const hinted = parseStatement('UPDATE t SET a = (bigint)? + 1 WHERE k = 1');
  assert.equal(hinted.kind === 'update' && show(hinted.assignments[0]!.value), '(typeHint + 1)', 'a type hint binds tighter than +');
  const insert = parseStatement('INSERT INTO t (k, v) VALUES (-?, 2 % 3)');
  assert.equal(insert.kind === 'insert' && insert.values.kind === 'columns' && insert.values.values.map(show).join(' '), '-? (2 % 3)');
});
