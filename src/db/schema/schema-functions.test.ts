// User functions and aggregates in the schema: Cassandra's checks, and the way they travel to
// peers (exportJson/importJson, as schema agreement pulls them) with FUNCTION and AGGREGATE
// changes, while a schema without any keeps its document (and version) as before.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native, type DataType } from '../protocol/data-type.js';
import type { UserAggregateMetadata, UserFunctionMetadata } from './metadata.js';
import { Schema } from './schema.js';
import { functionSignature, withAggregate, withFunction, withoutAggregate, withoutFunction } from './schema-functions.js';

const random = { nextFloat: () => 0.5, nextInt: () => 0, bytes: (n: number) => Buffer.alloc(n, 7) };
const int = native('int');
const state: DataType = { kind: 'tuple', elements: [int, int] };

function fn(name: string, argumentTypes: DataType[], returnType: DataType): UserFunctionMetadata {
  return { keyspace: 'ks', name, argumentNames: argumentTypes.map((_, i) => `a${i}`), argumentTypes, returnType, calledOnNullInput: true, language: 'javascript', body: 'a0' };
}

const sum: UserAggregateMetadata = {
  keyspace: 'ks', name: 'total', argumentTypes: [int], stateFunction: 'add', stateType: state, finalFunction: null,
  initialCondition: { text: '(0, 0)', hex: '' }, returnType: state,
};

function schema(): Schema {
  const s = new Schema({ random });
  s.createKeyspace('ks', { class: 'SimpleStrategy', replication_factor: '1' }, { durableWrites: true });
  return s;
}

const create = { orReplace: false, ifNotExists: false };

test('overloads by argument types; Cassandra refuses duplicates, replacing with another null rule, and dropping what an aggregate uses', () => {
  const s = schema();
  const before = s.exportJson();
  assert.ok(!before.includes('functions'), 'a keyspace without functions keeps its document');
  assert.deepEqual(s.changeFunctions('ks', (ks) => withFunction(ks, fn('f', [int], int), create)),
    { change: 'CREATED', target: 'FUNCTION', keyspace: 'ks', name: 'f', argumentTypes: ['int'] });
  s.changeFunctions('ks', (ks) => withFunction(ks, fn('f', [native('text')], int), create));
  assert.throws(() => s.changeFunctions('ks', (ks) => withFunction(ks, fn('f', [int], int), create)), /Function 'ks.f' already exists/);
  assert.equal(s.changeFunctions('ks', (ks) => withFunction(ks, fn('f', [int], int), { orReplace: false, ifNotExists: true })), null);
  assert.throws(() => s.changeFunctions('ks', (ks) => withFunction(ks, { ...fn('f', [int], int), calledOnNullInput: false }, { orReplace: true, ifNotExists: false })),
    /Function 'ks.f' must have CALLED ON NULL INPUT directive/);
  assert.throws(() => s.changeFunctions('ks', (ks) => withoutFunction(ks, { name: 'f', argumentTypes: null, ifExists: false })), /matches multiple function definitions/);
  s.changeFunctions('ks', (ks) => withFunction(ks, fn('add', [state, int], state), create));
  s.changeFunctions('ks', (ks) => withAggregate(ks, sum, create));
  assert.throws(() => s.changeFunctions('ks', (ks) => withoutFunction(ks, { name: 'add', argumentTypes: null, ifExists: false })), /still referenced by aggregates ks.total/);
  assert.deepEqual([...s.findKeyspace('ks')!.functions!.keys()].sort(), ['add(tuple<int, int>, int)', 'f(int)', 'f(text)']);
  assert.equal(functionSignature('f', [{ kind: 'list', element: int, frozen: true }]), 'f(list<int>)');
  s.changeFunctions('ks', (ks) => withoutAggregate(ks, { name: 'total', argumentTypes: [int], ifExists: false }));
  s.changeFunctions('ks', (ks) => withoutFunction(ks, { name: 'add', argumentTypes: null, ifExists: false }));
  assert.equal(s.changeFunctions('ks', (ks) => withoutFunction(ks, { name: 'add', argumentTypes: null, ifExists: true })), null);
});

test('a user type a function uses cannot be dropped', () => {
  const s = schema();
  s.createType('ks', 'point', { fields: [{ name: 'x', type: int }] });
  const point: DataType = { kind: 'udt', keyspace: 'ks', name: 'point', fields: [{ name: 'x', type: int }], frozen: true };
  s.changeFunctions('ks', (ks) => withFunction(ks, fn('norm', [point], int), create));
  assert.throws(() => s.dropType('ks', 'point'), /Cannot drop user type ks.point as it is still used by function ks.norm/);
  s.changeFunctions('ks', (ks) => withoutFunction(ks, { name: 'norm', argumentTypes: null, ifExists: false }));
  assert.notEqual(s.dropType('ks', 'point'), null);
});

test('functions and aggregates reach a peer through mergeRows, with their changes', () => {
  const peer = schema();
  const local = schema();
  local.mergeRows(peer.exportRows(), 'peer');
  peer.changeFunctions('ks', (ks) => withFunction(ks, fn('add', [state, int], state), create));
  peer.changeFunctions('ks', (ks) => withAggregate(ks, sum, create));
  assert.deepEqual(local.mergeRows(peer.exportRows(), 'peer'), [
    { change: 'CREATED', target: 'FUNCTION', keyspace: 'ks', name: 'add', argumentTypes: ['tuple<int, int>', 'int'] },
    { change: 'CREATED', target: 'AGGREGATE', keyspace: 'ks', name: 'total', argumentTypes: ['int'] },
  ]);
  assert.equal(local.schemaVersion(), peer.schemaVersion());
  assert.deepEqual(local.findKeyspace('ks')!.aggregates!.get('total(int)'), sum);
  peer.changeFunctions('ks', (ks) => withoutAggregate(ks, { name: 'total', argumentTypes: null, ifExists: false }));
  assert.deepEqual(local.mergeRows(peer.exportRows(), 'peer'), [{ change: 'DROPPED', target: 'AGGREGATE', keyspace: 'ks', name: 'total', argumentTypes: ['int'] }]);
});
