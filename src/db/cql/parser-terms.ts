// Grammar rules for values, types and DDL properties: constants, bind markers, collection,
// tuple and user type literals, function calls, type hints, CQL types, `name = value AND ...`.

import { collectionElementsMax, inValuesMax } from '../common/limits.js';
import { invalidRequest } from '../common/errors.js';
import type { InValues, Literal, LiteralType, Property, PropertyValue, QualifiedName, Term, TypeNode } from './ast.js';
import { nativeTypeNames, nonTypeKeywords, reservedTypeNames } from './keywords.js';
import type { Parser } from './parser-base.js';

const literalTokenKinds: ReadonlySet<string> = new Set(['string', 'integer', 'float', 'boolean', 'uuid', 'hex', 'duration']);
const negatableTokenKinds: ReadonlySet<string> = new Set(['integer', 'float', 'duration']);

/** A constant, or null when the next tokens are not one. Handles '-' before numbers, NaN, Infinity. */
export function parseConstant(p: Parser): Literal | null {
  const token = p.peek();
  if (literalTokenKinds.has(token.kind)) {
    p.next();
    return { kind: 'literal', type: token.kind as LiteralType, text: token.text, position: token.position };
  }
  if (p.isKeyword('nan') || p.isKeyword('infinity')) {
    p.next();
    return { kind: 'literal', type: 'float', text: token.text === 'nan' ? 'NaN' : 'Infinity', position: token.position };
  }
  if (!p.isPunctuation('-')) return null;
  const after = p.peek(1);
  if (negatableTokenKinds.has(after.kind)) {
    p.next();
    p.next();
    return { kind: 'literal', type: after.kind as LiteralType, text: `-${after.text}`, position: token.position };
  }
  if (p.isKeyword('nan', 1) || p.isKeyword('infinity', 1)) {
    p.next();
    p.next();
    return { kind: 'literal', type: 'float', text: after.text === 'nan' ? '-NaN' : '-Infinity', position: token.position };
  }
  return null;
}

/** Whether the next token may start a term (used to tell `(type) term` from a tuple). */
export function startsTerm(p: Parser): boolean {
  const token = p.peek();
  if (literalTokenKinds.has(token.kind)) return true;
  if (token.kind === 'punctuation') return ['-', '?', ':', '[', '{', '('].includes(token.text);
  return p.isKeyword('null') || p.isKeyword('nan') || p.isKeyword('infinity') || startsFunctionCall(p);
}

/** `f(` or `ks.f(`: function names are names, plus the reserved TOKEN. */
export function startsFunctionCall(p: Parser): boolean {
  const isFunctionName = (ahead: number): boolean => p.isName(ahead) || p.isKeyword('token', ahead);
  if (!isFunctionName(0)) return false;
  if (p.isPunctuation('(', 1)) return true;
  return p.isPunctuation('.', 1) && isFunctionName(2) && p.isPunctuation('(', 3);
}

export function parseFunctionName(p: Parser): QualifiedName {
  const first = functionNamePart(p);
  if (!p.acceptPunctuation('.')) return { keyspace: null, name: first.name, position: first.position };
  const second = functionNamePart(p);
  return { keyspace: first.name, name: second.name, position: first.position };
}

function functionNamePart(p: Parser): { name: string; position: QualifiedName['position'] } {
  if (p.isKeyword('token')) {
    const token = p.next();
    return { name: token.text, position: token.position };
  }
  return p.name();
}

export function parseTerm(p: Parser): Term {
  return p.nested(() => {
    let left = parseTermProduct(p);
    for (;;) {
      const position = p.position;
      const operator = p.isPunctuation('+') ? '+' : p.isPunctuation('-') ? '-' : null;
      if (operator === null || !startsOperand(p, 1)) return left;
      p.next();
      left = { kind: 'operation', operator, left, right: parseTermProduct(p), position };
    }
  });
}

