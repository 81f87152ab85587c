import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNodeConfig, parseConfigText, resolveNodeConfig } from './config.js';
import { nodeConfigYaml, writeNodeConfigFile, type NodeConfigFileSettings } from './config-file.js';

const cwd = '/srv/aero';

function readBack(text: string) {
  const warnings: string[] = [];
  const config = resolveNodeConfig(parseConfigText(text, 'aero.yaml'), { cwd, onWarning: (message) => warnings.push(message) });
  return { config, warnings };
}

test('every setting written is read back by config.ts as given, with no warning', () => {
  const settings: NodeConfigFileSettings = {
    clusterName: 'Aerolíneas "Rústicas": #1',
    listenAddress: '127.0.0.3',
    rpcAddress: '127.0.0.4',
    nativeTransportPort: 19042,
    storagePort: 17000,
    adminPort: 17199,
    numTokens: 8,
    logLevel: 'warn',
    memtableFlushBytes: 262_144,
    seeds: ['127.0.0.1', '127.0.0.2:17001'],
    authenticator: 'PasswordAuthenticator',
    authorizer: 'CassandraAuthorizer',
    clientEncryptionOptions: { enabled: true, optional: false, keystore: '/certs/node 3.pem', truststore: '/certs/ca.pem', require_client_auth: false },
    serverEncryptionOptions: { internode_encryption: 'all', keystore: '/certs/node3.pem', truststore: '/certs/ca.pem', require_endpoint_verification: true },
  };
  const { config, warnings } = readBack(nodeConfigYaml(settings));
  assert.deepEqual(warnings, []);
  assert.equal(config.clusterName, settings.clusterName);
  assert.equal(config.listenAddress, '127.0.0.3');
  assert.equal(config.rpcAddress, '127.0.0.4');
  assert.equal(config.nativeTransportPort, 19042);
  assert.equal(config.storagePort, 17000);
  assert.equal(config.adminPort, 17199);
  assert.equal(config.numTokens, 8);
  assert.equal(config.logLevel, 'warn');
  assert.equal(config.memtableFlushBytes, 262_144);
  assert.deepEqual(config.seeds, [{ host: '127.0.0.1', port: 17000 }, { host: '127.0.0.2', port: 17001 }]);
  assert.equal(config.authenticator, 'PasswordAuthenticator');
  assert.equal(config.authorizer, 'CassandraAuthorizer');
  assert.deepEqual(config.clientEncryptionOptions, settings.clientEncryptionOptions);
  assert.deepEqual(config.serverEncryptionOptions, settings.serverEncryptionOptions);
});

test('settings left out are not written: the node takes its defaults', () => {
  const text = nodeConfigYaml({ nativeTransportPort: 9100 });
  assert.equal(text, 'native_transport_port: 9100\n');
  const { config } = readBack(text);
  assert.deepEqual(config, resolveNodeConfig({ native_transport_port: 9100 }, { cwd }));
});

test('cassandra.yaml key names and the header comment', () => {
  const text = nodeConfigYaml({ clusterName: 'Test', seeds: ['127.0.0.1'], storagePort: 7001 }, 'Written by a test.');
  assert.equal(text.split('\n')[0], '# Written by a test.');
  assert.match(text, /^cluster_name: Test$/m);
  assert.match(text, /^storage_port: 7001$/m);
  assert.match(text, /^seed_provider:\n {2}- class_name: org\.apache\.cassandra\.locator\.SimpleSeedProvider\n {4}parameters:\n {6}- seeds: 127\.0\.0\.1$/m);
});

test('seeds: at least one, at most seedsMax', () => {
  assert.throws(() => nodeConfigYaml({ seeds: [] }), /expected 1 to \d+ seeds, got 0/);
});

test('the file written loads as the node loads it', async () => {
  const directory = await mkdtemp(join(tmpdir(), 'aero-config-file-'));
  try {
    const file = join(directory, 'aero.yaml');
    writeNodeConfigFile(file, { clusterName: 'On Disk', listenAddress: '127.0.0.2', seeds: ['127.0.0.1'] });
    const config = await loadNodeConfig({ file, cwd });
    assert.equal(config.clusterName, 'On Disk');
    assert.equal(config.listenAddress, '127.0.0.2');
    assert.deepEqual(config.seeds, [{ host: '127.0.0.1', port: 7000 }]);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
});
