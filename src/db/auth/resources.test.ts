import test from 'node:test';
import assert from 'node:assert/strict';
import { CqlError } from '../common/errors.js';
import { applicablePermissions, displayResource, displayResourceName, parseResourceName, requestedPermissions, resourceChain, resourceName } from './resources.js';
import type { AuthResource } from '../cql/plan.js';

test('resource names, display forms and parents follow Cassandra', () => {
  const cases: Array<[AuthResource, string, string]> = [
    [{ kind: 'allKeyspaces' }, 'data', '<all keyspaces>'],
    [{ kind: 'keyspace', keyspace: 'ks' }, 'data/ks', '<keyspace ks>'],
    [{ kind: 'table', keyspace: 'ks', table: 't' }, 'data/ks/t', '<table ks.t>'],
    [{ kind: 'allRoles' }, 'roles', '<all roles>'],
    [{ kind: 'role', role: 'a/b' }, 'roles/a/b', '<role a/b>'],
  ];
  for (const [resource, name, display] of cases) {
    assert.equal(resourceName(resource), name);
    assert.equal(displayResource(resource), display);
    assert.deepEqual(parseResourceName(name), resource);
  }
  assert.equal(parseResourceName('functions/ks/f'), null);
  assert.deepEqual(resourceChain({ kind: 'table', keyspace: 'ks', table: 't' }).map(resourceName), ['data/ks/t', 'data/ks', 'data']);
});

test('ALL PERMISSIONS means the applicable set; others are refused', () => {
  assert.deepEqual(requestedPermissions('all', { kind: 'table', keyspace: 'ks', table: 't' }), ['ALTER', 'DROP', 'SELECT', 'MODIFY', 'AUTHORIZE']);
  assert.deepEqual(applicablePermissions({ kind: 'allRoles' }), ['CREATE', 'ALTER', 'DROP', 'AUTHORIZE', 'DESCRIBE']);
  assert.throws(() => requestedPermissions(['DESCRIBE'], { kind: 'keyspace', keyspace: 'ks' }), CqlError);
  assert.throws(() => requestedPermissions(['CREATE'], { kind: 'table', keyspace: 'ks', table: 't' }), /DataResource does not support the requested permissions: CREATE/);
});

test('function resources are named as Cassandra FunctionResource names them, and parse back', () => {
  const int = { kind: 'native', name: 'int' } as const;
  const fn: AuthResource = {
    kind: 'function', keyspace: 'ks', name: 'f',
    argumentTypes: [int, { kind: 'list', element: { kind: 'native', name: 'text' }, frozen: true }, { kind: 'map', key: int, value: { kind: 'native', name: 'uuid' }, frozen: false }],
  };
  const name = resourceName(fn);
  assert.equal(name, 'functions/ks/f[org.apache.cassandra.db.marshal.Int32Type^org.apache.cassandra.db.marshal.FrozenType(org.apache.cassandra.db.marshal.ListType(org.apache.cassandra.db.marshal.UTF8Type))^org.apache.cassandra.db.marshal.MapType(org.apache.cassandra.db.marshal.Int32Type,org.apache.cassandra.db.marshal.UUIDType)]');
  assert.deepEqual(parseResourceName(name), fn);
  assert.equal(displayResourceName(name), '<function ks.f(int, list<text>, map<int, uuid>)>');
  assert.equal(resourceName({ kind: 'function', keyspace: 'ks', name: 'none', argumentTypes: [] }), 'functions/ks/none[]');
  assert.deepEqual(parseResourceName('functions/ks/none[]'), { kind: 'function', keyspace: 'ks', name: 'none', argumentTypes: [] });
  assert.equal(displayResourceName('functions'), '<all functions>');
  assert.equal(displayResourceName('functions/ks'), '<all functions in ks>');
  assert.deepEqual(resourceChain(fn).map(resourceName), [name, 'functions/ks', 'functions']);
  assert.deepEqual(applicablePermissions(fn), ['ALTER', 'DROP', 'AUTHORIZE', 'EXECUTE']);
  assert.deepEqual(applicablePermissions({ kind: 'keyspaceFunctions', keyspace: 'ks' }), ['CREATE', 'ALTER', 'DROP', 'AUTHORIZE', 'EXECUTE']);
  assert.throws(() => requestedPermissions(['SELECT'], fn), /Resource type FunctionResource does not support the requested permissions: SELECT/);
  assert.throws(() => requestedPermissions(['EXECUTE'], { kind: 'table', keyspace: 'ks', table: 't' }), /Resource type DataResource does not support the requested permissions: EXECUTE/);
});
