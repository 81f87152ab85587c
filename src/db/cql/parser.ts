// The CQL parser's entry point: one statement of text -> its AST (ast.ts).
// A hand-written recursive-descent parser over the grammar of Cassandra's Parser.g, split by
// statement family (parser-dml, parser-ddl, parser-auth) with shared rules for terms, types
// and WHERE clauses. Nesting is bounded (parserDepthMax) and so is the text (queryTextBytesMax);
// any bad input ends in a CqlError (SyntaxError, or Invalid for exceeded bounds), never another
// exception.

import type { Position, Statement } from './ast.js';
import { type Parsed, Parser } from './parser-base.js';
import * as auth from './parser-auth.js';
import * as ddl from './parser-ddl.js';
import { parseDescribe } from './parser-describe.js';
import { parseCreateAggregate, parseCreateFunction, parseDropFunction } from './parser-functions.js';
import { parseBatch, parseDelete, parseInsert, parseSelect, parseUpdate } from './parser-dml.js';

/** Parses one statement, with an optional trailing ';'. Throws CqlError on bad input. */
export function parseStatement(text: string): Statement {
  const parser = new Parser(text);
  const statement = parseAny(parser);
  parser.acceptPunctuation(';');
  if (!parser.atEnd()) throw parser.mismatch('<EOF>');
  return { ...statement, bindMarkers: parser.markers };
}

function parseAny(p: Parser): Parsed<Statement> {
  const token = p.peek();
  if (token.kind !== 'identifier') throw p.noViableAlternative();
  switch (token.text) {
    case 'select': return parseSelect(p);
    case 'insert': return parseInsert(p);
    case 'update': return parseUpdate(p);
    case 'delete': return parseDelete(p);
    case 'begin': return parseBatch(p);
    case 'use': return ddl.parseUse(p);
    case 'truncate': return ddl.parseTruncate(p);
    case 'create': return parseCreate(p, p.next().position);
    case 'alter': return parseAlter(p, p.next().position);
    case 'drop': return parseDrop(p, p.next().position);
    case 'grant': return parseGrant(p, p.next().position);
    case 'revoke': return parseRevoke(p, p.next().position);
    case 'list': return parseList(p, p.next().position);
    case 'describe': case 'desc': return parseDescribe(p, p.next().position);
    default: throw p.noViableAlternative();
  }
}

/** Consumes the words of a feature that is recognised but not supported, and names it. */
function unsupported(p: Parser, head: { position: Position; verb: string; words: string[] }): Parsed<Statement> {
  for (const word of head.words) p.expectKeyword(word);
  const named = head.words.filter((word) => word !== 'custom');
  return ddl.parseUnsupported(p, { position: head.position, feature: `${head.verb} ${named.join(' ').toUpperCase()}` });
}

function parseCreate(p: Parser, position: Position): Parsed<Statement> {
  const word = p.peek().kind === 'identifier' ? p.peek().text : '';
  switch (word) {
    case 'keyspace': case 'schema': p.next(); return ddl.parseCreateKeyspace(p, position);
    case 'table': case 'columnfamily': p.next(); return ddl.parseCreateTable(p, position);
    case 'type': p.next(); return ddl.parseCreateType(p, position);
    case 'role': p.next(); return auth.parseCreateRole(p, position);
    case 'user': p.next(); return auth.parseCreateUser(p, position);
    case 'index': p.next(); return ddl.parseCreateIndex(p, position);
    case 'custom': return unsupported(p, { position, verb: 'CREATE', words: ['custom', 'index'] });
    case 'materialized': p.next(); p.expectKeyword('view'); return ddl.parseCreateView(p, position);
    case 'function': return parseCreateFunction(p, { position, orReplace: false });
    case 'aggregate': return parseCreateAggregate(p, { position, orReplace: false });
    case 'trigger': return unsupported(p, { position, verb: 'CREATE', words: ['trigger'] });
    case 'or': {
      p.next();
      p.expectKeyword('replace');
      if (p.isKeyword('aggregate')) return parseCreateAggregate(p, { position, orReplace: true });
      return parseCreateFunction(p, { position, orReplace: true });
    }
    default: throw p.noViableAlternative();
  }
}

function parseAlter(p: Parser, position: Position): Parsed<Statement> {
  const word = p.peek().kind === 'identifier' ? p.peek().text : '';
  switch (word) {
    case 'keyspace': case 'schema': p.next(); return ddl.parseAlterKeyspace(p, position);
    case 'table': case 'columnfamily': p.next(); return ddl.parseAlterTable(p, position);
    case 'type': p.next(); return ddl.parseAlterType(p, position);
    case 'role': p.next(); return auth.parseAlterRole(p, position);
    case 'user': p.next(); return auth.parseAlterUser(p, position);
    case 'materialized': p.next(); p.expectKeyword('view'); return ddl.parseAlterView(p, position);
    default: throw p.noViableAlternative();
  }
}

function parseDrop(p: Parser, position: Position): Parsed<Statement> {
  const word = p.peek().kind === 'identifier' ? p.peek().text : '';
  switch (word) {
    case 'keyspace': case 'schema': p.next(); return ddl.parseDropKeyspace(p, position);
    case 'table': case 'columnfamily': p.next(); return ddl.parseDropTable(p, position);
    case 'type': p.next(); return ddl.parseDropType(p, position);
    case 'role': p.next(); return auth.parseDropRole(p, position);
    case 'user': p.next(); return auth.parseDropUser(p, position);
    case 'index': p.next(); return ddl.parseDropIndex(p, position);
    case 'materialized': p.next(); p.expectKeyword('view'); return ddl.parseDropView(p, position);
    case 'function': case 'aggregate': return parseDropFunction(p, position);
    case 'trigger': return unsupported(p, { position, verb: 'DROP', words: ['trigger'] });
    default: throw p.noViableAlternative();
  }
}

function parseGrant(p: Parser, position: Position): Parsed<Statement> {
  if (auth.isRoleGrant(p, 'to')) return auth.parseGrantRole(p, position);
  return auth.parseGrantPermissions(p, position);
}

function parseRevoke(p: Parser, position: Position): Parsed<Statement> {
  if (auth.isRoleGrant(p, 'from')) return auth.parseRevokeRole(p, position);
  return auth.parseRevokePermissions(p, position);
}

function parseList(p: Parser, position: Position): Parsed<Statement> {
  if (p.isKeyword('roles')) return auth.parseListRoles(p, position);
  if (p.isKeyword('users')) return auth.parseListUsers(p, position);
  return auth.parseListPermissions(p, position);
}
