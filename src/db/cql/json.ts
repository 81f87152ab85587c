// JSON values into CQL values (Cassandra's fromJSONObject of each type), for INSERT JSON and
// fromJson(), with Cassandra's messages: "Error decoding JSON value for v: Unable to make int
// from 'x'", "JSON values map contains unrecognized column: x", and so on.

import { CqlError, ErrorCode, invalidRequest } from '../common/errors.js';
import type { DataType, NativeTypeName } from '../protocol/data-type.js';
import { encodeValue } from '../protocol/type-codecs.js';
import { encodeCollection, encodeMapValue, sortedUnique } from './collection-order.js';
import { javaClassOf, javaTextOf, JsonNumber, JsonSyntaxError, parseJson, type JsonValue } from './json-parse.js';
import { literalToNative } from './literals.js';
import { writeElement } from '../protocol/value-bytes.js';

/** A value that cannot become the type: Cassandra's MarshalException, whose message is wrapped by the caller. */
export class JsonValueError extends Error {
  override name = 'JsonValueError';
}

const fail = (message: string): never => { throw new JsonValueError(message); };
const got = (what: string, value: JsonValue): never => fail(`Expected ${what}, but got a ${javaClassOf(value)}: ${javaTextOf(value)}`);

/** A column or field key as JSON gives it: "\"Name\"" is case-sensitive, anything else is lowercased. */
export function normalizeKey(key: string): string {
  return key.length >= 2 && key.startsWith('"') && key.endsWith('"') ? key.slice(1, -1) : key.toLowerCase();
}

/** The document of INSERT JSON: an object of columns, each known to the table. */
export function parseJsonDocument(text: string, { columns }: { columns: ReadonlySet<string> }): Map<string, JsonValue> {
  let parsed: JsonValue;
  try {
    parsed = parseJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw invalidRequest(`Could not decode JSON string as a map: ${error.message}`);
    throw error;
  }
  if (!(parsed instanceof Map)) throw invalidRequest(`Could not decode JSON string as a map: expected an object, got ${javaTextOf(parsed)}`);
  const document = new Map<string, JsonValue>();
  for (const [key, value] of parsed) {
    const name = normalizeKey(key);
    if (!columns.has(name)) throw invalidRequest(`JSON values map contains unrecognized column: ${name}`);
    document.set(name, value);
  }
  return document;
}

/** The text form, for the parsers of the types that also accept strings. */
function literal(type: NativeTypeName, { text, kind }: { text: string; kind: 'string' | 'integer' | 'float' }): unknown {
  return literalToNative({ kind: 'literal', type: kind, text, position: { line: 0, column: 0 } }, type, { receiver: '' });
}

function numberFrom(type: NativeTypeName, value: JsonValue, { javaName, what }: { javaName: string; what: string }): Buffer {
  const text = typeof value === 'string' ? value.trim() : value instanceof JsonNumber ? value.text : got(what, value);
  // Cassandra's int and bigint take JSON numbers only of Jackson's Integer (and Long) classes.
  const allowed = type === 'int' ? ['Integer'] : type === 'bigint' || type === 'counter' ? ['Integer', 'Long'] : null;
  if (value instanceof JsonNumber && allowed !== null && !allowed.includes(javaClassOf(value))) return got(what, value);
  const integral = /^[+-]?\d+$/.test(text);
  const numeric = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) || /^-?(NaN|Infinity)$/.test(text);
  const unable = () => fail(`Unable to make ${javaName} from '${text}'`);
  try {
    if (['tinyint', 'smallint', 'int', 'bigint', 'varint', 'counter'].includes(type)) {
      if (!integral) return unable();
      return encodeValue({ kind: 'native', name: type }, literal(type, { text: text.replace(/^\+/, ''), kind: 'integer' }));
    }
    if (!numeric) return unable();
    return encodeValue({ kind: 'native', name: type }, literal(type, { text, kind: integral ? 'integer' : 'float' }));
  } catch (error) {
    if (error instanceof CqlError) return unable();
    throw error;
  }
}

