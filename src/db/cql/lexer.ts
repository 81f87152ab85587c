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

// Two-character punctuation is tried first, so that '<=' wins over '<' and '..' over '.'.
const twoCharacterPunctuations: ReadonlySet<string> = new Set(['..', '<=', '>=', '!=', '+=', '-=']);
const oneCharacterPunctuations: ReadonlySet<string> = new Set([
  '(', ')', ',', ';', '.', '*', '=', '<', '>', '[', ']', '{', '}', ':', '?', '+', '-', '/', '%',
]);

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

/**
 * Produces tokens one at a time, so the parser holds only a window of them rather than the
 * whole statement's worth (a 16 MiB statement can hold millions of tokens).
 */
export class Lexer {
  private offset = 0;
  private line = 1;
  private lineStart = 0;

  /** Throws Invalid when the text is longer than queryTextBytesMax. */
  constructor(private readonly text: string) {
    checkLength(text);
  }

  /** The next token; 'eof' at the end (and again on every later call). Throws CqlError on bad input. */
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
    if (char === "'") return this.quoted("'", 'string', { position });
    if (char === '"') return this.quoted('"', 'quotedName', { position });
    if (char === '$' && this.text.startsWith('$$', this.offset)) return this.dollarString(position);
    // A UUID is 8 hex digits and a '-': only then is it worth trying the pattern.
    if (isHexDigit(char) && this.text[this.offset + 8] === '-') {
      const uuid = this.match(uuidPattern, 'uuid', { position });
      if (uuid !== null) return uuid;
    }
    if (isDigit(char)) return this.numeric(char, position);
    if (isLetter(char)) {
      if (char === 'p' || char === 'P') {
        const duration = this.match(isoDurationPattern, 'duration', { position });
        if (duration !== null) return duration;
      }
      return this.word(position);
    }
    if (twoCharacterPunctuations.has(this.text.slice(this.offset, this.offset + 2))) return this.take(2, 'punctuation', { position });
    if (oneCharacterPunctuations.has(char)) return this.take(1, 'punctuation', { position });
    return null;
  }

  /** A hex blob, a duration such as 1h30m, or a number. */
  private numeric(char: string, position: Position): Token {
    const after = this.text[this.offset + 1];
    if (char === '0' && (after === 'x' || after === 'X')) {
      const hex = this.match(hexPattern, 'hex', { position });
      if (hex !== null) return hex;
    }
    let end = this.offset + 1;
    while (end < this.text.length && isDigit(this.text[end] as string)) end += 1;
    const unit = this.text[end];
    if (unit !== undefined && (isLetter(unit) || unit === 'µ')) {
      const duration = this.match(unitDurationPattern, 'duration', { position });
      if (duration !== null) return duration;
    }
    return this.number(position);
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

  private quoted(quote: string, kind: TokenKind, { position }: { position: Position }): Token {
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

  private match(pattern: RegExp, kind: TokenKind, { position }: { position: Position }): Token | null {
    pattern.lastIndex = this.offset;
    const found = pattern.exec(this.text);
    if (found === null) return null;
    return this.take(found[0].length, kind, { position });
  }

  private number(position: Position): Token {
    numberPattern.lastIndex = this.offset;
    const found = numberPattern.exec(this.text);
    const raw = found?.[0] ?? '';
    const isFloat = /[.eE]/.test(raw);
    return this.take(raw.length, isFloat ? 'float' : 'integer', { position });
  }

  private word(position: Position): Token {
    identifierPattern.lastIndex = this.offset;
    const raw = identifierPattern.exec(this.text)?.[0] ?? '';
    const lower = raw.toLowerCase();
    const token = this.take(raw.length, lower === 'true' || lower === 'false' ? 'boolean' : 'identifier', { position });
    token.text = lower;
    return token;
  }

  private take(length: number, kind: TokenKind, { position }: { position: Position }): Token {
    const start = this.offset;
    const raw = this.text.slice(start, start + length);
    this.offset += length;
    return { kind, text: raw, raw, offset: start, position };
  }
}

function isDigit(char: string): boolean {
  return char >= '0' && char <= '9';
}

function isLetter(char: string): boolean {
  return (char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z');
}

function isHexDigit(char: string): boolean {
  return isDigit(char) || (char >= 'a' && char <= 'f') || (char >= 'A' && char <= 'F');
}
