// Value codecs for every CQL data type (spec section 6, and 6.21 of v5 for duration).
// JS forms: text types string; int/smallint/tinyint number; bigint/counter/timestamp(ms)/
// time(ns)/varint bigint; date number (days since epoch); decimal {unscaled, scale};
// float/double number; boolean; blob Buffer; uuid/timeuuid lowercase string; inet string;
// duration {months, days, nanoseconds}; list/set arrays; map Array<[k, v]>; tuple arrays;
// udt Map<string, unknown>. An empty buffer of a fixed-width type decodes as null.
// Bad bytes or a bad JS value are the client's doing, so they throw invalidRequest.

import { unreachable } from '../common/assert.js';
import { invalidRequest } from '../common/errors.js';
import type { DataType, NativeTypeName } from './data-type.js';
import { decodeNative, encodeNative } from './native-codecs.js';
import { readCollectionCount, readElement, writeElement, writeCount } from './value-bytes.js';

export { encodeOption, decodeOption, writeOption, decodeOptionList, writeOptionList } from './type-options.js';

export interface Decimal {
  unscaled: bigint;
  scale: number;
}

export interface Duration {
  months: number;
  days: number;
  nanoseconds: bigint;
}

export function encodeValue(type: DataType, value: unknown): Buffer {
  switch (type.kind) {
    case 'native': return encodeNative(type.name, value);
    case 'custom': return expectBuffer(value, type.className);
    case 'list':
    case 'set': return encodeElements(type.element, expectArray(value, type.kind));
    case 'map': return encodeMap(type.key, type.value, { value });
    case 'tuple': return encodeTuple(type.elements, value);
    case 'udt': return encodeUdt(type, value);
    default: return unreachable(type, 'data type');
  }
}

export function decodeValue(type: DataType, bytes: Buffer): unknown {
  switch (type.kind) {
    case 'native': return decodeNative(type.name, bytes);
    case 'custom': return bytes;
    case 'list':
    case 'set': return bytes.length === 0 ? null : decodeElements(type.element, bytes);
    case 'map': return bytes.length === 0 ? null : decodeMap(type.key, type.value, { bytes });
    case 'tuple': return bytes.length === 0 ? null : decodeTuple(type.elements, bytes);
    case 'udt': return bytes.length === 0 ? null : decodeUdt(type.fields, bytes);
    default: return unreachable(type, 'data type');
  }
}

/** Checks that bytes are a valid serialized value of the type; throws invalidRequest if not. */
export function validateValue(type: DataType, bytes: Buffer): void {
  decodeValue(type, bytes);
}

/** Native type by name, for callers that have no DataType at hand. */
export function encodeNativeValue(name: NativeTypeName, value: unknown): Buffer {
  return encodeNative(name, value);
}

function expectBuffer(value: unknown, what: string): Buffer {
  if (!Buffer.isBuffer(value)) throw invalidRequest(`Expected a blob for ${what}`);
  return value;
}

function expectArray(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw invalidRequest(`Expected an array for a ${what} value`);
  return value;
}

function encodeElements(element: DataType, values: unknown[]): Buffer {
  const parts: Buffer[] = [writeCount(values.length)];
  for (const value of values) {
    if (value === null || value === undefined) throw invalidRequest('null is not supported inside collections');
    parts.push(writeElement(encodeValue(element, value)));
  }
  return Buffer.concat(parts);
}

function encodeMap(keyType: DataType, valueType: DataType, { value }: { value: unknown }): Buffer {
  const entries = value instanceof Map ? [...(value as Map<unknown, unknown>)] : expectArray(value, 'map');
  const parts: Buffer[] = [writeCount(entries.length)];
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2) throw invalidRequest('Expected [key, value] pairs for a map value');
    const [key, item] = entry as [unknown, unknown];
    if (key === null || key === undefined || item === null || item === undefined) {
      throw invalidRequest('null is not supported inside collections');
    }
    parts.push(writeElement(encodeValue(keyType, key)), writeElement(encodeValue(valueType, item)));
  }
  return Buffer.concat(parts);
}

