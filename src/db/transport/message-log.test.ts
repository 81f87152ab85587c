import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsistencyLevel } from '../common/consistency.js';
import { ErrorCode } from '../common/errors.js';
import { Opcode } from '../protocol/messages.js';
import { opcodeName, summarizeRequest, summarizeResponse } from './message-log.js';

test('AUTH_RESPONSE is summarized by its length, never its bytes', () => {
  const token = Buffer.from('\0cassandra\0secret-password');
  const summary = summarizeRequest({ opcode: Opcode.AUTH_RESPONSE, token });
  assert.equal(summary, `token of ${token.length} bytes`);
  assert.doesNotMatch(summary, /secret/);
});

test('statements are shortened; opcodes are named', () => {
  const parameters = {
    consistency: ConsistencyLevel.ONE, values: [], names: null, skipMetadata: false, pageSize: null, pagingState: null,
    serialConsistency: null, defaultTimestamp: null,
  };
  const summary = summarizeRequest({ opcode: Opcode.QUERY, query: `SELECT ${'x'.repeat(500)}`, parameters });
  assert.ok(summary.length < 260);
  assert.match(summary, /\.\.\. \(0 values\)$/);
  assert.equal(opcodeName(Opcode.AUTH_RESPONSE), 'AUTH_RESPONSE');
  assert.equal(opcodeName(0x66), '0x66');
  assert.equal(summarizeResponse({ opcode: Opcode.ERROR, code: ErrorCode.Invalid, message: 'bad', details: { kind: 'none' } }), '0x2200 bad');
});
