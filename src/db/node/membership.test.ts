import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveNodeConfig } from './config.js';
import { MembershipError, shouldBootstrap } from './membership.js';

const seedConfig = resolveNodeConfig({ listen_address: '127.0.0.1' }, { cwd: '/' });
const otherConfig = resolveNodeConfig({ listen_address: '127.0.0.2', seed_provider: [{ class_name: 'SimpleSeedProvider', parameters: [{ seeds: '127.0.0.1' }] }] }, { cwd: '/' });

test('a node bootstraps at its first start unless it is a seed or auto_bootstrap is off; an unfinished bootstrap runs again', () => {
  assert.equal(shouldBootstrap({ config: otherConfig, firstStart: true, state: undefined }), true);
  assert.equal(shouldBootstrap({ config: seedConfig, firstStart: true, state: undefined }), false, 'a seed does not bootstrap');
  assert.equal(shouldBootstrap({ config: { ...otherConfig, autoBootstrap: false }, firstStart: true, state: undefined }), false);
  assert.equal(shouldBootstrap({ config: otherConfig, firstStart: false, state: undefined }), false, 'data from before bootstrap-state existed');
  assert.equal(shouldBootstrap({ config: otherConfig, firstStart: false, state: 'COMPLETED' }), false);
  assert.equal(shouldBootstrap({ config: otherConfig, firstStart: false, state: 'IN_PROGRESS' }), true, 'a crashed bootstrap joins again');
  assert.equal(shouldBootstrap({ config: seedConfig, firstStart: false, state: 'IN_PROGRESS' }), true);
  assert.throws(() => shouldBootstrap({ config: otherConfig, firstStart: false, state: 'DECOMMISSIONED' }), (error: unknown) => error instanceof MembershipError && /decommissioned and will not rejoin/.test(error.message));
});
