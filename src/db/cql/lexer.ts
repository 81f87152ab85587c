// The CQL lexer: text -> tokens, following the token rules of Cassandra's Lexer.g.
// Keywords are not a token kind of their own: an unquoted identifier is a keyword where the
// parser expects one (most keywords are also valid names; see keywords.ts).

import { queryTextBytesMax } from '../common/limits.js';
import { invalidRequest, syntaxError } from '../common/errors.js';
import type { Position } from './ast.js';

export type TokenKind =
  | 'identifier' // unquoted; `text` is lowercased
  | 'quotedName' // "..."; `text` is the unescaped content, case preserved
  | 'string' // '...' or $$...$$; `text` is the unescaped content
  | 'integer'
  | 'float'
  | 'boolean' // `text` is 'true' | 'false'
  | 'uuid'
  | 'hex'
  | 'duration'
  | 'punctuation'
  | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  /** The token exactly as written (for error messages). */
  raw: string;
  /** Offset of the token's first character in the statement text. */
  offset: number;
  position: Position;
}

// Longest first, so that '<=' wins over '<' and '..' over '.'.
const punctuations = ['..', '<=', '>=', '!=', '+=', '-=', '(', ')', ',', ';', '.', '*', '=', '<', '>', '[', ']', '{', '}', ':', '?', '+', '-', '/', '%'];

const uuidPattern = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![a-z0-9_])/iy;
const hexPattern = /0x[0-9a-f]*(?![a-z0-9_])/iy;
// Durations: 1h30m, 12mo3d, 1y, 10us, 10µs; ISO 8601: P1Y2M3DT4H5M6S, P2W, P0001-02-03T04:05:06.
const unitDurationPattern = /(?:[0-9]+(?:mo|ms|us|µs|ns|y|w|d|h|m|s))+(?![a-z0-9_])/iy;
const isoDurationPattern = /p(?:(?=[0-9]|t[0-9])(?:[0-9]+y)?(?:[0-9]+m)?(?:[0-9]+d)?(?:t(?=[0-9])(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?)?|[0-9]+w|[0-9]{4}-[0-9]{2}-[0-9]{2}t[0-9]{2}:[0-9]{2}:[0-9]{2})(?![a-z0-9_])/iy;
// A '.' directly followed by another '.' is a range ('1..3'), not a decimal point.
const numberPattern = /[0-9]+(?:\.(?!\.)[0-9]*)?(?:e[+-]?[0-9]+)?/iy;
const identifierPattern = /[a-z][a-z0-9_]*/iy;

/** Splits statement text into tokens, ending with one 'eof' token. Throws CqlError on bad input. */
export function tokenize(text: string): Token[] {
  checkLength(text);
  const lexer = new Lexer(text);
  const tokens: Token[] = [];
  for (;;) {
    const token = lexer.next();
    tokens.push(token);
    if (token.kind === 'eof') return tokens;
  }
}

function checkLength(text: string): void {
  // A UTF-16 code unit takes at most 3 UTF-8 bytes; count exactly only near the bound.
  if (text.length * 3 <= queryTextBytesMax) return;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > queryTextBytesMax) {
    throw invalidRequest(`Query text of ${bytes} bytes exceeds the maximum of ${queryTextBytesMax} bytes`);
  }
}

