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
