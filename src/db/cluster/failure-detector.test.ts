import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedClock } from '../../../test/harness/simulated-clock.js';
import { FailureDetector } from './failure-detector.js';

test('phi grows with silence relative to the mean interval; conviction past the threshold', async () => {
  const clock = new SimulatedClock();
  const detector = new FailureDetector({ clock, samplesMax: 4, phiConvictThreshold: 8 });
  assert.equal(detector.phi('a'), undefined);
  assert.equal(detector.isConvicted('a'), false);
  detector.report('a'); // records the 2000 ms initial interval
  for (let beat = 0; beat < 4; beat++) {
    await clock.advance(1000);
    detector.report('a');
  }
  // The window of 4 now holds 1000 ms intervals only (the initial one fell out).
  await clock.advance(1000);
  assert.ok(Math.abs((detector.phi('a') as number) - 1 / Math.log(10)) < 1e-9);
  // Conviction at phi > 8: silence > 8 * ln(10) * 1000 ms ≈ 18.4 s.
  await clock.advance(17_000);
  assert.equal(detector.isConvicted('a'), false);
  await clock.advance(1_000);
  assert.equal(detector.isConvicted('a'), true);
});

test('intervals above the maximum are ignored; remove forgets history', async () => {
  const clock = new SimulatedClock();
  const detector = new FailureDetector({ clock, phiConvictThreshold: 1, initialIntervalMs: 1000 });
  detector.report('a');
  await clock.advance(60_000);
  detector.report('a'); // a 60 s gap is not learned as normal
  await clock.advance(3_000);
  assert.ok((detector.phi('a') as number) > 1, 'mean stayed at 1000 ms');
  detector.remove('a');
  assert.equal(detector.phi('a'), undefined);
});
