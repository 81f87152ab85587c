import test from 'node:test';
import assert from 'node:assert/strict';
import { CqlError, ErrorCode } from '../common/errors.js';
import type { Clock, Logger } from '../common/world.js';
import { silentLogger } from '../common/world.js';
import type { AuthService } from './auth-service.js';
import { LoginThrottle } from './login-throttle.js';
import { PASSWORD_AUTHENTICATOR_CLASS, PasswordAuthenticator, decodePlainToken } from './password-authenticator.js';

function fakeClock() {
  let nowMs = 0;
  const slept: number[] = [];
  const clock: Clock = {
    nowMs: () => nowMs, nowMicros: () => nowMs * 1000, monotonicMs: () => nowMs,
    setTimer: () => ({ cancel: () => {} }),
    sleep: (delayMs) => { slept.push(delayMs); nowMs += delayMs; return Promise.resolve(); },
  };
  return { clock, slept, advance: (ms: number) => { nowMs += ms; } };
}

test('SASL PLAIN tokens: with or without authzid; missing parts are BadCredentials', () => {
  assert.deepEqual(decodePlainToken(Buffer.from('\0alice\0pw')), { user: 'alice', password: 'pw' });
  assert.deepEqual(decodePlainToken(Buffer.from('admin\0alice\0p\u00e4ss')), { user: 'alice', password: 'p\u00e4ss' });
  assert.deepEqual(decodePlainToken(Buffer.from('alice\0pw')), { user: 'alice', password: 'pw' });
  for (const token of [null, Buffer.alloc(0), Buffer.from('nonul'), Buffer.from('\0\0pw'), Buffer.from('\0alice\0'), Buffer.alloc(5000, 1)]) {
    assert.throws(() => decodePlainToken(token), (error: unknown) => error instanceof CqlError && error.code === ErrorCode.BadCredentials);
  }
});

test('repeated failures from one address wait longer each time, bounded, and are forgotten', () => {
  const { clock, advance } = fakeClock();
  const throttle = new LoginThrottle(clock, { baseDelayMs: 100, maxDelayMs: 1000, forgetAfterMs: 60_000 });
  const delays = Array.from({ length: 7 }, () => throttle.failed('10.0.0.1'));
  assert.deepEqual(delays, [0, 100, 200, 400, 800, 1000, 1000]);
  assert.equal(throttle.failed('10.0.0.2'), 0, 'per address');
  advance(60_000);
  assert.equal(throttle.failed('10.0.0.1'), 0, 'forgotten after a while');
  throttle.failed('10.0.0.1');
  throttle.succeeded('10.0.0.1');
  assert.equal(throttle.failureCount('10.0.0.1'), 0);
});

test('the authenticator answers BadCredentials with Cassandra\'s message, logs the address and role but never the password', async () => {
  const { clock, slept } = fakeClock();
  const warnings: Array<Record<string, unknown> | undefined> = [];
  const logger: Logger = { ...silentLogger, warn: (_message, fields) => { warnings.push(fields); } };
  const auth = { login: (user: string, password: string) => Promise.resolve(user === 'alice' && password === 'right'), logger } as unknown as AuthService;
  const authenticator = new PasswordAuthenticator(auth, clock, { baseDelayMs: 50 });
  assert.equal(authenticator.className, PASSWORD_AUTHENTICATOR_CLASS);
  const negotiator = authenticator.newSaslNegotiator({ remoteAddress: '192.0.2.7' });
  assert.deepEqual(await negotiator.evaluateResponse(Buffer.from('\0alice\0right')), { kind: 'success', user: 'alice', token: null });
  for (let attempt = 0; attempt < 3; attempt++) {
    await assert.rejects(negotiator.evaluateResponse(Buffer.from('\0alice\0wrong-secret')), (error: unknown) =>
      error instanceof CqlError && error.code === ErrorCode.BadCredentials && error.message === 'Provided username alice and/or password are incorrect');
  }
  assert.deepEqual(slept, [50, 100]);
  assert.equal(warnings.length, 3);
  assert.equal(warnings[0]?.['address'], '192.0.2.7');
  assert.equal(warnings[0]?.['username'], 'alice');
  assert.doesNotMatch(JSON.stringify(warnings), /wrong-secret/);
});

test('roles that cannot be read give BadCredentials "Unable to perform authentication", not throttled', async () => {
  const { clock, slept } = fakeClock();
  const auth = { login: () => Promise.reject(new CqlError(ErrorCode.Unavailable, 'Cannot achieve consistency level')), logger: silentLogger } as unknown as AuthService;
  const negotiator = new PasswordAuthenticator(auth, clock).newSaslNegotiator({ remoteAddress: '192.0.2.8' });
  for (let attempt = 0; attempt < 3; attempt++) {
    await assert.rejects(negotiator.evaluateResponse(Buffer.from('\0alice\0pw')), (error: unknown) =>
      error instanceof CqlError && error.code === ErrorCode.BadCredentials && /^Unable to perform authentication: Cannot achieve/.test(error.message));
  }
  assert.deepEqual(slept, []);
});
