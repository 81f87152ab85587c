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

test('the default threshold convicts after about 5.8 mean intervals of silence (a killed node: under 10 s)', async () => {
  const clock = new SimulatedClock();
  const detector = new FailureDetector({ clock, samplesMax: 8 });
  detector.report('a');
  for (let beat = 0; beat < 8; beat++) {
    await clock.advance(1000);
    detector.report('a');
  }
  // phi = silence / 1000 ms / ln(10) passes 2.5 at 2.5 * ln(10) * 1000 ms ≈ 5757 ms.
  await clock.advance(5_700);
  assert.equal(detector.isConvicted('a'), false);
  await clock.advance(100);
  assert.equal(detector.isConvicted('a'), true);
  // One heartbeat clears it; the long gap is not learned (above the 2000 ms maximum).
  detector.report('a');
  assert.equal(detector.isConvicted('a'), false);
  await clock.advance(5_700);
  assert.equal(detector.isConvicted('a'), false, 'mean still 1000 ms');
});

test('a new endpoint starts from the initial interval: slower to convict until it has samples', async () => {
  const clock = new SimulatedClock();
  const detector = new FailureDetector({ clock, initialIntervalMs: 2000 });
  detector.report('a');
  // Only the 2000 ms initial interval: conviction after 2.5 * ln(10) * 2000 ms ≈ 11.5 s.
  await clock.advance(11_000);
  assert.equal(detector.isConvicted('a'), false);
  await clock.advance(600);
  assert.equal(detector.isConvicted('a'), true);
});
