// The nemesis checker on small hand-written histories: each guarantee has one history that
// must pass and one that breaks it and must be reported under the right check.

import test from 'node:test';
import assert from 'node:assert/strict';
import { checkHistory } from './checker.js';
import type { FinalEvent, HistoryEvent, OperationEvent } from './history.js';

let nextOp = 1;
/** One operation: its invoke at `from` and its completion at `to`. */
function op(kind: OperationEvent['kind'], key: number | number[], value: string | number | undefined, from: number, to: number,
  completion: Partial<OperationEvent> & { type: 'ok' | 'fail' | 'info' }): HistoryEvent[] {
  const id = nextOp++;
  const base = { op: id, kind, client: 1, key, ...(value === undefined ? {} : { value }) };
  return [{ ...base, type: 'invoke', time: from }, { ...base, time: to, ...completion }];
}
const final = (node: number, state: Partial<Omit<FinalEvent, 'type' | 'node' | 'time'>>): FinalEvent =>
  ({ type: 'final', time: 1e9, node, kv: {}, batch: {}, lwt: {}, ...state });
const checks = (events: HistoryEvent[]) => checkHistory(events).anomalies.map((anomaly) => anomaly.check);

test('kv: fresh reads and a kept write pass', () => {
  const events = [
    ...op('write', 1, '1:0', 0, 10, { type: 'ok' }),
    ...op('write', 1, '1:1', 20, 30, { type: 'info', error: 'timeout' }),
    ...op('read', 1, undefined, 15, 18, { type: 'ok', result: '1:0' }),
    ...op('read', 1, undefined, 25, 40, { type: 'ok', result: '1:1' }),
    final(1, { kv: { 1: '1:1' } }), final(2, { kv: { 1: '1:1' } }),
  ];
  assert.deepEqual(checks(events), []);
});

test('kv: a stale read, a read of nothing after an ack, and a lost write are found', () => {
  assert.deepEqual(checks([
    ...op('write', 1, '1:0', 0, 10, { type: 'ok' }),
    ...op('write', 1, '1:1', 11, 20, { type: 'ok' }),
    ...op('read', 1, undefined, 21, 25, { type: 'ok', result: '1:0' }),
    final(1, { kv: { 1: '1:1' } }),
  ]), ['stale-read']);
  assert.deepEqual(checks([
    ...op('write', 2, '2:0', 0, 10, { type: 'ok' }),
    ...op('read', 2, undefined, 11, 12, { type: 'ok', result: null }),
    final(1, { kv: { 2: '2:0' } }),
  ]), ['stale-read']);
  assert.deepEqual(checks([
    ...op('write', 3, '3:0', 0, 10, { type: 'ok' }),
    ...op('write', 3, '3:1', 11, 20, { type: 'ok' }),
    final(1, { kv: { 3: '3:0' } }),
  ]), ['lost-write']);
});

test('kv: a value never written, or from a failed write, is a phantom', () => {
  assert.deepEqual(checks([
    ...op('write', 1, '1:0', 0, 10, { type: 'ok' }),
    ...op('read', 1, undefined, 11, 12, { type: 'ok', result: '1:7' }),
  ]), ['phantom-read']);
  assert.deepEqual(checks([
    ...op('write', 1, '1:0', 0, 10, { type: 'fail', error: 'Unavailable' }),
    ...op('read', 1, undefined, 11, 12, { type: 'ok', result: '1:0' }),
  ]), ['phantom-read']);
});

test('batches: all or none passes; a partial batch and a lost acknowledged batch fail', () => {
  const history = [
    ...op('batch', [10, 11, 12], 'b1', 0, 5, { type: 'ok' }),
    ...op('batch', [13, 14, 15], 'b2', 0, 5, { type: 'info' }),
    ...op('batch', [16, 17, 18], 'b3', 0, 5, { type: 'info' }),
  ];
  assert.deepEqual(checks([...history, final(1, { batch: { 10: 'b1', 11: 'b1', 12: 'b1', 16: 'b3', 17: 'b3', 18: 'b3' } })]), []);
  assert.deepEqual(checks([...history, final(1, { batch: { 10: 'b1', 11: 'b1', 12: 'b1', 13: 'b2' } })]), ['partial-batch']);
  assert.deepEqual(checks([...history, final(1, { batch: {} })]), ['lost-write']);
});

test('lwt: one IF NOT EXISTS winner and a CAS chain pass', () => {
  const events = [
    ...op('lwt-insert', 1, 'c1', 0, 10, { type: 'ok', applied: true }),
    ...op('lwt-insert', 1, 'c2', 0, 12, { type: 'ok', applied: false, owner: 'c1', v: 0 }),
    ...op('lwt-cas', 1, 0, 20, 30, { type: 'ok', applied: true }),
    ...op('lwt-cas', 1, 0, 21, 31, { type: 'ok', applied: false, v: 1 }),
    ...op('lwt-cas', 1, 1, 40, 50, { type: 'info' }),
    ...op('serial-read', 1, undefined, 35, 36, { type: 'ok', owner: 'c1', v: 1 }),
    final(1, { lwt: { 1: { owner: 'c1', v: 2 } } }),
  ];
  assert.deepEqual(checks(events), []);
});

test('lwt: two winners, a duplicated CAS, a lost CAS and a stale SERIAL read are found', () => {
  assert.deepEqual(checks([
    ...op('lwt-insert', 1, 'c1', 0, 10, { type: 'ok', applied: true }),
    ...op('lwt-insert', 1, 'c2', 0, 12, { type: 'ok', applied: true }),
  ]), ['lwt-two-winners']);
  assert.deepEqual(checks([
    ...op('lwt-insert', 1, 'c1', 0, 10, { type: 'ok', applied: true }),
    ...op('lwt-cas', 1, 0, 20, 30, { type: 'ok', applied: true }),
    ...op('lwt-cas', 1, 0, 21, 31, { type: 'ok', applied: true }),
    final(1, { lwt: { 1: { owner: 'c1', v: 1 } } }),
  ]), ['lwt-duplicate-cas']);
  assert.deepEqual(checks([
    ...op('lwt-insert', 1, 'c1', 0, 10, { type: 'ok', applied: true }),
    ...op('lwt-cas', 1, 0, 20, 30, { type: 'ok', applied: true }),
    ...op('lwt-cas', 1, 1, 31, 40, { type: 'ok', applied: true }),
    ...op('serial-read', 1, undefined, 41, 42, { type: 'ok', owner: 'c1', v: 1 }),
    final(1, { lwt: { 1: { owner: 'c1', v: 1 } } }),
  ]), ['stale-serial-read', 'lost-write']);
  assert.deepEqual(checks([
    ...op('lwt-insert', 1, 'c1', 0, 10, { type: 'ok', applied: true }),
    ...op('lwt-cas', 1, 0, 20, 30, { type: 'ok', applied: false, v: 0 }),
  ]), ['lwt-cas-refused']);
});

test('convergence: nodes that differ after repair are reported', () => {
  assert.deepEqual(checks([
    ...op('write', 1, '1:0', 0, 10, { type: 'ok' }),
    ...op('write', 1, '1:1', 11, 20, { type: 'info' }),
    final(1, { kv: { 1: '1:1' } }), final(2, { kv: { 1: '1:0' } }),
  ]), ['replicas-diverge']);
});
