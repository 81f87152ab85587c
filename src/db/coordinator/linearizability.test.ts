// The compare-and-set register checker (linearizability.ts) on small histories that are and
// are not linearizable, and on generated ones of hundreds of operations that must check fast.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCasRegisters, type RecordedOperation, type RegisterValue } from './linearizability.js';

const read = (invokedAt: number, completedAt: number, observed: RegisterValue, key = 'k'): RecordedOperation =>
  ({ key, kind: 'read', invokedAt, completedAt, outcome: 'ok', observed });
const insert = (invokedAt: number, completedAt: number, value: string, applied: boolean, observed?: RegisterValue): RecordedOperation =>
  ({ key: 'k', kind: 'insert', value, invokedAt, completedAt, outcome: 'ok', applied, ...(observed === undefined ? {} : { observed }) });
const cas = (invokedAt: number, completedAt: number, expected: RegisterValue, value: string, applied: boolean, observed?: RegisterValue): RecordedOperation =>
  ({ key: 'k', kind: 'cas', expected, value, invokedAt, completedAt, outcome: 'ok', applied, ...(observed === undefined ? {} : { observed }) });
const unknown = (op: RecordedOperation): RecordedOperation => {
  const { completedAt: _completed, applied: _applied, observed: _observed, ...rest } = op;
  return { ...rest, outcome: 'info' };
};
const failed = (op: RecordedOperation): RecordedOperation => ({ ...unknown(op), outcome: 'fail' });
const valid = (history: RecordedOperation[]) => checkCasRegisters(history).valid;

test('a sequential history that follows the register is linearizable', () => {
  assert.equal(valid([
    read(0, 1, null), insert(2, 3, 'a', true), insert(4, 5, 'b', false, 'a'), cas(6, 7, 'a', 'c', true),
    cas(8, 9, 'a', 'd', false, 'c'), read(10, 11, 'c'),
  ]), true);
  assert.equal(valid([]), true, 'the empty history');
});

test('one winner per IF NOT EXISTS: two applied inserts are not linearizable, one applied and one seeing it are', () => {
  assert.equal(valid([insert(0, 10, 'a', true), insert(1, 11, 'b', true)]), false);
  assert.equal(valid([insert(0, 10, 'a', true), insert(1, 11, 'b', false, 'a')]), true);
  assert.equal(valid([insert(0, 10, 'a', true), insert(1, 11, 'b', false, 'b')]), false, 'not applied, yet reporting its own value');
  assert.equal(valid([insert(0, 10, 'a', false, null)]), false, 'refused on an absent row');
});

test('no duplicated or lost compare-and-set', () => {
  assert.equal(valid([insert(0, 1, 'a', true), cas(2, 10, 'a', 'b', true), cas(3, 11, 'a', 'c', true)]), false, 'two CAS from one value both applied');
  assert.equal(valid([insert(0, 1, 'a', true), cas(2, 10, 'a', 'b', true), cas(3, 11, 'a', 'c', false, 'b')]), true);
  assert.equal(valid([insert(0, 1, 'a', true), cas(2, 3, 'a', 'b', true), read(4, 5, 'a')]), false, 'an applied CAS lost by a later read');
  assert.equal(valid([insert(0, 1, 'a', true), cas(2, 3, 'a', 'b', true), cas(4, 5, 'a', 'c', true)]), false, 'a CAS applied on a value already replaced');
});

test('real time: a read concurrent with a write may see either value; one after it must see the write', () => {
  const base = [insert(0, 1, 'a', true), cas(2, 10, 'a', 'b', true)];
  assert.equal(valid([...base, read(3, 4, 'a'), read(5, 6, 'b')]), true);
  assert.equal(valid([...base, read(3, 4, 'b'), read(5, 6, 'a')]), false, 'a read going back in time');
  assert.equal(valid([...base, read(11, 12, 'a')]), false, 'a stale read after the write completed');
  assert.equal(valid([...base, read(10, 12, 'a')]), true, 'invoked at the instant the write completed: concurrent');
});

test('info operations may or may not have applied; failed ones never did', () => {
  const base = [insert(0, 1, 'a', true)];
  assert.equal(valid([...base, unknown(cas(2, 0, 'a', 'b', true)), read(50, 51, 'b')]), true, 'a timed-out CAS seen later');
  assert.equal(valid([...base, unknown(cas(2, 0, 'a', 'b', true)), read(50, 51, 'a')]), true, 'a timed-out CAS never applied');
  assert.equal(valid([...base, unknown(cas(2, 0, 'a', 'b', true)), read(50, 51, 'a'), read(52, 53, 'b'), read(54, 55, 'a')]), false, 'applied once, not twice');
  assert.equal(valid([...base, read(2, 3, 'b'), unknown(cas(4, 0, 'a', 'b', true))]), false, 'seen before it was sent');
  assert.equal(valid([...base, failed(cas(2, 3, 'a', 'b', true)), read(50, 51, 'b')]), false, 'a failed CAS seen');
  assert.equal(valid([...base, unknown(read(2, 0, 'zz'))]), true, 'an info read constrains nothing');
});

