import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText, resolveNodeConfig } from '../../db/node/config.js';
import { EnvironmentError, nodeConfigPath, nodeSettingsFromEnvironment, seedHost, type ContainerFacts } from './environment.js';

const facts: ContainerFacts = { address: '172.28.12.11', resolved: new Map([['node1', '172.28.12.11'], ['node2', '172.28.12.12']]) };

/** The settings as `aero node --config` would load them. */
function loaded(environment: Record<string, string>, given: ContainerFacts = facts) {
  const settings = nodeSettingsFromEnvironment(environment, given);
  return { settings, config: resolveNodeConfig(parseConfigText(settings.yaml, 'aero.yaml'), { cwd: '/' }) };
}

test('with no variables the node listens on the container address and is its own seed', () => {
  const { settings, config } = loaded({});
  assert.equal(config.listenAddress, '172.28.12.11');
  assert.equal(config.broadcastAddress, '172.28.12.11');
  assert.equal(config.rpcAddress, '172.28.12.11');
  assert.equal(config.clusterName, 'Test Cluster');
  assert.deepEqual(config.seeds.map((seed) => seed.host), ['172.28.12.11']);
  assert.equal(config.endpointSnitch, 'SimpleSnitch');
  assert.equal(config.authenticator, 'AllowAllAuthenticator');
  assert.equal(config.clientEncryptionOptions, null);
  assert.deepEqual(settings.warnings, []);
});

test('CASSANDRA_* variables set the cluster, seeds (names resolved), datacenter, rack and addresses', () => {
  const { config } = loaded({
    CASSANDRA_CLUSTER_NAME: 'Aerolineas Rusticas', CASSANDRA_SEEDS: 'node1, node2:7001,10.0.0.9', CASSANDRA_DC: 'dc-east', CASSANDRA_RACK: 'r2',
    CASSANDRA_BROADCAST_ADDRESS: '10.1.2.3', CASSANDRA_NUM_TOKENS: '8', AERO_LOG_LEVEL: 'debug',
  });
  assert.equal(config.clusterName, 'Aerolineas Rusticas');
  assert.deepEqual(config.seeds, [{ host: '172.28.12.11', port: 7000 }, { host: '172.28.12.12', port: 7001 }, { host: '10.0.0.9', port: 7000 }]);
  assert.equal(config.endpointSnitch, 'GossipingPropertyFileSnitch');
  assert.equal(config.dc, 'dc-east');
  assert.equal(config.rack, 'r2');
  assert.equal(config.listenAddress, '172.28.12.11');
  assert.equal(config.broadcastAddress, '10.1.2.3');
  assert.equal(config.broadcastRpcAddress, '10.1.2.3');
  assert.equal(config.numTokens, 8);
  assert.equal(config.logLevel, 'debug');
});

test('CASSANDRA_LISTEN_ADDRESS=auto is the container address; another value must be an IP address', () => {
  assert.equal(loaded({ CASSANDRA_LISTEN_ADDRESS: 'auto' }).config.listenAddress, '172.28.12.11');
  assert.equal(loaded({ CASSANDRA_LISTEN_ADDRESS: '10.9.8.7' }).config.listenAddress, '10.9.8.7');
  assert.throws(() => nodeSettingsFromEnvironment({ CASSANDRA_LISTEN_ADDRESS: 'node1' }, facts), EnvironmentError);
});

test('a seed name that does not resolve is left out with a warning; none resolving is an error', () => {
  const { settings, config } = loaded({ CASSANDRA_SEEDS: 'node1,ghost' });
  assert.deepEqual(config.seeds.map((seed) => seed.host), ['172.28.12.11']);
  assert.deepEqual(settings.warnings, ['seed ghost does not resolve; leaving it out']);
  assert.throws(() => nodeSettingsFromEnvironment({ CASSANDRA_SEEDS: 'ghost' }, facts), /no seed of CASSANDRA_SEEDS \(ghost\) resolves/);
});

test('AERO_TLS_* turn on TLS on both ports as aero cluster --tls does; AERO_AUTH requires logins', () => {
  const { config } = loaded({ AERO_TLS_KEYSTORE: '/certs/node1.pem', AERO_TLS_TRUSTSTORE: '/certs/ca.pem', AERO_AUTH: 'true' });
  assert.deepEqual(config.clientEncryptionOptions, { enabled: true, optional: false, keystore: '/certs/node1.pem', truststore: '/certs/ca.pem', require_client_auth: false });
  assert.equal(config.serverEncryptionOptions?.['internode_encryption'], 'all');
  assert.equal(config.serverEncryptionOptions?.['require_endpoint_verification'], true);
  assert.equal(config.authenticator, 'PasswordAuthenticator');
  assert.equal(config.authorizer, 'CassandraAuthorizer');
  assert.throws(() => nodeSettingsFromEnvironment({ AERO_TLS_KEYSTORE: '/certs/node1.pem' }, facts), /go together/);
  assert.throws(() => nodeSettingsFromEnvironment({ AERO_AUTH: 'maybe' }, facts), /AERO_AUTH expects true or false/);
});

test('a cluster name with YAML syntax in it survives the file', () => {
  assert.equal(loaded({ CASSANDRA_CLUSTER_NAME: 'a: "b" # c' }).config.clusterName, 'a: "b" # c');
});

test('seed hosts and the configuration path', () => {
  assert.equal(seedHost('node1:7001'), 'node1');
  assert.equal(seedHost('[fd00::1]:7001'), 'fd00::1');
  assert.equal(seedHost('fd00::1'), 'fd00::1');
  assert.equal(nodeConfigPath({}), '/var/lib/aero/conf/aero.yaml');
  assert.equal(nodeConfigPath({ AERO_DATA_DIR: '/data' }), '/data/conf/aero.yaml');
});

test('AERO_AUTO_BOOTSTRAP and AERO_RING_DELAY_MS set auto_bootstrap and ring_delay_ms; a new node bootstraps by default', () => {
  assert.equal(loaded({}).config.autoBootstrap, true);
  const { config } = loaded({ AERO_AUTO_BOOTSTRAP: 'false', AERO_RING_DELAY_MS: '5000' });
  assert.equal(config.autoBootstrap, false);
  assert.equal(config.ringDelayMs, 5000);
  assert.throws(() => nodeSettingsFromEnvironment({ AERO_RING_DELAY_MS: 'soon' }, facts), /AERO_RING_DELAY_MS expects milliseconds/);
  assert.throws(() => nodeSettingsFromEnvironment({ AERO_AUTO_BOOTSTRAP: 'maybe' }, facts), EnvironmentError);
});
