// TRUNCATE that a replica does not confirm is Cassandra's TruncateException: the client hears
// TRUNCATE_ERROR (0x1003), as drivers expect, not a ServerError for an internode failure, once
// truncate_request_timeout (60 s by default) has passed.
// run-tests: two at a time

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drive, proxyFor, table } from './harness/coordinator-fixtures.js';
import { StorageCluster, type StorageNode } from './harness/storage-cluster.js';
import { CqlError, ErrorCode } from '../src/db/common/errors.js';

test('a replica cut off before it confirms TRUNCATE: TruncateError, not ServerError, after truncate_request_timeout', async () => {
  const cluster = new StorageCluster({ nodes: 3, seed: 23, tables: [table] });
  await cluster.startAll();
  assert.ok(await cluster.runUntil(() => cluster.gossip.converged(), 60_000), cluster.describe());
  const [first, , third] = cluster.endpoints;
  const coordinator = cluster.node(0) as StorageNode;
  // Every node is still alive to the coordinator's failure detector, so the request is sent and lost.
  cluster.gossip.network.cut(first as string, third as string);
  const truncateFailure = async (timeouts: { truncateTimeoutMs?: number }) => {
    const started = cluster.clock.nowMs();
    const error = await drive(cluster, proxyFor(coordinator, cluster.clock, undefined, timeouts).truncate(table.keyspace, table.tableId)).then(
      () => assert.fail('TRUNCATE succeeded without the cut-off replica'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof CqlError && error.code === ErrorCode.TruncateError, String(error));
    return { message: error.message, waitedMs: cluster.clock.nowMs() - started };
  };
  // Cassandra's default truncate_request_timeout, 60 s, then the configured one.
  const byDefault = await truncateFailure({});
  assert.match(byDefault.message, /^Error during truncate: .*no response in 60000 ms/);
  assert.ok(byDefault.waitedMs >= 60_000 && byDefault.waitedMs < 61_000, `waited ${byDefault.waitedMs} ms`);
  const configured = await truncateFailure({ truncateTimeoutMs: 3_000 });
  assert.match(configured.message, /^Error during truncate: .*no response in 3000 ms/);
  assert.ok(configured.waitedMs >= 3_000 && configured.waitedMs < 4_000, `waited ${configured.waitedMs} ms`);
});
