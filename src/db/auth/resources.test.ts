import test from 'node:test';
import assert from 'node:assert/strict';
import { CqlError } from '../common/errors.js';
import { applicablePermissions, displayResource, parseResourceName, requestedPermissions, resourceChain, resourceName } from './resources.js';
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
