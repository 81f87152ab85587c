import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiskError } from '../../src/db/common/errors.js';
import { SimulatedDisk } from './simulated-disk.js';

test('crash keeps synced bytes and synced directory entries only', async () => {
  const disk = new SimulatedDisk();
  await disk.makeDirectory('d');
  const a = await disk.openAppend('d/a');
  await a.append(Buffer.from('abc'));
  await a.sync();
  await disk.syncDirectory('d');
  await a.append(Buffer.from('def'));
  const b = await disk.openAppend('d/b');
  await b.append(Buffer.from('x'));
  await b.sync();
  disk.crash();
  assert.deepEqual(await disk.list('d'), ['a']);
  assert.equal((await disk.readFile('d/a')).toString(), 'abc');
  await assert.rejects(a.append(Buffer.from('z')), DiskError);
});

test('unsynced renames and removes are reverted by a crash', async () => {
  const disk = new SimulatedDisk();
  await disk.makeDirectory('d');
  const f = await disk.openAppend('d/f.tmp');
  await f.append(Buffer.from('data'));
  await f.sync();
  await disk.syncDirectory('d');
  await disk.rename('d/f.tmp', 'd/f.db');
  disk.crash();
  assert.deepEqual(await disk.list('d'), ['f.tmp']);
  await disk.rename('d/f.tmp', 'd/f.db');
  await disk.syncDirectory('d');
  await disk.remove('d/f.db');
  disk.crash();
  assert.deepEqual(await disk.list('d'), ['f.db']);
});

test('torn writes keep a prefix of unsynced bytes', async () => {
  const disk = new SimulatedDisk({ seed: 7 });
  await disk.makeDirectory('d');
  const f = await disk.openAppend('d/f');
  await disk.syncDirectory('d');
  await f.append(Buffer.from('0123456789'));
  disk.crash({ tornWrites: true });
  const kept = (await disk.readFile('d/f')).toString();
  assert.ok('0123456789'.startsWith(kept));
});

test('ENOSPC after the capacity, with a partial write', async () => {
  const disk = new SimulatedDisk({ capacityBytes: 5 });
  await disk.makeDirectory('d');
  const f = await disk.openAppend('d/f');
  await f.append(Buffer.from('abc'));
  await assert.rejects(f.append(Buffer.from('defg')), (e: unknown) => e instanceof DiskError && e.systemCode === 'ENOSPC');
  assert.equal(f.size(), 5);
  assert.equal(await disk.freeBytes(), 0);
});
