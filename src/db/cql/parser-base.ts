// The token cursor the parser's grammar functions share: lookahead, keyword and punctuation
// matching, names, error messages in Cassandra's style, the nesting bound and bind markers.

import { boundValuesMax, errorTextLengthMax, parserDepthMax } from '../common/limits.js';
import { CqlError, ErrorCode, invalidRequest, syntaxError } from '../common/errors.js';
import { assert } from '../common/assert.js';
import type { BindMarker, ColumnRef, Position, QualifiedName } from './ast.js';
import { reservedKeywords } from './keywords.js';
import { Lexer, type Token } from './lexer.js';

/** Tokens of context shown before the offending one in syntax error messages. */
const errorContextTokens = 5;
/** Tokens behind the current one at which the parser drops those it no longer needs. */
const tokenWindowTrim = 1024;

function shorten(text: string): string {
  return text.length <= errorTextLengthMax ? text : `${text.slice(0, errorTextLengthMax)}...`;
}

/** A statement as a grammar rule returns it; parseStatement adds the bind markers. */
export type Parsed<T> = T extends unknown ? Omit<T, 'bindMarkers'> : never;

export interface Name {
  name: string;
  position: Position;
}

export class Parser {
  private readonly lexer: Lexer;
  /** Tokens read so far and still needed; buffer[0] is token number `base` of the statement. */
  private buffer: Token[] = [];
  private base = 0;
  /** Number of the current token. */
  private index = 0;
  private depth = 0;
  /** Attempts in progress: while any is, no token may be dropped (they may rewind). */
  private attempts = 0;
  /** Set on errors that must never be backtracked over: lexical errors, the nesting bound. */
  private fatal = false;
  readonly markers: BindMarker[] = [];

  constructor(private readonly text: string) {
    this.lexer = new Lexer(text);
  }

  peek(ahead = 0): Token {
    const wanted = this.index + ahead - this.base;
    while (this.buffer.length <= wanted) {
      const last = this.buffer[this.buffer.length - 1];
      if (last?.kind === 'eof') return last;
      this.buffer.push(this.lex());
    }
    return this.buffer[wanted] as Token;
  }

  private lex(): Token {
    try {
      return this.lexer.next();
    } catch (error) {
      this.fatal = true;
      throw error;
    }
  }

  next(): Token {
    const token = this.peek();
    if (token.kind === 'eof') return token;
    this.index += 1;
    const behind = this.index - this.base;
    if (this.attempts === 0 && behind >= tokenWindowTrim) {
      // Nothing can rewind now: keep only the tokens error messages quote as context.
      const drop = behind - errorContextTokens;
      this.buffer = this.buffer.slice(drop);
      this.base += drop;
    }
    return token;
  }

  get position(): Position {
    return this.peek().position;
  }

  atEnd(): boolean {
    return this.peek().kind === 'eof';
  }

  // --- keywords and punctuation

  isKeyword(word: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'identifier' && token.text === word;
  }

  acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.next();
    return true;
  }

  expectKeyword(word: string): Token {
    if (!this.isKeyword(word)) throw this.mismatch(`K_${word.toUpperCase()}`);
    return this.next();
  }

  /** Accepts a sequence of keywords (e.g. IF NOT EXISTS) when the first one is present. */
  acceptKeywords(...words: string[]): boolean {
    const [first, ...rest] = words;
    assert(first !== undefined, 'acceptKeywords needs a keyword');
    if (!this.acceptKeyword(first)) return false;
    for (const word of rest) this.expectKeyword(word);
    return true;
  }

  isPunctuation(text: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'punctuation' && token.text === text;
  }

  acceptPunctuation(text: string): boolean {
    if (!this.isPunctuation(text)) return false;
    this.next();
    return true;
  }

  expectPunctuation(text: string): Token {
    if (!this.isPunctuation(text)) throw this.mismatch(`'${text}'`);
    return this.next();
  }

  // --- names

  /** Whether the token can be a name: quoted, or unquoted and not a reserved keyword. */
  isName(ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === 'quotedName' || (token.kind === 'identifier' && !reservedKeywords.has(token.text));
  }

  /** An identifier: lowercased when unquoted, as written when double-quoted. */
  name(): Name {
    if (!this.isName()) throw this.mismatch('IDENT');
    const token = this.next();
    return { name: token.text, position: token.position };
  }

  columnRef(): ColumnRef {
    return this.name();
  }

  /** `name` or `keyspace.name`. */
  qualifiedName(): QualifiedName {
    this.rejectMarker('keyspace or table names');
    const first = this.name();
    if (!this.acceptPunctuation('.')) return { keyspace: null, name: first.name, position: first.position };
    this.rejectMarker('keyspace or table names');
    const second = this.name();
    return { keyspace: first.name, name: second.name, position: first.position };
  }

  /** Cassandra gives this message for markers used where names belong. */
  rejectMarker(what: string): void {
    if (this.isPunctuation('?') || (this.isPunctuation(':') && this.isName(1))) {
      throw this.failure(`Bind variables cannot be used for ${what}`);
    }
  }

  // --- bind markers

  /** Consumes `?` or `:name` and numbers it; the caller has checked isMarker(). */
  marker(): BindMarker {
    const token = this.next();
    let name: string | null = null;
    if (token.text === ':') name = this.name().name;
    else assert(token.text === '?', 'marker() called off a marker');
    if (this.markers.length >= boundValuesMax) {
      throw invalidRequest(`Too many bind markers: more than ${boundValuesMax}`);
    }
    const marker: BindMarker = { kind: 'bindMarker', index: this.markers.length, name, position: token.position };
    this.markers.push(marker);
    return marker;
  }

  isMarker(): boolean {
    return this.isPunctuation('?') || (this.isPunctuation(':') && this.isName(1));
  }

  // --- nesting and backtracking

  /** Runs a grammar rule one nesting level deeper; the depth is bounded (parserDepthMax). */
  nested<T>(rule: () => T): T {
    if (this.depth >= parserDepthMax) {
      this.fatal = true;
      throw this.failure(`nesting deeper than the maximum of ${parserDepthMax} levels`);
    }
    this.depth += 1;
    try {
      return rule();
    } finally {
      this.depth -= 1;
    }
  }

  /**
   * Tries a rule; on a syntax error rewinds (tokens and markers) and returns null. Used where
   * CQL needs more than one token of lookahead, e.g. `(type) term` versus a tuple.
   */
  attempt<T>(rule: () => T): T | null {
    const index = this.index;
    const markerCount = this.markers.length;
    const depth = this.depth;
    this.attempts += 1;
    try {
      return rule();
    } catch (error) {
      const rewindable = error instanceof CqlError && error.code === ErrorCode.SyntaxError && !this.fatal;
      if (!rewindable) throw error;
      this.index = index;
      this.markers.length = markerCount;
      this.depth = depth;
      return null;
    } finally {
      this.attempts -= 1;
    }
  }

  // --- errors

  /** "line 1:9 mismatched input 'FORM' expecting K_FROM (SELECT * [FORM]...)". */
  mismatch(expected: string, token: Token = this.peek()): CqlError {
    return syntaxError(`line ${token.position.line}:${token.position.column} mismatched input '${shorten(token.raw)}' expecting ${expected} ${this.context(token)}`);
  }

  /** For a token that starts none of the alternatives allowed here. */
  noViableAlternative(token: Token = this.peek()): CqlError {
    return syntaxError(`line ${token.position.line}:${token.position.column} no viable alternative at input '${shorten(token.raw)}' ${this.context(token)}`);
  }

  /** A syntax error with a custom message, placed at `token`. */
  failure(message: string, token: Token = this.peek()): CqlError {
    return syntaxError(`line ${token.position.line}:${token.position.column} ${message} ${this.context(token)}`);
  }

  private context(token: Token): string {
    const at = this.buffer.indexOf(token);
    const first = at === -1 ? token : this.buffer[Math.max(0, at - errorContextTokens)] ?? token;
    let before = this.text.slice(first.offset, token.offset).replace(/\s+/g, ' ');
    if (before.length > errorTextLengthMax) before = `...${before.slice(-errorTextLengthMax)}`;
    return `(${before}[${shorten(token.raw)}]...)`;
  }
}
