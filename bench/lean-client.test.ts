// The lean client's EXECUTE templates must produce exactly what the codec encodes.

import test from 'node:test';
import assert from 'node:assert/strict';
import { ConsistencyLevel } from '../src/db/common/consistency.js';
import { encodeRequest } from '../src/db/protocol/codec.js';
import { Opcode } from '../src/db/protocol/messages.js';
import { ExecuteTemplate } from './lean-client.js';
import { keyBytes, valueFor } from './statements.js';

const id = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

function encoded(stream: number, values: Buffer[], consistency: ConsistencyLevel): Buffer {
  return encodeRequest(stream, {
    opcode: Opcode.EXECUTE, id,
    parameters: { consistency, values, names: null, skipMetadata: true, pageSize: null, pagingState: null, serialConsistency: null, defaultTimestamp: null },
  });
}

test('an insert template builds the codec\'s frame for any stream, key and value', () => {
  const template = ExecuteTemplate.create(id, { consistency: ConsistencyLevel.QUORUM, key: keyBytes(0x0bad_cafe_f00d), value: valueFor(0) });
  for (const [stream, key] of [[0, 0], [1, 1], [32_767, 2 ** 40 + 5], [17, Number.MAX_SAFE_INTEGER]] as const) {
    assert.deepEqual(template.build(stream, key, valueFor(key)), encoded(stream, [keyBytes(key), valueFor(key)], ConsistencyLevel.QUORUM));
  }
});

test('a select template builds the codec\'s frame; a value of another size is refused', () => {
  const template = ExecuteTemplate.create(id, { consistency: ConsistencyLevel.ONE, key: keyBytes(0x0bad_cafe_f00d), value: null });
  assert.deepEqual(template.build(9, 123_456, null), encoded(9, [keyBytes(123_456)], ConsistencyLevel.ONE));
  const insert = ExecuteTemplate.create(id, { consistency: ConsistencyLevel.ONE, key: keyBytes(0x0bad_cafe_f00d), value: valueFor(0) });
  assert.throws(() => insert.build(1, 1, Buffer.alloc(3)), /value of 3 bytes/);
});