/**
 * Whether the token `ahead` may start an operand of an operator. A bare name may not: in
 * `SET l = [1] + l` the `+` belongs to the assignment (a prepend), not to the term.
 */
function startsOperand(p: Parser, ahead: number): boolean {
  const token = p.peek(ahead);
  if (literalTokenKinds.has(token.kind)) return true;
  if (token.kind === 'punctuation') return ['-', '?', ':', '[', '{', '('].includes(token.text);
  if (p.isKeyword('null', ahead) || p.isKeyword('nan', ahead) || p.isKeyword('infinity', ahead)) return true;
  return (p.isName(ahead) || p.isKeyword('token', ahead)) && (p.isPunctuation('(', ahead + 1) || p.isPunctuation('.', ahead + 1));
}

function parseTermProduct(p: Parser): Term {
  let left = parseTermGroup(p);
  for (;;) {
    const position = p.position;
    const operator = p.isPunctuation('*') ? '*' : p.isPunctuation('/') ? '/' : p.isPunctuation('%') ? '%' : null;
    if (operator === null || !startsOperand(p, 1)) return left;
    p.next();
    left = { kind: 'operation', operator, left, right: parseTermGroup(p), position };
  }
}

/** `-t` for a term that is no number (a number after '-' is a negative constant), or a simple term. */
function parseTermGroup(p: Parser): Term {
  const position = p.position;
  if (p.isPunctuation('-') && !negatableTokenKinds.has(p.peek(1).kind) && !p.isKeyword('nan', 1) && !p.isKeyword('infinity', 1)) {
    p.next();
    return p.nested<Term>(() => ({ kind: 'negation', term: parseTermGroup(p), position }));
  }
  return parseTermInner(p);
}

function parseTermInner(p: Parser): Term {
  const constant = parseConstant(p);
  if (constant !== null) return constant;
  const token = p.peek();
  if (p.isMarker()) return p.marker();
  if (p.acceptKeyword('null')) return { kind: 'null', position: token.position };
  if (p.isPunctuation('[')) return parseListLiteral(p);
  if (p.isPunctuation('{')) return parseBraceLiteral(p);
  if (p.isPunctuation('(')) return parseParenthesised(p);
  if (startsFunctionCall(p)) {
    const name = parseFunctionName(p);
    const args = parseTermList(p, { open: '(', close: ')', elementsMax: collectionElementsMax });
    return { kind: 'functionCall', function: name, args, position: token.position };
  }
  throw p.noViableAlternative();
}

interface ListBounds {
  open: string;
  close: string;
  elementsMax: number;
}

/** `open [term (, term)*] close`, bounded in length. */
export function parseTermList(p: Parser, bounds: ListBounds): Term[] {
  p.expectPunctuation(bounds.open);
  const terms: Term[] = [];
  if (p.acceptPunctuation(bounds.close)) return terms;
  do {
    if (terms.length >= bounds.elementsMax) throw invalidRequest(`Too many elements: more than ${bounds.elementsMax}`);
    terms.push(parseTerm(p));
  } while (p.acceptPunctuation(','));
  p.expectPunctuation(bounds.close);
  return terms;
}

function parseListLiteral(p: Parser): Term {
  const position = p.position;
  const elements = parseTermList(p, { open: '[', close: ']', elementsMax: collectionElementsMax });
  return { kind: 'list', elements, position };
}

/** `{}`, `{a, b}` (set), `{k: v}` (map), `{field: v}` (user type: every key a name). */
function parseBraceLiteral(p: Parser): Term {
  const position = p.expectPunctuation('{').position;
  if (p.acceptPunctuation('}')) return { kind: 'map', entries: [], position };
  if (p.isName() && p.isPunctuation(':', 1)) return parseUserTypeLiteral(p, position);
  const first = parseTerm(p);
  if (!p.acceptPunctuation(':')) {
    const elements = [first];
    while (p.acceptPunctuation(',')) {
      if (elements.length >= collectionElementsMax) throw invalidRequest(`Too many elements: more than ${collectionElementsMax}`);
      elements.push(parseTerm(p));
    }
    p.expectPunctuation('}');
    return { kind: 'set', elements, position };
  }
  const entries = [{ key: first, value: parseTerm(p) }];
  while (p.acceptPunctuation(',')) {
    if (entries.length >= collectionElementsMax) throw invalidRequest(`Too many elements: more than ${collectionElementsMax}`);
    const key = parseTerm(p);
    p.expectPunctuation(':');
    entries.push({ key, value: parseTerm(p) });
  }
  p.expectPunctuation('}');
  return { kind: 'map', entries, position };
}

