// User-defined functions and aggregates through the DataStax Node.js driver (issue 13): with
// enable_user_defined_functions on, CREATE [OR REPLACE] FUNCTION / AGGREGATE in JavaScript,
// calls in selectors and aggregates over a partition, system_schema and the driver's
// metadata, DESCRIBE, DROP; a function that loops forever fails its query with
// FunctionFailure and the node keeps answering. A second node with the defaults refuses
// CREATE FUNCTION and CREATE MATERIALIZED VIEW with Cassandra's messages. Real processes,
// because the flags are the node's configuration and the time limit must hold in a server.
// run-tests: two at a time

import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
import { startDriverNode, type DriverNode } from './harness/driver-node.js';

const { types } = cassandra;
let fixture: DriverNode | undefined;
let client: cassandra.Client;

before(async () => {
  fixture = await startDriverNode('udf', { extraConfig: 'enable_user_defined_functions: true\nuser_defined_function_fail_timeout: 300' });
  client = fixture.client;
});

after(async () => {
  await fixture?.stop();
});

async function refused(query: string, expected: { code: number; message: string | RegExp }, on: cassandra.Client = client): Promise<void> {
  await assert.rejects(on.execute(query), (error: { code?: number; message?: string }) => {
    assert.equal(error.code, expected.code, `code of ${query}: ${error.message}`);
    if (typeof expected.message === 'string') assert.equal(error.message, expected.message, `message of ${query}`);
    else assert.match(error.message ?? '', expected.message, `message of ${query}`);
    return true;
  });
}

const invalid = (message: string | RegExp) => ({ code: types.responseErrorCodes.invalid, message });

