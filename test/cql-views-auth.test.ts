// Materialized views under PasswordAuthenticator + CassandraAuthorizer, through the DataStax
// driver: CREATE, ALTER and DROP MATERIALIZED VIEW need ALTER on the base table (Cassandra's
// CreateViewStatement, AlterViewStatement and DropViewStatement authorize), which ALTER on the
// keyspace covers; a view that does not exist asks for nothing.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { startNodeProcess } from './harness/node-process.js';
import { waitFor } from './harness/local-cluster.js';

const config = 'authenticator: PasswordAuthenticator\nauthorizer: CassandraAuthorizer\nenable_materialized_views: true';

async function unauthorized(promise: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(promise, (error: { code?: number; message?: string }) => {
    assert.equal(error.code, 0x2100, String(error.message));
    assert.equal(error.message, message);
    return true;
  });
}

/** Runs a statement until it stops failing Unauthorized (granted permissions reach the cache). */
async function once(client: cassandra.Client, query: string): Promise<void> {
  await waitFor(query, async () => client.execute(query).then(() => true, (error: { code?: number }) => {
    if (error.code !== 0x2100) throw error;
    return false;
  }), 10_000);
}

test('CREATE, ALTER and DROP MATERIALIZED VIEW need ALTER on the base table', { timeout: 180_000 }, async () => {
  const node = await startNodeProcess({ extraConfig: config });
  const open = (user: string, password: string) => new cassandra.Client({
    contactPoints: [`${node.host}:${node.nativePort}`], localDataCenter: 'datacenter1', authProvider: new cassandra.auth.PlainTextAuthProvider(user, password),
  });
  const admin = open('cassandra', 'cassandra');
  const owner = open('owner', 'owner-pw');
  try {
    await admin.connect();
    await admin.execute("CREATE KEYSPACE app WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await admin.execute('CREATE TABLE app.flights (id int PRIMARY KEY, airline text)');
    await admin.execute('CREATE TABLE app.other (id int PRIMARY KEY)');
    await admin.execute("CREATE ROLE owner WITH PASSWORD = 'owner-pw' AND LOGIN = true");
    await owner.connect();
    const create = `CREATE MATERIALIZED VIEW app.by_airline AS SELECT id, airline FROM app.flights
      WHERE airline IS NOT NULL AND id IS NOT NULL PRIMARY KEY (airline, id)`;
    const noAlter = 'User owner has no ALTER permission on <table app.flights> or any of its parents';
    await unauthorized(owner.execute(create), noAlter);
    // ALTER on another table does not do; ALTER on the base table does.
    await admin.execute('GRANT ALTER ON TABLE app.other TO owner');
    await unauthorized(owner.execute(create), noAlter);
    await admin.execute('GRANT ALTER ON TABLE app.flights TO owner');
    await once(owner, create);
    await owner.execute("ALTER MATERIALIZED VIEW app.by_airline WITH comment = 'by airline'");

    await admin.execute('REVOKE ALTER ON TABLE app.flights FROM owner');
    await waitFor('the revoke reaches the cache', async () => owner.execute("ALTER MATERIALIZED VIEW app.by_airline WITH comment = 'x'").then(() => false, () => true), 10_000);
    await unauthorized(owner.execute("ALTER MATERIALIZED VIEW app.by_airline WITH comment = 'x'"), noAlter);
    await unauthorized(owner.execute('DROP MATERIALIZED VIEW app.by_airline'), noAlter);
    // No such view: nothing is asked (IF EXISTS then does nothing).
    await owner.execute('DROP MATERIALIZED VIEW IF EXISTS app.nope');
    // ALTER on the keyspace covers its tables.
    await admin.execute('GRANT ALTER ON KEYSPACE app TO owner');
    await once(owner, 'DROP MATERIALIZED VIEW app.by_airline');
    const views = await admin.execute("SELECT view_name FROM system_schema.views WHERE keyspace_name = 'app'");
    assert.equal(views.rowLength, 0);
  } finally {
    await owner.shutdown();
    await admin.shutdown();
    assert.equal(await node.stop(), 0);
    node.cleanup();
  }
});
