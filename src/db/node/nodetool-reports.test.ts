import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentRepaired } from './nodetool-reports.js';

test('percentRepaired: Cassandra\'s global gauge, 100 without user sstables, 0 with unrepaired user data', () => {
  assert.equal(percentRepaired([]), 100);
  // System keyspaces do not count (totalNonSystemTablesSize).
  assert.equal(percentRepaired([{ keyspace: 'system', sstableBytes: 4096 }, { keyspace: 'system_schema', sstableBytes: 10 }, { keyspace: 'flights', sstableBytes: 0 }]), 100);
  assert.equal(percentRepaired([{ keyspace: 'system', sstableBytes: 4096 }, { keyspace: 'flights', sstableBytes: 1 }]), 0);
});
