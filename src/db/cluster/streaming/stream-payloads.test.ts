import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CorruptionError } from '../../common/errors.js';
import { SimulatedClock } from '../../../../test/harness/simulated-clock.js';
import { SyncResponseWriter } from '../repair/repair-payloads.js';
import { checkedBody, decodeStreamPullResponse, withChecksum } from './stream-payloads.js';
import { StreamThrottle } from './stream-manager.js';

// A page built by hand: more=0, count=0 (no partitions), so the fixture does not depend on the partition layout.
const emptyPage = Buffer.from([0, 0, 0, 0, 0]);

test('a checksummed page decodes; every truncation and every flipped byte is refused as corruption', () => {
  const payload = withChecksum(emptyPage);
  assert.deepEqual(decodeStreamPullResponse(payload, 'test'), { more: false, partitions: [] });
  for (let length = 0; length < payload.length; length++) {
    assert.throws(() => decodeStreamPullResponse(payload.subarray(0, length), 'test'), CorruptionError, `truncated at ${length}`);
  }
  for (let index = 0; index < payload.length; index++) {
    const corrupt = Buffer.from(payload);
    corrupt[index] = (corrupt[index] as number) ^ 0x40;
    assert.throws(() => checkedBody(corrupt, 'test'), /checksum mismatch/, `byte ${index} flipped`);
  }
});

test('the page writer and the checksum agree on the body', () => {
  const body = new SyncResponseWriter().finish(true);
  assert.deepEqual(decodeStreamPullResponse(withChecksum(body), 'test'), { more: true, partitions: [] });
});

test('the throttle holds the outbound rate: 1 MiB at 256 KiB/s takes about 4 s, unthrottled none', async () => {
  const clock = new SimulatedClock();
  const throttle = new StreamThrottle(clock, 256 * 1024);
  const started = clock.monotonicMs();
  let done = false;
  const sending = (async () => {
    for (let page = 0; page < 16; page++) await throttle.acquire(64 * 1024);
    done = true;
  })();
  await clock.advanceUntil(() => done, { limitMs: 10_000, stepMs: 10 });
  await sending;
  const elapsedMs = clock.monotonicMs() - started;
  assert.ok(elapsedMs >= 3_800 && elapsedMs <= 4_100, `took ${elapsedMs} ms`);
  const free = new StreamThrottle(clock, 0);
  const before = clock.monotonicMs();
  await free.acquire(1 << 30);
  assert.equal(clock.monotonicMs(), before);
});
