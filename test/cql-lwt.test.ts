// Lightweight transactions with the DataStax Node.js driver, unmodified (issue 13): on one node,
// IF NOT EXISTS, IF conditions, conditional batches, SERIAL reads and the refusals. Clients
// racing compare-and-set increments through the coordinators of three real node processes are
// in test/cql-cluster.test.ts, on the cluster that file starts once.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { startDriverNode } from './harness/driver-node.js';

const { consistencies } = cassandra.types;

test('one node: IF NOT EXISTS, IF conditions, conditional batches, SERIAL reads', { timeout: 60_000 }, async () => {
  const fixture = await startDriverNode('lwt');
  const client = fixture.client;
  try {
    await client.execute('CREATE TABLE lwt.accounts (id text, entry int, owner text, balance int, PRIMARY KEY (id, entry))');
    const insert = 'INSERT INTO lwt.accounts (id, entry, owner, balance) VALUES (?, ?, ?, ?) IF NOT EXISTS';
    const first = await client.execute(insert, ['a', 1, 'ana', 10], { prepare: true });
    assert.equal(first.wasApplied(), true);
    assert.deepEqual(first.columns?.map((c) => c.name), ['[applied]']);
    const second = await client.execute(insert, ['a', 1, 'bob', 99], { prepare: true });
    assert.equal(second.wasApplied(), false);
    assert.deepEqual(second.columns?.map((c) => c.name), ['[applied]', 'id', 'entry', 'balance', 'owner']);
    assert.deepEqual({ ...second.first() }, { '[applied]': false, id: 'a', entry: 1, balance: 10, owner: 'ana' });

    const update = 'UPDATE lwt.accounts SET balance = ? WHERE id = ? AND entry = ? IF balance = ? AND owner = ?';
    const failed = await client.execute(update, [20, 'a', 1, 11, 'ana'], { prepare: true });
    assert.equal(failed.wasApplied(), false);
    assert.deepEqual({ ...failed.first() }, { '[applied]': false, balance: 10, owner: 'ana' }, 'the current values of the conditioned columns');
    assert.equal((await client.execute(update, [20, 'a', 1, 10, 'ana'], { prepare: true })).wasApplied(), true);
    assert.equal((await client.execute("UPDATE lwt.accounts SET balance = 0 WHERE id = 'a' AND entry = 9 IF EXISTS")).wasApplied(), false);

    const batch = await client.batch([
      { query: 'UPDATE lwt.accounts SET balance = ? WHERE id = ? AND entry = ? IF balance = ?', params: [15, 'a', 1, 20] },
      { query: 'INSERT INTO lwt.accounts (id, entry, owner, balance) VALUES (?, ?, ?, ?) IF NOT EXISTS', params: ['a', 2, 'ana', 5] },
    ], { prepare: true });
    assert.equal(batch.wasApplied(), true);
    const lost = await client.batch([
      { query: 'UPDATE lwt.accounts SET balance = ? WHERE id = ? AND entry = ? IF balance = ?', params: [0, 'a', 1, 15] },
      { query: 'UPDATE lwt.accounts SET balance = ? WHERE id = ? AND entry = ? IF balance = ?', params: [0, 'a', 2, 999] },
    ], { prepare: true });
    assert.equal(lost.wasApplied(), false);
    assert.deepEqual(lost.rows.map((row) => [row['entry'], row['balance']]), [[1, 15], [2, 5]], 'a batch shows every row it read, with its key');

    const serial = await client.execute("SELECT entry, balance FROM lwt.accounts WHERE id = 'a'", [], { consistency: consistencies.serial });
    assert.deepEqual(serial.rows.map((row) => [row['entry'], row['balance']]), [[1, 15], [2, 5]]);
    const localSerial = await client.execute(update, [16, 'a', 1, 15, 'ana'], { prepare: true, serialConsistency: consistencies.localSerial });
    assert.equal(localSerial.wasApplied(), true);

    const invalid = async (query: string, message: string, options: cassandra.QueryOptions = {}) => {
      await assert.rejects(client.execute(query, [], options), (error: Error & { code?: number }) => {
        assert.equal(error.code, 0x2200);
        assert.equal(error.message, message);
        return true;
      });
    };
    await invalid("BEGIN BATCH INSERT INTO lwt.accounts (id, entry) VALUES ('a', 3) IF NOT EXISTS; INSERT INTO lwt.accounts (id, entry) VALUES ('b', 3); APPLY BATCH",
      'Batch with conditions cannot span multiple partitions');
    await invalid("INSERT INTO lwt.accounts (id, entry) VALUES ('a', 3) IF NOT EXISTS USING TIMESTAMP 1", 'Cannot provide custom timestamp for conditional updates');
    await invalid("UPDATE lwt.accounts SET owner = 'x' WHERE id = 'a' AND entry = 1 IF entry = 1", "PRIMARY KEY column 'entry' cannot have IF conditions");
    await invalid("UPDATE lwt.accounts SET owner = 'x' WHERE id = 'a' AND entry = 1 IF owner = 'y'", 'Invalid consistency for conditional update. Must be one of SERIAL or LOCAL_SERIAL',
      { serialConsistency: consistencies.quorum });
  } finally {
    await fixture.stop();
  }
});
