import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText, resolveNodeConfig } from '../../db/node/config.js';
import { nodeConfigYaml, planCluster, readManifest, writeManifest } from './manifest.js';
import { mergeNodeSettings, NodeSettingError, parseNodeSetting } from './node-settings.js';

test('--set name=value: the value is YAML, an empty value removes the setting', () => {
  assert.deepEqual(parseNodeSetting('write_request_timeout=10s'), { key: 'write_request_timeout', value: '10s' });
  assert.deepEqual(parseNodeSetting('max_hint_window_in_ms=2000'), { key: 'max_hint_window_in_ms', value: 2000 });
  assert.deepEqual(parseNodeSetting('hinted_handoff_enabled=false'), { key: 'hinted_handoff_enabled', value: false });
  assert.deepEqual(parseNodeSetting('audit_logging_options={enabled: true, included_keyspaces: ks}'),
    { key: 'audit_logging_options', value: { enabled: true, included_keyspaces: 'ks' } });
  assert.deepEqual(parseNodeSetting(' memtable_heap_space = 64MiB'), { key: 'memtable_heap_space', value: '64MiB' });
  assert.deepEqual(parseNodeSetting('memtable_heap_space='), { key: 'memtable_heap_space', value: null });
});

test('--set refuses what the node would not read, and what aero cluster writes itself', () => {
  const refused = (text: string, pattern: RegExp) =>
    assert.throws(() => parseNodeSetting(text), (error: unknown) => error instanceof NodeSettingError && pattern.test(error.message), text);
  refused('write_request_timeout', /--set expects name=value/);
  refused('=3', /--set expects name=value/);
  refused('write_request_timout=10s', /--set write_request_timout: not a setting the node reads/);
  refused('native_transport_port=9043', /--set native_transport_port: aero cluster sets it itself, from --base-port/);
  refused('authenticator=PasswordAuthenticator', /from --auth/);
  refused('hints_directory=/tmp/h', /DIR\/node<i>\/hints/);
  refused('audit_logging_options={enabled: true', /--set audit_logging_options: the value is not YAML/);
});

test('--set values are checked by the node configuration schema, naming the setting', () => {
  const merged = mergeNodeSettings({ max_hint_window_in_ms: 2000, write_request_timeout: '5s' }, [
    { key: 'write_request_timeout', value: '30s' }, { key: 'max_hint_window_in_ms', value: null }, { key: 'memtable_heap_space', value: '64MiB' },
  ]);
  assert.deepEqual(merged, { write_request_timeout: '30s', memtable_heap_space: '64MiB' });
  assert.throws(() => mergeNodeSettings({}, [parseNodeSetting('write_request_timeout=soon')]),
    /^NodeSettingError: --set write_request_timeout: configuration error in 'write_request_timeout': expected a duration such as 2000ms, 2s or 1m, .* got 'soon'$/);
  assert.throws(() => mergeNodeSettings({ endpoint_snitch: 'SimpleSnitch' }, [parseNodeSetting('dc=east')]), /--set dc: configuration error in 'dc': requires endpoint_snitch/);
  assert.throws(() => mergeNodeSettings({}, [parseNodeSetting('batch_size_fail_threshold_in_kb=-1')]), /--set batch_size_fail_threshold_in_kb: configuration error .*expected an integer/);
});

test('the manifest keeps the settings and every node configuration carries them', () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-settings-'));
  try {
    const settings = mergeNodeSettings({}, ['write_request_timeout=30s', 'max_hint_window_in_ms=2000', 'hinted_handoff_enabled=true'].map(parseNodeSetting));
    const manifest = planCluster({ directory, nodeCount: 2, nativePort: 9042, storagePort: 7000, adminPort: 7199, numTokens: 8, clusterName: 'c', settings });
    writeManifest(manifest);
    const read = readManifest(directory);
    assert.deepEqual(read?.settings, settings);
    for (const node of read?.nodes ?? []) {
      const config = resolveNodeConfig(parseConfigText(nodeConfigYaml(read!, node), 'aero.yaml'), { flags: { dataDir: node.directory }, onWarning: assert.fail });
      assert.equal(config.requestTimeouts.writeMs, 30_000);
      assert.equal(config.maxHintWindowMs, 2000);
      assert.equal(config.listenAddress, node.address);
    }
    const plain = planCluster({ directory, nodeCount: 1, nativePort: 9042, storagePort: 7000, adminPort: 7199, numTokens: 8, clusterName: 'c', settings: {} });
    assert.equal('settings' in plain, false);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
