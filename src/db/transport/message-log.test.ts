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

test('password literals never reach the message log', () => {
  const parameters = {
    consistency: ConsistencyLevel.ONE, values: [], names: null, skipMetadata: false, pageSize: null, pagingState: null,
    serialConsistency: null, defaultTimestamp: null,
  };
  const queries = [
    "CREATE ROLE alice WITH PASSWORD = 's3cr''et' AND LOGIN = true",
    "ALTER USER bob WITH PASSWORD 's3cret' SUPERUSER",
    "create role carol with password='s3cret",
    'CREATE ROLE dave WITH HASHED PASSWORD = $$s3cret$$',
  ];
  for (const query of queries) {
    const summary = summarizeRequest({ opcode: Opcode.QUERY, query, parameters });
    assert.doesNotMatch(summary, /s3cr/, summary);
    assert.match(summary, /\*\*\*\*\*/);
    assert.doesNotMatch(summarizeRequest({ opcode: Opcode.PREPARE, query }), /s3cr/);
  }
  assert.match(summarizeRequest({ opcode: Opcode.QUERY, query: "CREATE ROLE alice WITH PASSWORD = 'x' AND LOGIN = true", parameters }), /AND LOGIN = true/);
});