test('functions in selectors, aggregates over a partition, schema tables, DESCRIBE and DROP', async () => {
  await client.execute('CREATE TABLE udf.readings (sensor text, at int, celsius double, tags list<text>, PRIMARY KEY (sensor, at))');
  for (const [at, celsius, tags] of [[1, 20.5, ['a']], [2, 22, ['b', 'c']], [3, null, null], [4, 17.5, []]] as const) {
    await client.execute('INSERT INTO udf.readings (sensor, at, celsius, tags) VALUES (?, ?, ?, ?)', ['s1', at, celsius, tags], { prepare: true });
  }
  await client.execute("CREATE FUNCTION udf.fahrenheit (c double) RETURNS NULL ON NULL INPUT RETURNS double LANGUAGE javascript AS 'c * 9 / 5 + 32'");
  await client.execute(`CREATE FUNCTION udf.joined (l list<text>, sep text) CALLED ON NULL INPUT RETURNS text LANGUAGE javascript
    AS $$ if (l === null) return 'none'; return l.join(sep); $$`);
  const rows = (await client.execute("SELECT at, udf.fahrenheit(celsius) AS f, joined(tags, '+') FROM udf.readings WHERE sensor = 's1'")).rows;
  assert.deepEqual(rows.map((row) => [row['at'], row['f'], row['udf.joined(tags, \'+\')']]),
    [[1, 68.9, 'a'], [2, 71.6, 'b+c'], [3, null, 'none'], [4, 63.5, 'none']], 'RETURNS NULL ON NULL INPUT gives null; an empty list reads as null');
  const prepared = await client.execute('SELECT udf.fahrenheit(celsius) FROM udf.readings WHERE sensor = ? AND at = ?', ['s1', 2], { prepare: true });
  assert.equal(prepared.first()['udf.fahrenheit(celsius)'], 71.6);
  // In terms too: values written, and a WHERE value.
  await client.execute("CREATE FUNCTION udf.twice (v int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE javascript AS 'return v * 2;'");
  await client.execute("INSERT INTO udf.readings (sensor, at, celsius) VALUES ('s2', twice(?), udf.fahrenheit(?))", [1, 100], { prepare: true });
  const written = await client.execute("SELECT at, celsius FROM udf.readings WHERE sensor = 's2' AND at = udf.twice(1)");
  assert.deepEqual(written.rows.map((row) => [row['at'], row['celsius']]), [[2, 212]]);
  await client.execute("DELETE FROM udf.readings WHERE sensor = 's2' AND at = udf.twice(?)", [1], { prepare: true });
  assert.equal((await client.execute("SELECT * FROM udf.readings WHERE sensor = 's2'")).rowLength, 0);

  // An average as Cassandra's documentation builds it: a tuple state, a final function.
  await client.execute(`CREATE FUNCTION udf.avg_state (state tuple<int, double>, v double) CALLED ON NULL INPUT RETURNS tuple<int, double>
    LANGUAGE javascript AS 'v === null ? state : [state[0] + 1, state[1] + v]'`);
  await client.execute(`CREATE FUNCTION udf.avg_final (state tuple<int, double>) CALLED ON NULL INPUT RETURNS double
    LANGUAGE javascript AS 'state[0] === 0 ? null : state[1] / state[0]'`);
  await client.execute('CREATE AGGREGATE udf.average (double) SFUNC avg_state STYPE tuple<int, double> FINALFUNC avg_final INITCOND (0, 0)');
  const average = await client.execute("SELECT udf.average(celsius), count(*) FROM udf.readings WHERE sensor = 's1'");
  assert.deepEqual([average.first()['udf.average(celsius)'], average.first()['count'].toNumber()], [20, 4]);
  const none = await client.execute("SELECT udf.average(celsius) FROM udf.readings WHERE sensor = 'nobody'");
  assert.equal(none.first()['udf.average(celsius)'], null);

  const functions = await client.execute("SELECT function_name, argument_names, argument_types, return_type, called_on_null_input, language FROM system_schema.functions WHERE keyspace_name = 'udf'");
  assert.deepEqual(functions.rows.map((row) => [row['function_name'], row['argument_types'], row['return_type'], row['called_on_null_input']]).sort(), [
    ['avg_final', ['tuple<int, double>'], 'double', true], ['avg_state', ['tuple<int, double>', 'double'], 'tuple<int, double>', true],
    ['fahrenheit', ['double'], 'double', false], ['joined', ['list<text>', 'text'], 'text', true], ['twice', ['int'], 'int', false],
  ]);
  const aggregate = (await client.execute("SELECT * FROM system_schema.aggregates WHERE keyspace_name = 'udf'")).first();
  assert.deepEqual([aggregate['aggregate_name'], aggregate['state_func'], aggregate['final_func'], aggregate['initcond'], aggregate['return_type']],
    ['average', 'avg_state', 'avg_final', '(0, 0)', 'double']);
  const fahrenheit = await client.metadata.getFunction('udf', 'fahrenheit', ['double']);
  // The typings call returnType a string; the driver gives its type object ({ code, info }).
  const returnType = fahrenheit?.returnType as unknown as { code: number } | undefined;
  assert.deepEqual([fahrenheit?.language, returnType?.code], ['javascript', types.dataTypes.double], "the driver's metadata");

  const average_ = await client.metadata.getAggregate('udf', 'average', ['double']);
  assert.deepEqual([average_?.stateFunction, average_?.finalFunction, average_?.initCondition], ['avg_state', 'avg_final', '(0, 0)']);
  const described = (await client.execute('DESCRIBE FUNCTION udf.fahrenheit')).first()['create_statement'];
  assert.equal(described, 'CREATE FUNCTION udf.fahrenheit(c double)\n    RETURNS NULL ON NULL INPUT\n    RETURNS double\n    LANGUAGE javascript\n    AS $$c * 9 / 5 + 32$$;');
  const keyspace = (await client.execute('DESCRIBE KEYSPACE udf')).rows.map((row) => `${row['type']} ${row['name']}`);
  assert.deepEqual(keyspace, ['keyspace udf', 'function avg_final', 'function avg_state', 'function fahrenheit', 'function joined', 'function twice', 'aggregate average', 'table readings']);

  await client.execute("CREATE OR REPLACE FUNCTION udf.fahrenheit (c double) RETURNS NULL ON NULL INPUT RETURNS double LANGUAGE javascript AS 'Math.round(c * 9 / 5 + 32)'");
  assert.equal((await client.execute("SELECT udf.fahrenheit(celsius) AS f FROM udf.readings WHERE sensor = 's1' AND at = 1")).first()['f'], 69);
  await refused("CREATE FUNCTION udf.fahrenheit (c double) RETURNS NULL ON NULL INPUT RETURNS double LANGUAGE javascript AS 'c'", invalid("Function 'udf.fahrenheit' already exists"));
  await refused("CREATE OR REPLACE FUNCTION udf.fahrenheit (c double) CALLED ON NULL INPUT RETURNS double LANGUAGE javascript AS 'c'",
    invalid("Function 'udf.fahrenheit' must have RETURNS NULL ON NULL INPUT directive"));
  await refused('DROP FUNCTION udf.avg_state', invalid("Function 'udf.avg_state' is still referenced by aggregates udf.average"));
  await client.execute('DROP AGGREGATE udf.average');
  await client.execute('DROP FUNCTION udf.avg_state (tuple<int, double>, double)');
  await client.execute('DROP FUNCTION IF EXISTS udf.nothing');
  await refused('DROP FUNCTION udf.nothing', invalid("Function 'udf.nothing' doesn't exist"));
  const left = await client.execute("SELECT function_name FROM system_schema.functions WHERE keyspace_name = 'udf'");
  assert.deepEqual(left.rows.map((row) => row['function_name']).sort(), ['avg_final', 'fahrenheit', 'joined', 'twice']);
});

