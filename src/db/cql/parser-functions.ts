// Grammar rules of user-defined functions and aggregates (Cassandra's Parser.g
// createFunctionStatement, dropFunctionStatement, createAggregateStatement,
// dropAggregateStatement). The caller has consumed CREATE [OR REPLACE] or DROP and peeks at
// FUNCTION or AGGREGATE.

import { tableColumnsMax } from '../common/limits.js';
import type { CreateAggregateStatement, CreateFunctionStatement, DropFunctionStatement, Position, TypeNode } from './ast.js';
import type { Parsed, Parser } from './parser-base.js';
import { parseTerm, parseType } from './parser-terms.js';

/** CREATE [OR REPLACE] FUNCTION [IF NOT EXISTS] ks.f (a int, ...) (CALLED | RETURNS NULL) ON NULL INPUT RETURNS t LANGUAGE l AS 'body'. */
export function parseCreateFunction(p: Parser, head: { position: Position; orReplace: boolean }): Parsed<CreateFunctionStatement> {
  p.expectKeyword('function');
  const ifNotExists = p.acceptKeywords('if', 'not', 'exists');
  const name = p.qualifiedName();
  const args: Array<{ name: string; type: TypeNode }> = [];
  p.expectPunctuation('(');
  if (!p.isPunctuation(')')) {
    do {
      if (args.length >= tableColumnsMax) throw p.failure(`more than ${tableColumnsMax} arguments`);
      const argument = p.name().name;
      args.push({ name: argument, type: parseType(p) });
    } while (p.acceptPunctuation(','));
  }
  p.expectPunctuation(')');
  let calledOnNullInput: boolean;
  if (p.acceptKeyword('called')) {
    calledOnNullInput = true;
  } else {
    p.expectKeyword('returns');
    p.expectKeyword('null');
    calledOnNullInput = false;
  }
  p.expectKeyword('on');
  p.expectKeyword('null');
  p.expectKeyword('input');
  p.expectKeyword('returns');
  const returnType = parseType(p);
  p.expectKeyword('language');
  const language = p.name().name;
  p.expectKeyword('as');
  const body = p.peek();
  if (body.kind !== 'string') throw p.mismatch('STRING_LITERAL');
  p.next();
  return {
    kind: 'createFunction', position: head.position, function: name, orReplace: head.orReplace, ifNotExists,
    arguments: args, calledOnNullInput, returnType, language, body: body.text,
  };
}

/** DROP FUNCTION|AGGREGATE [IF EXISTS] ks.f [(type, ...)]. */
export function parseDropFunction(p: Parser, position: Position): Parsed<DropFunctionStatement> {
  const kind = p.acceptKeyword('aggregate') ? 'dropAggregate' : (p.expectKeyword('function'), 'dropFunction');
  const ifExists = p.acceptKeywords('if', 'exists');
  const name = p.qualifiedName();
  const argumentTypes = p.isPunctuation('(') ? parseTypeList(p) : null;
  return { kind, position, function: name, ifExists, argumentTypes };
}

/** CREATE [OR REPLACE] AGGREGATE [IF NOT EXISTS] ks.a (type, ...) SFUNC f STYPE t [FINALFUNC g] [INITCOND term]. */
export function parseCreateAggregate(p: Parser, head: { position: Position; orReplace: boolean }): Parsed<CreateAggregateStatement> {
  p.expectKeyword('aggregate');
  const ifNotExists = p.acceptKeywords('if', 'not', 'exists');
  const name = p.qualifiedName();
  const argumentTypes = parseTypeList(p);
  p.expectKeyword('sfunc');
  const stateFunction = p.name().name;
  p.expectKeyword('stype');
  const stateType = parseType(p);
  const finalFunction = p.acceptKeyword('finalfunc') ? p.name().name : null;
  const initialCondition = p.acceptKeyword('initcond') ? parseTerm(p) : null;
  return {
    kind: 'createAggregate', position: head.position, aggregate: name, orReplace: head.orReplace, ifNotExists,
    argumentTypes, stateFunction, stateType, finalFunction, initialCondition,
  };
}

function parseTypeList(p: Parser): TypeNode[] {
  const types: TypeNode[] = [];
  p.expectPunctuation('(');
  if (!p.isPunctuation(')')) {
    do {
      if (types.length >= tableColumnsMax) throw p.failure(`more than ${tableColumnsMax} argument types`);
      types.push(parseType(p));
    } while (p.acceptPunctuation(','));
  }
  p.expectPunctuation(')');
  return types;
}