function stringFrom(type: NativeTypeName, value: JsonValue, { what, unable }: { what: string; unable: (text: string) => string }): Buffer {
  if (typeof value !== 'string') return got(what, value);
  try {
    return encodeValue({ kind: 'native', name: type }, literal(type, { text: value, kind: 'string' }));
  } catch (error) {
    if (error instanceof CqlError) return fail(unable(value));
    throw error;
  }
}

const numericNames: Partial<Record<NativeTypeName, { javaName: string; what: string }>> = {
  tinyint: { javaName: 'byte', what: 'a tinyint value' },
  smallint: { javaName: 'short', what: 'a smallint value' },
  int: { javaName: 'int', what: 'an int value' },
  bigint: { javaName: 'long', what: 'a bigint value' },
  counter: { javaName: 'long', what: 'a bigint value' },
  varint: { javaName: 'int', what: 'an int value' },
  float: { javaName: 'float', what: 'a float value' },
  double: { javaName: 'double', what: 'a double value' },
  decimal: { javaName: 'BigDecimal', what: 'a decimal value' },
};

function nativeFrom(name: NativeTypeName, value: JsonValue): Buffer {
  const numeric = numericNames[name];
  if (numeric !== undefined) return numberFrom(name, value, numeric);
  switch (name) {
    case 'text': case 'varchar':
      return typeof value === 'string' ? Buffer.from(value, 'utf8') : got('a UTF-8 string', value);
    case 'ascii':
      if (typeof value !== 'string') return got('an ascii string', value);
      return /^[\x00-\x7f]*$/.test(value) ? Buffer.from(value, 'ascii') : fail('Invalid ASCII character in string literal');
    case 'boolean': {
      if (typeof value === 'boolean') return encodeValue({ kind: 'native', name }, value);
      if (typeof value !== 'string') return got('a boolean value', value);
      const lower = value.toLowerCase();
      return lower === 'true' || lower === 'false' ? encodeValue({ kind: 'native', name }, lower === 'true') : fail(`Unable to make boolean from '${value}'`);
    }
    case 'blob': {
      if (typeof value !== 'string') return got('a string representation of a blob value', value);
      if (!value.startsWith('0x')) return fail(`String representation of blob is missing 0x prefix: ${value}`);
      const hex = value.slice(2);
      return /^([0-9a-fA-F]{2})*$/.test(hex) ? Buffer.from(hex, 'hex') : fail(`Value '${value}' is not a valid blob representation`);
    }
    case 'timestamp':
      if (value instanceof JsonNumber && value.integral) return encodeValue({ kind: 'native', name }, BigInt(value.text));
      return stringFrom(name, value, { what: 'a long or a datestring representation of a timestamp value', unable: (t) => `Unable to coerce '${t}' to a formatted date (long)` });
    case 'date':
      return stringFrom(name, value, { what: 'a string representation of a date value', unable: (t) => `Unable to coerce '${t}' to a formatted date (long)` });
    case 'time':
      if (value instanceof JsonNumber && value.integral) return encodeValue({ kind: 'native', name }, BigInt(value.text));
      return stringFrom(name, value, { what: 'a string representation of a time value', unable: (t) => `Unable to coerce '${t}' to a formatted time (long)` });
    case 'uuid': case 'timeuuid':
      return stringFrom(name, value, { what: 'a string representation of a uuid', unable: (t) => `Unable to make UUID from '${t}'` });
    case 'inet':
      return stringFrom(name, value, { what: 'a string representation of an inet value', unable: (t) => `Unable to make inet address from '${t}'` });
    case 'duration':
      return stringFrom(name, value, { what: 'a string representation of a duration value', unable: (t) => `Unable to convert '${t}' to a duration` });
    default:
      return fail(`JSON is not supported for values of type ${name}`);
  }
}