class Lexer {
  private offset = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly text: string) {}

  next(): Token {
    this.skipWhitespaceAndComments();
    const start = this.offset;
    const position = this.position();
    if (start >= this.text.length) return { kind: 'eof', text: '', raw: '<EOF>', offset: start, position };
    const char = this.text[start] as string;
    const token = this.scan(char, position);
    if (token === null) {
      throw syntaxError(`line ${position.line}:${position.column} no viable alternative at character '${char}'`);
    }
    return token;
  }

  private scan(char: string, position: Position): Token | null {
    if (char === "'") return this.quoted("'", 'string', position);
    if (char === '"') return this.quoted('"', 'quotedName', position);
    if (char === '$' && this.text.startsWith('$$', this.offset)) return this.dollarString(position);
    if (/[0-9a-fA-F]/.test(char)) {
      const uuid = this.match(uuidPattern, 'uuid', position);
      if (uuid !== null) return uuid;
    }
    if (/[0-9]/.test(char)) {
      return this.match(hexPattern, 'hex', position) ??
        this.match(unitDurationPattern, 'duration', position) ??
        this.number(position);
    }
    if (/[a-zA-Z]/.test(char)) {
      if (char === 'p' || char === 'P') {
        const duration = this.match(isoDurationPattern, 'duration', position);
        if (duration !== null) return duration;
      }
      return this.word(position);
    }
    for (const punctuation of punctuations) {
      if (this.text.startsWith(punctuation, this.offset)) return this.take(punctuation.length, 'punctuation', position);
    }
    return null;
  }

  private position(): Position {
    return { line: this.line, column: this.offset - this.lineStart };
  }

  private skipWhitespaceAndComments(): void {
    const text = this.text;
    while (this.offset < text.length) {
      const char = text[this.offset] as string;
      if (char === '\n') {
        this.offset += 1;
        this.line += 1;
        this.lineStart = this.offset;
      } else if (char === ' ' || char === '\t' || char === '\r') {
        this.offset += 1;
      } else if (text.startsWith('--', this.offset) || text.startsWith('//', this.offset)) {
        const end = text.indexOf('\n', this.offset);
        this.offset = end === -1 ? text.length : end;
      } else if (text.startsWith('/*', this.offset)) {
        this.skipBlockComment();
      } else {
        return;
      }
    }
  }

  private skipBlockComment(): void {
    const position = this.position();
    const end = this.text.indexOf('*/', this.offset + 2);
    if (end === -1) throw syntaxError(`line ${position.line}:${position.column} unterminated comment`);
    this.advanceTo(end + 2);
  }

  /** Moves to `end`, keeping line and column right across newlines. */
  private advanceTo(end: number): void {
    for (let index = this.offset; index < end; index++) {
      if (this.text.charCodeAt(index) === 10) {
        this.line += 1;
        this.lineStart = index + 1;
      }
    }
    this.offset = end;
  }

  private quoted(quote: string, kind: TokenKind, position: Position): Token {
    const start = this.offset;
    let index = start + 1;
    let content = '';
    for (;;) {
      const end = this.text.indexOf(quote, index);
      if (end === -1) {
        throw syntaxError(`line ${position.line}:${position.column} mismatched character '<EOF>' expecting '${quote}'`);
      }
      content += this.text.slice(index, end);
      if (this.text[end + 1] !== quote) {
        index = end + 1;
        break;
      }
      content += quote; // a doubled quote stands for one
      index = end + 2;
    }
    if (kind === 'quotedName' && content === '') {
      throw syntaxError(`line ${position.line}:${position.column} empty quoted identifier ""`);
    }
    const raw = this.text.slice(start, index);
    this.advanceTo(index);
    return { kind, text: content, raw, offset: start, position };
  }

  private dollarString(position: Position): Token {
    const start = this.offset;
    const end = this.text.indexOf('$$', start + 2);
    if (end === -1) throw syntaxError(`line ${position.line}:${position.column} mismatched character '<EOF>' expecting '$$'`);
    const raw = this.text.slice(start, end + 2);
    this.advanceTo(end + 2);
    return { kind: 'string', text: raw.slice(2, -2), raw, offset: start, position };
  }

  private match(pattern: RegExp, kind: TokenKind, position: Position): Token | null {
    pattern.lastIndex = this.offset;
    const found = pattern.exec(this.text);
    if (found === null) return null;
    return this.take(found[0].length, kind, position);
  }

  private number(position: Position): Token {
    numberPattern.lastIndex = this.offset;
    const found = numberPattern.exec(this.text);
    const raw = found?.[0] ?? '';
    const isFloat = /[.eE]/.test(raw);
    return this.take(raw.length, isFloat ? 'float' : 'integer', position);
  }

  private word(position: Position): Token {
    identifierPattern.lastIndex = this.offset;
    const raw = identifierPattern.exec(this.text)?.[0] ?? '';
    const lower = raw.toLowerCase();
    const token = this.take(raw.length, lower === 'true' || lower === 'false' ? 'boolean' : 'identifier', position);
    token.text = lower;
    return token;
  }

  private take(length: number, kind: TokenKind, position: Position): Token {
    const start = this.offset;
    const raw = this.text.slice(start, start + length);
    this.offset += length;
    return { kind, text: raw, raw, offset: start, position };
  }
}
