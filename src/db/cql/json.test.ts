// JSON in and out: Cassandra's toJSONString of every type (SELECT JSON, toJson) and its
// fromJSONObject (INSERT JSON, fromJson), with its error messages.

import test from 'node:test';
import assert from 'node:assert/strict';
import { CqlError, ErrorCode } from '../common/errors.js';
import type { DataType, NativeTypeName } from '../protocol/data-type.js';
import { decodeValue, encodeValue } from '../protocol/type-codecs.js';
import { parseJson, JsonNumber } from './json-parse.js';
import { columnFromJson, fromJsonFunction, parseJsonDocument, valueFromJson } from './json.js';
import { valueJson } from './value-text.js';

const t = (name: NativeTypeName): DataType => ({ kind: 'native', name });
const json = (type: DataType, value: unknown) => valueJson(type, encodeValue(type, value));

test('toJSONString of native types', () => {
  assert.equal(json(t('text'), 'a"b\n'), '"a\\"b\\n"');
  assert.equal(json(t('int'), -3), '-3');
  assert.equal(json(t('bigint'), 9007199254740993n), '9007199254740993');
  assert.equal(json(t('double'), 1), '1.0');
  assert.equal(json(t('float'), Math.fround(1.1)), '1.1');
  assert.equal(json(t('double'), NaN), 'null');
  assert.equal(json(t('decimal'), { unscaled: 1n, scale: 8 }), '1E-8');
  assert.equal(json(t('boolean'), true), 'true');
  assert.equal(json(t('blob'), Buffer.from([1, 255])), '"0x01ff"');
  assert.equal(json(t('timestamp'), 1296705900000n), '"2011-02-03 04:05:00.000Z"');
  assert.equal(json(t('date'), 15008), '"2011-02-03"');
  assert.equal(json(t('time'), 3_723_000_000_001n), '"01:02:03.000000001"');
  assert.equal(json(t('uuid'), '550e8400-e29b-41d4-a716-446655440000'), '"550e8400-e29b-41d4-a716-446655440000"');
  assert.equal(json(t('inet'), '127.0.0.1'), '"127.0.0.1"');
  assert.equal(json(t('duration'), { months: 14, days: 3, nanoseconds: 3_600_000_000_000n }), '"1y2mo3d1h"');
});

test('toJSONString of collections, tuples and user types', () => {
  assert.equal(json({ kind: 'list', element: t('int'), frozen: false }, [1, 2]), '[1, 2]');
  assert.equal(json({ kind: 'map', key: t('text'), value: t('int'), frozen: false }, [['a', 1], ['b', 2]]), '{"a": 1, "b": 2}');
  assert.equal(json({ kind: 'map', key: t('int'), value: t('text'), frozen: false }, [[1, 'x']]), '{"1": "x"}');
  assert.equal(json({ kind: 'tuple', elements: [t('int'), t('text')] }, [1, null]), '[1, null]');
  const udt: DataType = { kind: 'udt', keyspace: 'ks', name: 'u', fields: [{ name: 'a', type: t('int') }, { name: 'Bee', type: t('text') }], frozen: true };
  assert.equal(json(udt, new Map<string, unknown>([['a', 1], ['Bee', 'x']])), '{"a": 1, "\\"Bee\\"": "x"}');
});

test('the parser keeps big numbers exact and the last of duplicate keys', () => {
  const parsed = parseJson('{"a": 12345678901234567890, "b": [1.5, null, true], "a": 7}') as Map<string, unknown>;
  assert.deepEqual([...parsed.keys()], ['b', 'a']);
  assert.equal((parsed.get('a') as JsonNumber).text, '7');
  assert.throws(() => parseJson('{"a": }'), /unexpected character at character 6/);
  assert.throws(() => parseJson('[1] x'), /unexpected text after the value/);
});

test('fromJSONObject of each type, strings accepted where Cassandra accepts them', () => {
  const from = (type: DataType, text: string) => decodeValue(type, valueFromJson(type, parseJson(text)));
  assert.equal(from(t('int'), '7'), 7);
  assert.equal(from(t('int'), '"7"'), 7);
  assert.equal(from(t('bigint'), '9223372036854775807'), 9223372036854775807n);
  assert.equal(from(t('varint'), '123456789012345678901234567890'), 123456789012345678901234567890n);
  assert.equal(from(t('double'), '1.5e3'), 1500);
  assert.deepEqual(from(t('decimal'), '1.50'), { unscaled: 150n, scale: 2 });
  assert.equal(from(t('boolean'), '"TRUE"'), true);
  assert.equal(from(t('timestamp'), '"2011-02-03 04:05:00.000Z"'), 1296705900000n);
  assert.equal(from(t('timestamp'), '1296705900000'), 1296705900000n);
  assert.deepEqual(from({ kind: 'set', element: t('int'), frozen: false }, '[3, 1, 3]'), [1, 3]);
  assert.deepEqual(from({ kind: 'map', key: t('int'), value: t('text'), frozen: false }, '{"2": "b", "1": "a"}'), [[1, 'a'], [2, 'b']]);
  assert.deepEqual(from(t('blob'), '"0xcafe"'), Buffer.from([0xca, 0xfe]));
});

test('INSERT JSON documents: unknown columns, quoted keys, decoding errors', () => {
  const columns = new Set(['k', 'v', 'Name']);
  assert.throws(() => parseJsonDocument('{"k": 1, "x": 2}', { columns }), { message: 'JSON values map contains unrecognized column: x' });
  assert.throws(() => parseJsonDocument('{"k": 1', { columns }), /^CqlError: Could not decode JSON string as a map: /);
  const document = parseJsonDocument('{"K": 1, "\\"Name\\"": "n", "v": null}', { columns });
  assert.deepEqual([...document.keys()], ['k', 'Name', 'v']);
  assert.equal(columnFromJson(document, { name: 'v', type: t('int') }), null);
  assert.equal(columnFromJson(new Map(), { name: 'v', type: t('int') }), undefined);
  assert.throws(() => columnFromJson(parseJsonDocument('{"v": "abc"}', { columns }), { name: 'v', type: t('int') }), {
    message: "Error decoding JSON value for v: Unable to make int from 'abc'",
  });
  assert.throws(() => columnFromJson(parseJsonDocument('{"v": 1.5}', { columns }), { name: 'v', type: t('int') }), {
    message: 'Error decoding JSON value for v: Expected an int value, but got a Double: 1.5',
  });
  assert.throws(() => columnFromJson(parseJsonDocument('{"v": 3000000000}', { columns }), { name: 'v', type: t('int') }), {
    message: 'Error decoding JSON value for v: Expected an int value, but got a Long: 3000000000',
  });
  assert.throws(() => columnFromJson(parseJsonDocument('{"v": true}', { columns }), { name: 'v', type: t('text') }), {
    message: 'Error decoding JSON value for v: Expected a UTF-8 string, but got a Boolean: true',
  });
});

test('fromJson() failures are FunctionFailure errors', () => {
  assert.throws(() => fromJsonFunction(t('int'), '"x"'), (error: unknown) => {
    assert.ok(error instanceof CqlError);
    assert.equal(error.code, ErrorCode.FunctionFailure);
    assert.equal(error.message, "execution of 'system.fromjson[text]' failed: Unable to make int from 'x'");
    return true;
  });
  assert.equal(fromJsonFunction(t('int'), 'null'), null);
});