function parseUserTypeLiteral(p: Parser, position: Term['position']): Term {
  const fields: Array<{ name: string; value: Term }> = [];
  do {
    if (fields.length >= collectionElementsMax) throw invalidRequest(`Too many fields: more than ${collectionElementsMax}`);
    const name = p.name().name;
    p.expectPunctuation(':');
    fields.push({ name, value: parseTerm(p) });
  } while (p.acceptPunctuation(','));
  p.expectPunctuation('}');
  return { kind: 'userTypeLiteral', fields, position };
}

/** `(type) term` (a type hint) or `(a, b, ...)` (a tuple). */
function parseParenthesised(p: Parser): Term {
  const position = p.position;
  const type = p.attempt(() => {
    p.expectPunctuation('(');
    const hinted = parseType(p);
    p.expectPunctuation(')');
    if (!startsTerm(p)) throw p.noViableAlternative();
    return hinted;
  });
  // A type hint binds tighter than any operator: `(int)? + 1` adds 1 to the hinted marker.
  if (type !== null) return { kind: 'typeHint', type, term: p.nested(() => parseTermGroup(p)), position };
  const elements = parseTermList(p, { open: '(', close: ')', elementsMax: collectionElementsMax });
  if (elements.length === 0) throw p.noViableAlternative();
  return { kind: 'tuple', elements, position };
}

/** An integer or a marker: LIMIT, PER PARTITION LIMIT, TTL, TIMESTAMP. */
export function parseIntValue(p: Parser): Term {
  if (p.isMarker()) return p.marker();
  const isInteger = p.peek().kind === 'integer' || (p.isPunctuation('-') && p.peek(1).kind === 'integer');
  const constant = isInteger ? parseConstant(p) : null;
  if (constant === null) throw p.mismatch('INTEGER');
  return constant;
}

/** The right side of IN: `?`, `:name`, or `(t1, t2, ...)` (possibly empty). */
export function parseInValues(p: Parser): InValues {
  if (p.isMarker()) return { kind: 'marker', marker: p.marker() };
  return { kind: 'terms', terms: parseTermList(p, { open: '(', close: ')', elementsMax: inValuesMax }) };
}

// --- types

export function parseType(p: Parser): TypeNode {
  return p.nested(() => parseTypeInner(p));
}

function parseTypeInner(p: Parser): TypeNode {
  const token = p.peek();
  const position = token.position;
  if (token.kind === 'string') {
    p.next();
    return { kind: 'custom', className: token.text, position };
  }
  if (token.kind !== 'identifier' && token.kind !== 'quotedName') throw p.noViableAlternative();
  const word = token.kind === 'identifier' ? token.text : null;
  const isGeneric = p.isPunctuation('<', 1);
  if (word === 'frozen' && isGeneric) return parseFrozen(p);
  if ((word === 'list' || word === 'set') && isGeneric) {
    p.next();
    const element = parseTypeArguments(p, 1)[0] as TypeNode;
    return { kind: word, element, frozen: false, position };
  }
  if (word === 'map' && isGeneric) {
    p.next();
    const [key, value] = parseTypeArguments(p, 2) as [TypeNode, TypeNode];
    return { kind: 'map', key, value, frozen: false, position };
  }
  if (word === 'tuple' && isGeneric) {
    p.next();
    return { kind: 'tuple', elements: parseTypeArguments(p, null), position };
  }
  const native = word === null ? undefined : nativeTypeNames.get(word);
  if (native !== undefined) {
    p.next();
    return { kind: 'native', name: native, position };
  }
  return parseUserTypeName(p);
}

