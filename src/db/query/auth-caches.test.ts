// roles_validity_in_ms, permissions_validity_in_ms, credentials_validity_in_ms and the update
// intervals: a second AuthService over the same system_auth plays another node, whose caches a
// GRANT, REVOKE or DROP made through the first never clears. The change reaches it when the
// entry expires, not before; past the update interval the old entry is served while it reloads.

import test from 'node:test';
import assert from 'node:assert/strict';
import { ConsistencyLevel } from '../common/consistency.js';
import { silentLogger } from '../common/world.js';
import { defaultQueryParameters } from '../protocol/query-parameters.js';
import { openProcessorFixture } from '../../../test/harness/processor-fixture.js';
import { QueryProcessor, type QuerySession } from './query-processor.js';
import { AuthService, type AuthCacheSettings } from '../auth/auth-service.js';
import type { AuthQueryExecutor } from '../auth/role-store.js';
import { createDefaultSuperuserIfNoRoles } from '../auth/default-superuser.js';

async function setup(otherNode: Partial<AuthCacheSettings>) {
  const { clock, random, storage, schema, coordinator } = await openProcessorFixture();
  const world = { clock, random, logger: silentLogger };
  const executor: AuthQueryExecutor = { execute: (query, values, consistency) => processor.internalQuery(query, values, consistency) };
  const auth: AuthService = new AuthService({ executor, world, authentication: true, authorization: true, bcryptWorkFactor: 4 });
  const processor: QueryProcessor = new QueryProcessor({ world, schema, storage, coordinator, virtualRows: () => [], auth });
  await processor.start();
  const other = new AuthService({ executor, world, authentication: true, authorization: true, bcryptWorkFactor: 4, caches: otherNode });
  await createDefaultSuperuserIfNoRoles(auth);
  const admin: QuerySession = { keyspace: null, user: 'cassandra' };
  const run = (query: string) => processor.query(query, defaultQueryParameters(ConsistencyLevel.ONE), admin);
  await run("CREATE KEYSPACE ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await run('CREATE TABLE ks.t (k int PRIMARY KEY)');
  await run("CREATE ROLE alice WITH PASSWORD = 'pw' AND LOGIN = true");
  await run('GRANT SELECT ON TABLE ks.t TO alice');
  /** Whether the other node lets alice read ks.t. */
  const mayRead = () => other.authorize('alice', [{ permission: 'SELECT', keyspace: 'ks', table: 't' }]).then(() => true, () => false);
  return { clock, run, other, mayRead };
}

test('a revoked permission takes effect on another node when permissions_validity_in_ms has passed, not before', async () => {
  const { clock, run, mayRead } = await setup({ permissions: { validityMs: 5_000 }, roles: { validityMs: 60_000 } });
  assert.equal(await mayRead(), true);
  await run('REVOKE SELECT ON TABLE ks.t FROM alice');
  await clock.advance(4_999);
  assert.equal(await mayRead(), true, 'the cached permission still holds inside the validity window');
  await clock.advance(1);
  assert.equal(await mayRead(), false, 'the revoke takes effect once the entry expires');
});

test('past permissions_update_interval_in_ms the old entry serves once while it reloads; validity 0 caches nothing', async () => {
  const { clock, run, mayRead } = await setup({ permissions: { validityMs: 10_000, updateIntervalMs: 1_000 } });
  assert.equal(await mayRead(), true);
  await run('REVOKE SELECT ON TABLE ks.t FROM alice');
  await clock.advance(999);
  assert.equal(await mayRead(), true);
  await clock.advance(1);
  assert.equal(await mayRead(), true, 'the stale entry answers while the reload runs');
  await clock.advance(1);
  assert.equal(await mayRead(), false, 'the reloaded entry, long before the validity ends');

  const uncached = await setup({ permissions: { validityMs: 0 } });
  assert.equal(await uncached.mayRead(), true);
  await uncached.run('REVOKE SELECT ON TABLE ks.t FROM alice');
  assert.equal(await uncached.mayRead(), false, 'validity 0: every check reads system_auth');
});

test('a dropped role is refused on another node after roles_validity_in_ms, a changed password after credentials_validity_in_ms', async () => {
  const { clock, run, other } = await setup({ roles: { validityMs: 3_000 }, credentials: { validityMs: 8_000 } });
  assert.equal(await other.login('alice', 'pw'), true);
  await run("ALTER ROLE alice WITH PASSWORD = 'new'");
  await clock.advance(7_999);
  assert.equal(await other.login('alice', 'pw'), true, 'inside the credentials validity the old password still logs in');
  assert.equal(await other.login('alice', 'new'), false);
  await clock.advance(1);
  assert.equal(await other.login('alice', 'pw'), false, 'the old password is refused once the entry expires');
  assert.equal(await other.login('alice', 'new'), true);

  await other.checkSession('alice');
  await run('DROP ROLE alice');
  await clock.advance(2_999);
  await other.checkSession('alice');
  await clock.advance(1);
  await assert.rejects(other.checkSession('alice'), /alice does not exist/);
});