test('keys are separate registers', () => {
  const other = (op: RecordedOperation): RecordedOperation => ({ ...op, key: 'other' });
  assert.equal(valid([insert(0, 1, 'a', true), other(insert(2, 3, 'a', true)), other(read(4, 5, 'a')), read(6, 7, 'a')]), true);
  const result = checkCasRegisters([insert(0, 1, 'a', true), other(insert(2, 3, 'x', true)), other(read(4, 5, null))]);
  assert.equal(result.valid, false);
  assert.ok(result.valid === false && result.key === 'other' && /no linearization of key other/.test(result.explanation), JSON.stringify(result));
});

test('an ok operation without its result is refused', () => {
  assert.throws(() => checkCasRegisters([{ key: 'k', kind: 'cas', value: 'a', invokedAt: 0, completedAt: 1, outcome: 'ok', applied: true }]), /without an expected value/);
  assert.throws(() => checkCasRegisters([{ key: 'k', kind: 'insert', value: 'a', invokedAt: 2, completedAt: 1, outcome: 'ok', applied: true }]), /completedAt/);
});

/** A deterministic xorshift generator. */
function dice(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 0x1_0000_0000;
  };
}

/**
 * A history of `processes` clients against one atomic register: each operation takes effect at
 * a random instant between its invocation and completion; a tenth time out (info), applied or not.
 */
function generated(seed: number, processes: number, operations: number, keys = 1): RecordedOperation[] {
  const random = dice(seed);
  const history: RecordedOperation[] = [];
  for (let key = 0; key < keys; key++) {
    let value: RegisterValue = null;
    let written = 0;
    let now = 0;
    const busyUntil = new Array<number>(processes).fill(0);
    const pending: Array<{ op: RecordedOperation; effectAt: number }> = [];
    for (let n = 0; n < operations; n++) {
      const process = Math.floor(random() * processes);
      now += 1 + Math.floor(random() * 3);
      const invokedAt = Math.max(now, busyUntil[process] as number);
      const completedAt = invokedAt + 1 + Math.floor(random() * 20);
      busyUntil[process] = completedAt + 1;
      const roll = random();
      const op: RecordedOperation = roll < 0.3 ? { key: `k${key}`, kind: 'read', invokedAt, completedAt, outcome: 'ok', process }
        : roll < 0.45 ? { key: `k${key}`, kind: 'insert', value: `v${key}.${++written}`, invokedAt, completedAt, outcome: 'ok', process }
          : { key: `k${key}`, kind: 'cas', expected: random() < 0.7 && value !== null ? value : `v${key}.${Math.floor(random() * (written + 1))}`, value: `v${key}.${++written}`, invokedAt, completedAt, outcome: 'ok', process };
      pending.push({ op, effectAt: invokedAt + random() * (completedAt - invokedAt) });
    }
    // Apply every operation at its instant of effect, in order, and record what it saw.
    for (const { op } of pending.sort((a, b) => a.effectAt - b.effectAt)) {
      if (op.kind === 'read') op.observed = value;
      else {
        const holds = op.kind === 'insert' ? value === null : value === op.expected;
        op.applied = holds;
        if (holds) value = op.value as string;
        else op.observed = value;
      }
      if (op.kind !== 'read' && random() < 0.1) {
        op.outcome = 'info';
        delete op.completedAt;
        delete op.applied;
        delete op.observed;
      }
      history.push(op);
    }
  }
  return history;
}

test('generated histories of hundreds of operations check in seconds; a corrupted one is caught', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const history = generated(seed, 6, 150, 3);
    const started = performance.now();
    const result = checkCasRegisters(history);
    const elapsedMs = performance.now() - started;
    assert.equal(result.valid, true, `seed ${seed}: ${JSON.stringify(result)}`);
    assert.ok(elapsedMs < 5_000, `seed ${seed} took ${elapsedMs} ms`);
    // A read that reports a value one write later than it could have seen.
    const reads = history.filter((op) => op.kind === 'read' && op.outcome === 'ok' && op.observed !== null);
    const victim = reads[Math.floor(reads.length / 2)] as RecordedOperation;
    const lastWrite = history.filter((op) => op.key === victim.key && op.kind !== 'read').at(-1) as RecordedOperation;
    const corrupted = history.map((op) => (op === victim ? { ...op, observed: `${lastWrite.value as string}!` } : op));
    assert.equal(checkCasRegisters(corrupted).valid, false, `seed ${seed}: a read of a value never written`);
  }
});

test('a search too large for its budget says so instead of answering', () => {
  const history = generated(7, 8, 200);
  const result = checkCasRegisters(history, { maxConfigurations: 5 });
  assert.equal(result.valid, 'unknown');
});

test('a key with twelve thousand operations checks without running out of stack (CI overflowed with a recursive search)', () => {
  const history: RecordedOperation[] = [{ key: 'k', kind: 'insert', value: 'v0', invokedAt: 0, completedAt: 1, outcome: 'ok', applied: true }];
  for (let i = 1; i <= 12_000; i++) {
    history.push({ key: 'k', kind: 'cas', expected: `v${i - 1}`, value: `v${i}`, invokedAt: 2 * i, completedAt: 2 * i + 1, outcome: 'ok', applied: true });
  }
  const result = checkCasRegisters(history);
  assert.equal(result.valid, true, JSON.stringify(result).slice(0, 500));
  // And a lost update at the end is still found.
  history.push({ key: 'k', kind: 'read', invokedAt: 30_000, completedAt: 30_001, outcome: 'ok', observed: 'v11998' });
  assert.equal(checkCasRegisters(history).valid, false);
});
