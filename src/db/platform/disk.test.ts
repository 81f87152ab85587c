import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskError } from '../common/errors.js';
import { realDisk } from './disk.js';

test('real disk: append, read, sync, rename, list, remove', async () => {
  const root = await mkdtemp(join(tmpdir(), 'aero-disk-'));
  try {
    const disk = realDisk(root);
    await disk.makeDirectory('data/ks');
    const file = await disk.openAppend('data/ks/a.tmp');
    await file.append(Buffer.from('hello '));
    await file.append(Buffer.from('world'));
    assert.equal(file.size(), 11);
    await file.sync();
    assert.equal((await file.read(6, 5)).toString(), 'world');
    await assert.rejects(file.read(8, 5), (e: unknown) => e instanceof DiskError && e.systemCode === 'EOF');
    await file.close();
    await disk.rename('data/ks/a.tmp', 'data/ks/a.db');
    await disk.syncDirectory('data/ks');
    assert.deepEqual(await disk.list('data/ks'), ['a.db']);
    assert.equal((await disk.readFile('data/ks/a.db')).toString(), 'hello world');
    const again = await disk.openAppend('data/ks/a.db');
    assert.equal(again.size(), 11);
    await again.close();
    assert.equal(await disk.exists('data/ks/a.db'), true);
    await disk.remove('data/ks/a.db');
    assert.equal(await disk.exists('data/ks/a.db'), false);
    await assert.rejects(disk.openRead('data/ks/missing'), (e: unknown) => e instanceof DiskError && e.systemCode === 'ENOENT');
    assert.equal(typeof (await disk.freeBytes('data')), 'number');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('real disk: synchronous reads stop 2 ms after the first one of an event-loop turn; the next turn reads on the thread again', async () => {
  const root = await mkdtemp(join(tmpdir(), 'aero-disk-'));
  try {
    let clock = 0;
    const disk = realDisk(root, { now: () => clock });
    const writer = await disk.openAppend('f');
    await writer.append(Buffer.alloc(4096, 3));
    await writer.close();
    const a = await disk.openRead('f');
    const b = await disk.openRead('f');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(a.readNow(0, 4)?.length, 4);
    clock = 1.9;
    // The budget belongs to the disk, not to one file.
    assert.equal(b.readNow(0, 4)?.length, 4, 'within 2 ms of the turn\'s first read');
    clock = 2;
    assert.equal(a.readNow(0, 4), undefined, '2 ms into the turn a read goes to the thread pool');
    assert.equal(b.readNow(0, 4), undefined);
    // Promise continuations are the same turn: a loop of awaits must still reach the thread pool.
    await Promise.resolve();
    assert.equal(a.readNow(0, 4), undefined);
    assert.deepEqual(await a.read(0, 4), Buffer.alloc(4, 3));
    await new Promise((resolve) => setImmediate(resolve));
    clock = 50;
    assert.deepEqual(a.readNow(0, 4), Buffer.alloc(4, 3), 'a later turn reads on the thread again');
    clock = 51;
    assert.deepEqual(b.readNow(0, 4), Buffer.alloc(4, 3));
    await a.close();
    await b.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('real disk: readNow reads a block on the calling thread, and declines after a slow read, for large reads and in standard mode', async () => {
  const root = await mkdtemp(join(tmpdir(), 'aero-disk-'));
  try {
    let clock = 1_000;
    let slow = false;
    // Each clock reading during a "slow" read moves time 3 ms, as if the read waited for the device.
    const disk = realDisk(root, { now: () => (slow ? (clock += 3) : clock) });
    const writer = await disk.openAppend('f');
    await writer.append(Buffer.alloc(128 * 1024, 7));
    await writer.append(Buffer.from('tail'));
    await writer.close();
    const file = await disk.openRead('f');
    assert.equal(file.readNow(128 * 1024, 4)?.toString(), 'tail');
    assert.equal(file.readNow(0, 128 * 1024), undefined, 'reads over 64 KiB go to the thread pool');
    assert.throws(() => file.readNow(128 * 1024, 8), (e: unknown) => e instanceof DiskError && e.systemCode === 'EOF');
    // Each step in a new event-loop turn, so that only the slow-read rule is tested here.
    const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
    await nextTurn();
    slow = true;
    assert.equal(file.readNow(0, 4)?.length, 4);
    slow = false;
    assert.equal(file.readNow(0, 4), undefined, 'a slow read sends the next reads to the thread pool');
    assert.equal((await file.read(0, 4)).length, 4);
    clock += 999;
    await nextTurn();
    assert.equal(file.readNow(0, 4), undefined);
    clock += 1;
    await nextTurn();
    assert.deepEqual(file.readNow(0, 4), Buffer.alloc(4, 7), 'and on this thread again a second later');
    await file.close();
    const standard = await realDisk(root, { accessMode: 'standard' }).openRead('f');
    assert.equal(standard.readNow(0, 4), undefined);
    assert.equal((await standard.read(128 * 1024, 4)).toString(), 'tail');
    await standard.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('real disk: thread-pool reads in flight when the file closes each get their own bytes, and a read after close fails as a DiskError', async () => {
  const root = await mkdtemp(join(tmpdir(), 'aero-disk-'));
  try {
    const disk = realDisk(root, { accessMode: 'standard' });
    const writer = await disk.openAppend('blocks');
    const block = Buffer.alloc(64 * 1024);
    for (let i = 0; i < 64; i++) {
      block.fill(i);
      await writer.append(block);
    }
    await writer.close();
    const file = await disk.openRead('blocks');
    // Many reads in flight, then close at once: every read gets its own bytes (reads use the
    // descriptor, and close waits for them: a descriptor closed under a read could be reused).
    const reads = Array.from({ length: 64 }, (_, i) => file.read(i * block.length, block.length));
    const closed = file.close();
    const blocks = await Promise.all(reads);
    await closed;
    blocks.forEach((read, i) => assert.deepEqual(read, Buffer.alloc(block.length, i), `block ${i}`));
    await assert.rejects(file.read(0, 4), (e: unknown) => e instanceof DiskError);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
