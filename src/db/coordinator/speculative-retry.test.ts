import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InternodeError } from '../common/errors.js';
import { SimulatedClock } from '../../../test/harness/simulated-clock.js';
import type { ReadResponse } from '../cluster/messaging/payloads.js';
import { ConsistencyLevel } from '../common/consistency.js';
import { readRound } from './read-round.js';
import { replicaGroups } from './replica-plan.js';
import { latencySamplesMax, latencySamplesMin, latencyTablesMax, parseRetryPolicy, ReadLatencies } from './speculative-retry.js';

test('speculative_retry policies as table options normalize them', () => {
  assert.deepEqual(parseRetryPolicy('99p'), { kind: 'percentile', percentile: 99 });
  assert.deepEqual(parseRetryPolicy('99.9PERCENTILE'), { kind: 'percentile', percentile: 99.9 });
  assert.deepEqual(parseRetryPolicy('50ms'), { kind: 'fixed', ms: 50 });
  assert.deepEqual(parseRetryPolicy('ALWAYS'), { kind: 'always' });
  assert.deepEqual(parseRetryPolicy('NONE'), { kind: 'none' });
  assert.deepEqual(parseRetryPolicy('MIN(99p,50ms)'), { kind: 'min', a: { kind: 'percentile', percentile: 99 }, b: { kind: 'fixed', ms: 50 } });
  assert.deepEqual(parseRetryPolicy('max(90p, 5ms)'), { kind: 'max', a: { kind: 'percentile', percentile: 90 }, b: { kind: 'fixed', ms: 5 } });
  assert.deepEqual(parseRetryPolicy('nonsense'), { kind: 'none' }, 'unknown text never speculates');
});

test('thresholds: a percentile needs enough samples; MIN and MAX combine; fixed and ALWAYS need none', () => {
  const latencies = new ReadLatencies();
  const policy = parseRetryPolicy('99p');
  for (let i = 1; i < latencySamplesMin; i++) latencies.record('t', i);
  assert.equal(latencies.thresholdMs('t', policy), undefined, 'too few samples');
  assert.equal(latencies.thresholdMs('t', parseRetryPolicy('MIN(99p,7ms)')), 7, 'MIN with an unknown side takes the known one');
  latencies.record('t', latencySamplesMin);
  assert.equal(latencies.thresholdMs('t', policy), 99);
  assert.equal(latencies.thresholdMs('t', parseRetryPolicy('50p')), 50);
  assert.equal(latencies.thresholdMs('t', parseRetryPolicy('MIN(99p,7ms)')), 7);
  assert.equal(latencies.thresholdMs('t', parseRetryPolicy('MAX(99p,7ms)')), 99);
  assert.equal(latencies.thresholdMs('t', parseRetryPolicy('ALWAYS')), 0);
  assert.equal(latencies.thresholdMs('t', parseRetryPolicy('NONE')), undefined);
  assert.equal(latencies.thresholdMs('other', policy), undefined, 'tables are tracked apart');
});

test('the sample window is bounded: old samples leave it, and so do the oldest tables', () => {
  const latencies = new ReadLatencies();
  for (let i = 0; i < latencySamplesMax; i++) latencies.record('t', 1000);
  for (let i = 0; i < 2 * latencySamplesMax; i++) latencies.record('t', 1);
  assert.equal(latencies.percentile('t', 100), 1, 'the slow samples aged out');
  for (let i = 0; i <= latencyTablesMax; i++) latencies.record(`table-${i}`, 1);
  assert.equal(latencies.percentile('t', 50), undefined, 'the oldest table was forgotten');
  assert.throws(() => latencies.record('t', Number.NaN));
});

const data = (value: string): ReadResponse => ({ kind: 'data', result: { partitions: [{ key: Buffer.from(value), token: 1n, partitionDeletion: null, rangeTombstones: [], rows: [] }] } });
const digest: ReadResponse = { kind: 'digest', digest: Buffer.from('d') };
const quorumOfThree = replicaGroups(ConsistencyLevel.QUORUM, { replication: { class: 'SimpleStrategy', replication_factor: '3' }, localDataCenter: 'dc', dataCenterOf: () => 'dc' });