function encodeTuple(types: DataType[], value: unknown): Buffer {
  const values = expectArray(value, 'tuple');
  if (values.length !== types.length) {
    throw invalidRequest(`Expected ${types.length} elements for a tuple, got ${values.length}`);
  }
  return Buffer.concat(types.map((type, index) => encodeOptional(type, values[index])));
}

function encodeUdt(type: Extract<DataType, { kind: 'udt' }>, value: unknown): Buffer {
  if (!(value instanceof Map)) throw invalidRequest(`Expected a Map of fields for user type ${type.name}`);
  const fields = value as Map<string, unknown>;
  const known = new Set(type.fields.map((field) => field.name));
  for (const name of fields.keys()) {
    if (!known.has(name)) throw invalidRequest(`Unknown field ${name} in user type ${type.name}`);
  }
  return Buffer.concat(type.fields.map((field) => encodeOptional(field.type, fields.get(field.name))));
}

/** A [bytes] element that may be null (tuple and user type fields). */
function encodeOptional(type: DataType, value: unknown): Buffer {
  return writeElement(value === null || value === undefined ? null : encodeValue(type, value));
}

function decodeElements(element: DataType, bytes: Buffer): unknown[] {
  const { count, offset: start } = readCollectionCount(bytes, 4);
  const values: unknown[] = [];
  let offset = start;
  for (let index = 0; index < count; index++) {
    const read = readElement(bytes, offset);
    if (read.value === null) throw invalidRequest('null is not supported inside collections');
    values.push(decodeValue(element, read.value));
    offset = read.offset;
  }
  expectConsumed(bytes, offset, { what: 'collection' });
  return values;
}

function decodeMap(keyType: DataType, valueType: DataType, { bytes }: { bytes: Buffer }): Array<[unknown, unknown]> {
  const { count, offset: start } = readCollectionCount(bytes, 8);
  const entries: Array<[unknown, unknown]> = [];
  let offset = start;
  for (let index = 0; index < count; index++) {
    const key = readElement(bytes, offset);
    const item = readElement(bytes, key.offset);
    if (key.value === null || item.value === null) throw invalidRequest('null is not supported inside collections');
    entries.push([decodeValue(keyType, key.value), decodeValue(valueType, item.value)]);
    offset = item.offset;
  }
  expectConsumed(bytes, offset, { what: 'map' });
  return entries;
}

/** Tuples may carry fewer elements than their type (the rest are null), never more. */
function decodeTuple(types: DataType[], bytes: Buffer): unknown[] {
  const values: unknown[] = [];
  let offset = 0;
  for (const type of types) {
    if (offset === bytes.length) {
      values.push(null);
      continue;
    }
    const read = readElement(bytes, offset);
    values.push(read.value === null ? null : decodeValue(type, read.value));
    offset = read.offset;
  }
  expectConsumed(bytes, offset, { what: 'tuple' });
  return values;
}

/** User type values may omit trailing fields (spec section 7); those decode as null. */
function decodeUdt(fields: Array<{ name: string; type: DataType }>, bytes: Buffer): Map<string, unknown> {
  const values = new Map<string, unknown>();
  let offset = 0;
  for (const field of fields) {
    if (offset === bytes.length) {
      values.set(field.name, null);
      continue;
    }
    const read = readElement(bytes, offset);
    values.set(field.name, read.value === null ? null : decodeValue(field.type, read.value));
    offset = read.offset;
  }
  expectConsumed(bytes, offset, { what: 'user type' });
  return values;
}

function expectConsumed(bytes: Buffer, offset: number, { what }: { what: string }): void {
  if (offset !== bytes.length) {
    throw invalidRequest(`Invalid ${what} value: ${bytes.length - offset} extra byte(s) after the last element`);
  }
}