/** `< t1, t2, ... >` with exactly `count` types, or one or more when count is null. */
function parseTypeArguments(p: Parser, count: number | null): TypeNode[] {
  p.expectPunctuation('<');
  const types = [parseType(p)];
  while (types.length !== count && p.acceptPunctuation(',')) {
    if (types.length >= collectionElementsMax) throw invalidRequest(`Too many types: more than ${collectionElementsMax}`);
    types.push(parseType(p));
  }
  if (count !== null && types.length !== count) throw p.mismatch("','");
  p.expectPunctuation('>');
  return types;
}

function parseFrozen(p: Parser): TypeNode {
  const frozenToken = p.next();
  const inner = parseTypeArguments(p, 1)[0] as TypeNode;
  switch (inner.kind) {
    case 'list': case 'set': case 'map': case 'userType':
      return { ...inner, frozen: true, position: frozenToken.position };
    case 'tuple':
      return { ...inner, position: frozenToken.position };
    case 'native': case 'custom':
      throw p.failure('frozen<> is only allowed on collections, tuples, and user-defined types', frozenToken);
  }
}

function parseUserTypeName(p: Parser): TypeNode {
  const position = p.position;
  let keyspace: string | null = null;
  if (p.isName() && p.isPunctuation('.', 1)) {
    keyspace = p.name().name;
    p.next();
  }
  const token = p.peek();
  const name = p.name().name;
  if (token.kind === 'identifier' && (reservedTypeNames.has(name) || nonTypeKeywords.has(name) || nativeTypeNames.has(name))) {
    throw p.failure(`Invalid (reserved) user type name ${name}`, token);
  }
  return { kind: 'userType', keyspace, name, frozen: false, position };
}

// --- properties

/** `name = constant | map`: one DDL property (WITH ... AND ...). */
export function parseProperty(p: Parser): Property {
  const nameToken = p.peek();
  const name = p.name().name;
  p.expectPunctuation('=');
  return { name, value: parsePropertyValue(p), position: nameToken.position };
}

function parsePropertyValue(p: Parser): PropertyValue {
  if (p.isPunctuation('{')) return parsePropertyMap(p);
  const constant = parseConstant(p);
  if (constant !== null) return { kind: 'constant', type: constant.type, text: constant.text };
  if (p.isMarker()) throw p.failure('bind variables are not supported in DDL queries');
  if (p.isName() && p.peek().kind === 'identifier') {
    return { kind: 'constant', type: 'identifier', text: p.next().raw };
  }
  throw p.noViableAlternative();
}

function parsePropertyMap(p: Parser): PropertyValue {
  p.expectPunctuation('{');
  const entries: Array<{ key: string; value: string }> = [];
  const seen = new Set<string>();
  if (p.acceptPunctuation('}')) return { kind: 'map', entries };
  do {
    if (entries.length >= collectionElementsMax) throw invalidRequest(`Too many elements: more than ${collectionElementsMax}`);
    const keyToken = p.peek();
    const key = propertyMapConstant(p, 'name');
    p.expectPunctuation(':');
    const value = propertyMapConstant(p, 'value');
    if (seen.has(key)) throw p.failure(`Multiple definition for property ${key}`, keyToken);
    seen.add(key);
    entries.push({ key, value });
  } while (p.acceptPunctuation(','));
  p.expectPunctuation('}');
  return { kind: 'map', entries };
}

function propertyMapConstant(p: Parser, what: 'name' | 'value'): string {
  const token = p.peek();
  if (p.isMarker()) throw p.failure(`Invalid property ${what}: bind variables are not supported in DDL queries`);
  const constant = parseConstant(p);
  if (constant === null) throw p.failure(`Invalid property ${what}: ${token.raw}`);
  return constant.text;
}
