import { test } from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCredentials, isLoginRefused, isUnavailable } from './app-security.js';

test('credentials: a random password in DIR/credentials/<role>, mode 0600, reused by the next start', () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-credentials-'));
  try {
    const first = ensureCredentials(directory, 'flights_app');
    assert.equal(first.created, true);
    assert.equal(first.file, join(directory, 'credentials', 'flights_app'));
    assert.match(first.password, /^[A-Za-z0-9_-]{32}$/);
    assert.equal(statSync(first.file).mode & 0o777, 0o600);
    assert.equal(statSync(join(directory, 'credentials')).mode & 0o077, 0, 'the directory is private too');
    assert.equal(readFileSync(first.file, 'utf8'), `${first.password}\n`);
    const again = ensureCredentials(directory, 'flights_app');
    assert.deepEqual(again, { ...first, created: false });
    const other = ensureCredentials(directory, 'admin');
    assert.notEqual(other.password, first.password);
    writeFileSync(first.file, "x' OR '1\n");
    assert.throws(() => ensureCredentials(directory, 'flights_app'), /does not hold a password written by aero start/);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('a refused login is told apart from an unreachable database', () => {
  const refused = new cassandra.errors.AuthenticationError('Provided username x and/or password are incorrect');
  assert.equal(isLoginRefused(refused), true);
  assert.equal(isLoginRefused(new cassandra.errors.NoHostAvailableError({ '127.0.0.1:9042': refused })), true);
  assert.equal(isLoginRefused(new cassandra.errors.NoHostAvailableError({ '127.0.0.1:9042': new Error('ECONNREFUSED') })), false);
  assert.equal(isLoginRefused(new cassandra.errors.NoHostAvailableError({})), false);
  assert.equal(isLoginRefused(new Error('other')), false);
});

test('timeouts and unavailable replicas are retried, other errors are not', () => {
  const codes = cassandra.types.responseErrorCodes;
  assert.equal(isUnavailable(new cassandra.errors.NoHostAvailableError({})), true);
  assert.equal(isUnavailable(new cassandra.errors.OperationTimedOutError('timeout', '127.0.0.1:9042')), true);
  assert.equal(isUnavailable(new cassandra.errors.ResponseError(codes.writeTimeout, 'write timeout')), true);
  assert.equal(isUnavailable(new cassandra.errors.ResponseError(codes.unauthorized, 'no permission')), false);
  assert.equal(isUnavailable(new Error('cannot log in')), false);
});