/** A non-null JSON value as a value of the type. */
export function valueFromJson(type: DataType, value: JsonValue): Buffer {
  if (value === null) return fail('Invalid null value in JSON');
  switch (type.kind) {
    case 'native': return nativeFrom(type.name, value);
    case 'custom': return fail(`JSON is not supported for values of type ${type.className}`);
    case 'list': case 'set': {
      if (!Array.isArray(value)) return got(type.kind === 'list' ? 'a list' : 'a list (representing a set)', value);
      const items = value.map((item) => (item === null ? fail(`Invalid null element in ${type.kind}`) : valueFromJson(type.element, item)));
      return encodeCollection(type.kind === 'set' ? sortedUnique(items, type.element) : items);
    }
    case 'map': {
      if (!(value instanceof Map)) return got('a map', value);
      const entries = [...value].map(([key, item]): [Buffer, Buffer] => {
        if (item === null) return fail('Invalid null value in map');
        return [valueFromJson(type.key, mapKey(type.key, key)), valueFromJson(type.value, item)];
      });
      return encodeMapValue(entries, type.key);
    }
    case 'tuple': {
      if (!Array.isArray(value)) return got('a list representation of a tuple', value);
      if (value.length > type.elements.length) return fail(`Tuple contains extra items (expected ${type.elements.length}): ${javaTextOf(value)}`);
      return Buffer.concat(type.elements.map((element, i) => writeElement(value[i] === undefined || value[i] === null ? null : valueFromJson(element, value[i]!))));
    }
    case 'udt': {
      if (!(value instanceof Map)) return got('a map', value);
      const fields = new Map([...value].map(([key, item]) => [normalizeKey(key), item] as const));
      for (const key of fields.keys()) {
        if (!type.fields.some((f) => f.name === key)) return fail(`Unknown field '${key}' in value of user defined type ${type.name}`);
      }
      return Buffer.concat(type.fields.map((f) => {
        const item = fields.get(f.name);
        return writeElement(item === undefined || item === null ? null : valueFromJson(f.type, item));
      }));
    }
  }
}

/** A map key: string-like keys are the JSON key itself; other key types are the key parsed as JSON. */
function mapKey(type: DataType, key: string): JsonValue {
  if (type.kind === 'native' && ['text', 'varchar', 'ascii', 'timestamp', 'date', 'time', 'uuid', 'timeuuid', 'inet', 'duration', 'blob'].includes(type.name)) return key;
  try {
    return parseJson(key);
  } catch {
    return key;
  }
}

/** A column of INSERT JSON: its value, null (DEFAULT NULL) or absent (DEFAULT UNSET) when the document lacks it. */
export function columnFromJson(document: ReadonlyMap<string, unknown>, column: { name: string; type: DataType }): Buffer | null | undefined {
  if (!document.has(column.name)) return undefined;
  const value = document.get(column.name) as JsonValue;
  if (value === null) return null;
  try {
    return valueFromJson(column.type, value);
  } catch (error) {
    if (error instanceof JsonValueError) throw invalidRequest(`Error decoding JSON value for ${column.name}: ${error.message}`);
    throw error;
  }
}

/** fromJson(text) into the receiver's type; failures are FunctionFailure as Cassandra's FromJsonFct reports them. */
export function fromJsonFunction(type: DataType, text: string): Buffer | null {
  const failure = (detail: string) => new CqlError(ErrorCode.FunctionFailure, `execution of 'system.fromjson[text]' failed: ${detail}`, {
    kind: 'functionFailure', keyspace: 'system', functionName: 'fromjson', argTypes: ['text'],
  });
  let parsed: JsonValue;
  try {
    parsed = parseJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) throw failure(`Could not decode JSON string '${text}': ${error.message}`);
    throw error;
  }
  if (parsed === null) return null;
  try {
    return valueFromJson(type, parsed);
  } catch (error) {
    if (error instanceof JsonValueError) throw failure(error.message);
    throw error;
  }
}
