import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareCondition } from './conditions.js';

const int = { kind: 'native', name: 'int' } as const;
const bytes = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n, 0); return b; };

test('conditions compare as Cassandra does: by the type, null equal only to null', () => {
  assert.equal(compareCondition(int, bytes(-1), { operator: '<', value: bytes(1) }), true, 'signed order, not byte order');
  assert.equal(compareCondition(int, bytes(5), { operator: '>=', value: bytes(5) }), true);
  assert.equal(compareCondition(int, bytes(5), { operator: '!=', value: bytes(5) }), false);
  assert.equal(compareCondition(int, null, { operator: '=', value: null }), true);
  assert.equal(compareCondition(int, null, { operator: '!=', value: bytes(1) }), true);
  assert.equal(compareCondition(int, null, { operator: '=', value: bytes(1) }), false);
  assert.equal(compareCondition(int, null, { operator: '>', value: bytes(1) }), false, 'a missing value fails every ordering');
  assert.equal(compareCondition(int, bytes(1), { operator: '=', value: null }), false);
  assert.throws(() => compareCondition(int, bytes(1), { operator: '<', value: null }), /Invalid comparison with null for operator "<"/);
});
