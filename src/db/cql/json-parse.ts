// A JSON parser for INSERT JSON and fromJson(): numbers keep their text (a bigint or varint
// must not pass through a double), objects keep duplicate keys in order (the last one wins,
// as with Jackson's map), and nesting is bounded.

import { parserDepthMax } from '../common/limits.js';

export class JsonNumber {
  constructor(readonly text: string) {}
  get integral(): boolean {
    return /^-?\d+$/.test(this.text);
  }
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | Map<string, JsonValue>;

export class JsonSyntaxError extends Error {
  override name = 'JsonSyntaxError';
}

/** Parses a whole JSON text; throws JsonSyntaxError naming the offset of the problem. */
export function parseJson(text: string): JsonValue {
  const parser = new JsonParser(text);
  const value = parser.value(0);
  parser.skipSpace();
  if (parser.offset !== text.length) throw parser.fail('unexpected text after the value');
  return value;
}

const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class JsonParser {
  offset = 0;
  constructor(private readonly text: string) {}

  fail(why: string): JsonSyntaxError {
    const found = this.offset < this.text.length ? `'${this.text[this.offset]}'` : 'end of input';
    return new JsonSyntaxError(`${why} at character ${this.offset} (found ${found})`);
  }

  skipSpace(): void {
    while (this.offset < this.text.length && ' \t\n\r'.includes(this.text[this.offset]!)) this.offset++;
  }

  value(depth: number): JsonValue {
    if (depth > parserDepthMax) throw this.fail(`nesting deeper than ${parserDepthMax} levels`);
    this.skipSpace();
    const char = this.text[this.offset];
    if (char === '{') return this.object(depth);
    if (char === '[') return this.array(depth);
    if (char === '"') return this.string();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.offset)) {
        this.offset += word.length;
        return value;
      }
    }
    numberPattern.lastIndex = this.offset;
    const match = numberPattern.exec(this.text);
    if (match === null) throw this.fail('unexpected character');
    this.offset += match[0].length;
    return new JsonNumber(match[0]);
  }

  private object(depth: number): Map<string, JsonValue> {
    this.offset++;
    const out = new Map<string, JsonValue>();
    this.skipSpace();
    if (this.text[this.offset] === '}') {
      this.offset++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.offset] !== '"') throw this.fail('expected a field name in double quotes');
      const key = this.string();
      this.skipSpace();
      if (this.text[this.offset] !== ':') throw this.fail("expected ':'");
      this.offset++;
      out.delete(key);
      out.set(key, this.value(depth + 1));
      this.skipSpace();
      const next = this.text[this.offset++];
      if (next === '}') return out;
      if (next !== ',') {
        this.offset--;
        throw this.fail("expected ',' or '}'");
      }
    }
  }

  private array(depth: number): JsonValue[] {
    this.offset++;
    const out: JsonValue[] = [];
    this.skipSpace();
    if (this.text[this.offset] === ']') {
      this.offset++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.skipSpace();
      const next = this.text[this.offset++];
      if (next === ']') return out;
      if (next !== ',') {
        this.offset--;
        throw this.fail("expected ',' or ']'");
      }
    }
  }

  private string(): string {
    const start = this.offset;
    this.offset++;
    for (;;) {
      const char = this.text[this.offset];
      if (char === undefined) throw this.fail('unterminated string');
      if (char === '"') break;
      if (char === '\\') this.offset++;
      else if (char < ' ') throw this.fail('control character in a string');
      this.offset++;
    }
    this.offset++;
    try {
      return JSON.parse(this.text.slice(start, this.offset)) as string;
    } catch {
      this.offset = start;
      throw this.fail('invalid escape in a string');
    }
  }
}

/** The Java class Jackson would have made of a value, as Cassandra's messages name it. */
export function javaClassOf(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return 'Boolean';
  if (typeof value === 'string') return 'String';
  if (value instanceof JsonNumber) {
    if (!value.integral) return 'Double';
    const n = BigInt(value.text);
    if (n >= -(2n ** 31n) && n < 2n ** 31n) return 'Integer';
    return n >= -(2n ** 63n) && n < 2n ** 63n ? 'Long' : 'BigInteger';
  }
  return Array.isArray(value) ? 'ArrayList' : 'LinkedHashMap';
}

/** A value as Java's toString of Jackson's object prints it, for error messages. */
export function javaTextOf(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(javaTextOf).join(', ')}]`;
  return `{${[...value].map(([k, v]) => `${k}=${javaTextOf(v)}`).join(', ')}}`;
}