function scripted(clock: SimulatedClock, delays: Record<string, number | 'fail' | 'never'>) {
  const asked: string[] = [];
  const ask = (endpoint: string, digestOnly: boolean): Promise<ReadResponse> => {
    asked.push(`${endpoint}:${digestOnly ? 'digest' : 'data'}`);
    const delay = delays[endpoint] ?? 1;
    if (delay === 'never') return new Promise(() => undefined);
    return clock.sleep(delay === 'fail' ? 1 : delay).then(() => {
      if (delay === 'fail') throw new InternodeError('failure', endpoint, 'READ', 'scripted');
      return digestOnly ? digest : data(endpoint);
    });
  };
  return { asked, ask };
}

test('a read round completes with one data and one digest answer; no speculation when both are quick', async () => {
  const clock = new SimulatedClock();
  const { asked, ask } = scripted(clock, { a: 1, b: 2, c: 1 });
  const round = readRound({ clock, contacts: ['a', 'b'], spares: ['c'], groups: quorumOfThree, thresholdMs: 10, ask });
  await clock.advance(5);
  const outcome = await round;
  assert.equal(outcome.complete, true);
  assert.equal(outcome.speculated, false);
  assert.deepEqual(asked, ['a:data', 'b:digest']);
  await clock.advance(20);
  assert.deepEqual(asked, ['a:data', 'b:digest'], 'the timer was cancelled');
});

test('a slow digest replica: after the threshold the spare is asked for a digest and completes the round', async () => {
  const clock = new SimulatedClock();
  const { asked, ask } = scripted(clock, { a: 1, b: 'never', c: 1 });
  const round = readRound({ clock, contacts: ['a', 'b'], spares: ['c'], groups: quorumOfThree, thresholdMs: 10, ask });
  await clock.advance(9);
  assert.deepEqual(asked, ['a:data', 'b:digest']);
  await clock.advance(5);
  const outcome = await round;
  assert.deepEqual(asked, ['a:data', 'b:digest', 'c:digest']);
  assert.equal(outcome.complete, true);
  assert.equal(outcome.speculated, true);
  assert.deepEqual(outcome.answers.map((answer) => answer.endpoint), ['a', 'c']);
});

test('a slow data replica: the spare is asked for data', async () => {
  const clock = new SimulatedClock();
  const { asked, ask } = scripted(clock, { a: 'never', b: 1, c: 1 });
  const round = readRound({ clock, contacts: ['a', 'b'], spares: ['c'], groups: quorumOfThree, thresholdMs: 0, ask });
  await clock.advance(5);
  const outcome = await round;
  assert.deepEqual(asked, ['a:data', 'b:digest', 'c:data']);
  assert.equal(outcome.complete, true);
  assert.equal(outcome.answers.find((answer) => answer.response.kind === 'data')?.endpoint, 'c');
});

test('without a threshold or a spare nothing speculates; failed requests end the round incomplete', async () => {
  const clock = new SimulatedClock();
  const { asked, ask } = scripted(clock, { a: 1, b: 'fail' });
  const round = readRound({ clock, contacts: ['a', 'b'], spares: ['c'], groups: quorumOfThree, thresholdMs: undefined, ask });
  await clock.advance(50);
  const outcome = await round;
  assert.deepEqual(asked, ['a:data', 'b:digest']);
  assert.equal(outcome.complete, false);
  assert.deepEqual(outcome.answers.map((answer) => answer.endpoint), ['a']);
  const noSpare = scripted(clock, { a: 'fail', b: 1 });
  const second = readRound({ clock, contacts: ['a', 'b'], spares: [], groups: quorumOfThree, thresholdMs: 0, ask: noSpare.ask });
  await clock.advance(50);
  assert.equal((await second).complete, false, 'a digest alone does not complete a round');
});

test('a failure of this node\'s own storage rejects the round', async () => {
  const clock = new SimulatedClock();
  const ask = (endpoint: string): Promise<ReadResponse> => (endpoint === 'a' ? Promise.reject(new Error('disk full')) : clock.sleep(1).then(() => digest));
  const round = readRound({ clock, contacts: ['a', 'b'], spares: [], groups: quorumOfThree, thresholdMs: undefined, ask });
  await assert.rejects(round, /disk full/);
});
