import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText, resolveNodeConfig } from '../../db/node/config.js';
import { parseClientEncryption, parseServerEncryption } from '../../db/node/encryption.js';
import { nodeArguments, nodeConfigYaml, planCluster, readManifest, seedAddresses, writeManifest, ManifestError } from './manifest.js';

const plan = () => planCluster({ directory: '/tmp/c', nodeCount: 3, nativePort: 19042, storagePort: 17000, adminPort: 17199, numTokens: 8, clusterName: 'Demo "A"' });

test('node i listens on 127.0.0.i with files under DIR/node<i>', () => {
  const manifest = plan();
  assert.deepEqual(manifest.nodes, [
    { index: 1, address: '127.0.0.1', directory: '/tmp/c/node1', pid: null },
    { index: 2, address: '127.0.0.2', directory: '/tmp/c/node2', pid: null },
    { index: 3, address: '127.0.0.3', directory: '/tmp/c/node3', pid: null },
  ]);
  assert.deepEqual(nodeArguments(manifest.nodes[1]!), ['node', '--config', '/tmp/c/node2/conf/aero.yaml', '--data-dir', '/tmp/c/node2']);
});

test('a TLS cluster: each node encrypts both ports with its own keystore and the cluster CA, mutual TLS between nodes', () => {
  const manifest = planCluster({ directory: '/tmp/c', nodeCount: 2, nativePort: 19042, storagePort: 17000, adminPort: 17199, numTokens: 8, clusterName: 'Demo', tls: true });
  assert.deepEqual(manifest.tls, { certificatesDirectory: '/tmp/c/certs', caFile: '/tmp/c/certs/ca.pem', requireClientAuth: false });
  const node = manifest.nodes[1]!;
  const warnings: string[] = [];
  const config = resolveNodeConfig(parseConfigText(nodeConfigYaml(manifest, node), 'aero.yaml'), {
    flags: { dataDir: node.directory }, onWarning: (warning) => warnings.push(warning),
  });
  const client = parseClientEncryption(config.clientEncryptionOptions, (warning) => warnings.push(warning));
  const server = parseServerEncryption(config.serverEncryptionOptions, (warning) => warnings.push(warning));
  assert.deepEqual(warnings, []);
  assert.equal(client?.keystore, '/tmp/c/certs/node2.pem');
  assert.equal(client?.requireClientAuth, false);
  assert.equal(server?.truststore, '/tmp/c/certs/ca.pem');
  assert.equal(server?.requireClientAuth, true);
  assert.equal(server?.requireEndpointVerification, true);
  assert.equal(nodeConfigYaml(plan(), plan().nodes[0]!).includes('encryption'), false);
});

test('an --auth cluster: PasswordAuthenticator and CassandraAuthorizer on every node, kept by the manifest', () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-manifest-auth-'));
  try {
    const manifest = planCluster({ directory, nodeCount: 2, nativePort: 9042, storagePort: 7000, adminPort: 7199, numTokens: 8, clusterName: 'c', auth: true });
    assert.equal(manifest.auth, true);
    const node = manifest.nodes[0]!;
    const config = resolveNodeConfig(parseConfigText(nodeConfigYaml(manifest, node), 'aero.yaml'), { flags: { dataDir: node.directory }, onWarning: () => {} });
    assert.equal(config.authenticator, 'PasswordAuthenticator');
    assert.equal(config.authorizer, 'CassandraAuthorizer');
    writeManifest(manifest);
    assert.equal(readManifest(directory)?.auth, true);
    const plain = plan();
    assert.equal(plain.auth, undefined);
    assert.equal(nodeConfigYaml(plain, plain.nodes[0]!).includes('authenticator'), false);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test('seeds: the first node, and the second once there are more than two', () => {
  assert.deepEqual(seedAddresses(1), ['127.0.0.1']);
  assert.deepEqual(seedAddresses(2), ['127.0.0.1']);
  assert.deepEqual(seedAddresses(3), ['127.0.0.1', '127.0.0.2']);
});

test('the node configuration is one the node accepts, with the planned addresses and ports', () => {
  const manifest = plan();
  const node = manifest.nodes[2]!;
  const warnings: string[] = [];
  const config = resolveNodeConfig(parseConfigText(nodeConfigYaml(manifest, node), 'aero.yaml'), {
    flags: { dataDir: node.directory }, onWarning: (warning) => warnings.push(warning),
  });
  assert.deepEqual(warnings, []);
  assert.equal(config.clusterName, 'Demo "A"');
  assert.equal(config.listenAddress, '127.0.0.3');
  assert.equal(config.rpcAddress, '127.0.0.3');
  assert.equal(config.nativeTransportPort, 19042);
  assert.equal(config.storagePort, 17000);
  assert.equal(config.adminPort, 17199);
  assert.equal(config.numTokens, 8);
  assert.deepEqual(config.seeds, [{ host: '127.0.0.1', port: 17000 }, { host: '127.0.0.2', port: 17000 }]);
  assert.equal(config.logDirectory, '/tmp/c/node3/logs');
});

test('the manifest survives a write and a read; a damaged one is named', () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-manifest-'));
  try {
    assert.equal(readManifest(directory), null);
    const manifest = planCluster({ directory, nodeCount: 2, nativePort: 9042, storagePort: 7000, adminPort: 7199, numTokens: 16, clusterName: 'c' });
    manifest.nodes[0]!.pid = 1234;
    writeManifest(manifest);
    assert.deepEqual(readManifest(directory), manifest);
    writeFileSync(join(directory, 'cluster.json'), '{"version": 1, "nodes": []');
    assert.throws(() => readManifest(directory), (error: unknown) => error instanceof ManifestError && /is not JSON/.test(error.message));
    writeFileSync(join(directory, 'cluster.json'), JSON.stringify({ ...manifest, nativePort: 0 }));
    assert.throws(() => readManifest(directory), /is not a cluster manifest: nativePort/);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