test('bad functions: endless loops and exceptions fail the query, bad definitions are refused', async () => {
  await client.execute('CREATE TABLE udf.t (k int PRIMARY KEY, v int)');
  await client.execute('INSERT INTO udf.t (k, v) VALUES (1, 1)');
  await client.execute("CREATE FUNCTION udf.spin (v int) CALLED ON NULL INPUT RETURNS int LANGUAGE javascript AS 'while (true) {}'");
  await client.execute("CREATE FUNCTION udf.boom (v int) CALLED ON NULL INPUT RETURNS int LANGUAGE javascript AS 'v.no.such'");
  await client.execute("CREATE FUNCTION udf.wrong (v int) CALLED ON NULL INPUT RETURNS int LANGUAGE javascript AS '\"text\"'");
  const failure = (message: RegExp) => ({ code: types.responseErrorCodes.functionFailure, message });
  const started = Date.now();
  await refused('SELECT udf.spin(v) FROM udf.t WHERE k = 1', failure(/^execution of 'udf\.spin\[int\]' failed: User defined function udf\.spin\(int\) ran longer than 300ms$/));
  assert.ok(Date.now() - started < 10_000, 'the endless loop was stopped');
  assert.equal((await client.execute('SELECT v FROM udf.t WHERE k = 1')).first()['v'], 1, 'the node still answers');
  await refused('SELECT udf.boom(v) FROM udf.t WHERE k = 1', failure(/^execution of 'udf\.boom\[int\]' failed: TypeError: Cannot read properties of undefined/));
  await refused('SELECT udf.wrong(v) FROM udf.t WHERE k = 1', failure(/^execution of 'udf\.wrong\[int\]' failed: the result "text" is not a value of type int/));

  await refused("CREATE FUNCTION udf.j (v int) CALLED ON NULL INPUT RETURNS int LANGUAGE java AS 'return v;'",
    invalid("Java user-defined functions are not supported by this database (no JVM): write 'udf.j' with LANGUAGE javascript"));
  await refused("CREATE FUNCTION udf.p (v int) CALLED ON NULL INPUT RETURNS int LANGUAGE python AS 'v'", invalid("Invalid language 'python' for function 'udf.p'"));
  await refused("CREATE FUNCTION udf.s (v int) CALLED ON NULL INPUT RETURNS int LANGUAGE javascript AS 'v +'", invalid(/^Failed to compile function 'udf\.s' for language javascript: /));
  await refused("CREATE FUNCTION udf.d (v int, v text) CALLED ON NULL INPUT RETURNS int LANGUAGE javascript AS 'v'",
    invalid('Duplicate argument names for given function udf.d with argument names v, v'));
  await refused("CREATE FUNCTION udf.f (v frozen<list<int>>) CALLED ON NULL INPUT RETURNS int LANGUAGE javascript AS '1'",
    invalid("Argument 'frozen<list>' cannot be frozen; remove frozen<> modifier from 'frozen<list>'"));
  await refused('CREATE AGGREGATE udf.a (int) SFUNC nothing STYPE int', invalid("State function udf.nothing(int, int) doesn't exist"));
  await client.execute("CREATE FUNCTION udf.plus (s int, v int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE javascript AS 's + v'");
  await refused('CREATE AGGREGATE udf.a (int) SFUNC plus STYPE int',
    invalid("Cannot create aggregate 'udf.a' without INITCOND because state function plus does not accept 'null' arguments"));
  await refused('SELECT udf.plus(v) FROM udf.t', invalid(/^Invalid call to function udf\.plus|^Unknown function/));
});

test('with the defaults, CREATE FUNCTION and CREATE MATERIALIZED VIEW are refused with Cassandra\'s messages', async () => {
  const plain = await startDriverNode('plain');
  try {
    await refused("CREATE FUNCTION plain.f (v int) CALLED ON NULL INPUT RETURNS int LANGUAGE javascript AS 'v'",
      invalid('User-defined functions are disabled in cassandra.yaml - set enable_user_defined_functions=true to enable'), plain.client);
    await refused('CREATE AGGREGATE plain.a (int) SFUNC f STYPE int',
      invalid('User-defined functions are disabled in cassandra.yaml - set enable_user_defined_functions=true to enable'), plain.client);
    await plain.client.execute('CREATE TABLE plain.t (k int PRIMARY KEY, v int)');
    await refused('CREATE MATERIALIZED VIEW plain.v AS SELECT * FROM plain.t WHERE v IS NOT NULL AND k IS NOT NULL PRIMARY KEY (v, k)',
      invalid('Materialized views are disabled. Enable in cassandra.yaml to use.'), plain.client);
  } finally {
    await plain.stop();
  }
});
