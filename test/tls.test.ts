// Issue 6, TLS for clients: real nodes with client_encryption_options, certificates from
// `aero certs`' module. The DataStax Node.js driver connects with sslOptions and the CA, fails
// with another CA, and without TLS when TLS is required; optional: true serves both; with
// require_client_auth only a client with a certificate gets in. The Python driver connects
// with an ssl_context. A recording proxy shows no plaintext CQL crosses the wire with TLS
// (and that it does without, so the check can fail). system.log at debug holds no private key
// and no keystore password.
// run-tests: two at a time

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cassandra from 'cassandra-driver';
import type { LogLevel } from '../src/db/node/config.js';
import type { EncryptionSettings } from '../src/db/node/config-file.js';
import { freePort } from './harness/node-process.js';
import { makeCertificates, recordingProxy, removeTemporaryDirectories, spawnNode, type SpawnedNode, type TestCertificates } from './tls-support.js';

const keystorePassword = 'Tr0ub4dor-keystore-pass';
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

let certificates: TestCertificates;
let foreign: TestCertificates;
const nodes: Record<'strict' | 'optional' | 'clientAuth', { node: SpawnedNode; nativePort: number }> = {} as never;
const clients: cassandra.Client[] = [];

async function startTlsNode(settings: EncryptionSettings, logLevel: LogLevel = 'info') {
  const [nativePort, storagePort, adminPort] = [await freePort(), await freePort(), await freePort()];
  const node = await spawnNode({
    address: '127.0.0.1', nativePort, storagePort, adminPort, seeds: `127.0.0.1:${storagePort}`, clusterName: 'TLS Test', logLevel,
    encryption: { clientEncryptionOptions: { enabled: true, keystore: certificates.nodeKeystore(1), truststore: certificates.caFile, ...settings } },
  });
  return { node, nativePort };
}

/**
 * A driver client of 127.0.0.1:port. refused: the connection is expected to fail; the driver
 * notices a connection closed during STARTUP only at the read timeout, so keep that short.
 */
function client(port: number, sslOptions?: Record<string, unknown>, options: { refused?: boolean } = {}): cassandra.Client {
  const created = new cassandra.Client({
    contactPoints: [`127.0.0.1:${port}`], localDataCenter: 'datacenter1', protocolOptions: { port },
    socketOptions: { connectTimeout: 8000, readTimeout: options.refused === true ? 3000 : 15_000 },
    ...(sslOptions === undefined ? {} : { sslOptions }),
  });
  clients.push(created);
  return created;
}

/** The driver's sslOptions default to rejectUnauthorized: false; a real deployment (and this test) turns it on. */
function verified(caPem: string): Record<string, unknown> {
  return { ca: [caPem], rejectUnauthorized: true };
}

before(async () => {
  certificates = makeCertificates('tls', [1]);
  foreign = makeCertificates('foreign', [1]);
  // An encrypted keystore, so that the password's absence from the log is checked.
  const { keyPem, certificatePems } = splitKeystore(readFileSync(certificates.nodeKeystore(1), 'utf8'));
  const encrypted = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: keystorePassword }).toString();
  const encryptedKeystore = join(certificates.directory, 'node1-encrypted.pem');
  writeFileSync(encryptedKeystore, encrypted + certificatePems.join('\n'), { mode: 0o600 });
  const started = await Promise.all([
    startTlsNode({ keystore: encryptedKeystore, keystore_password: keystorePassword }, 'debug'),
    startTlsNode({ optional: true }),
    startTlsNode({ require_client_auth: true }),
  ]);
  nodes.strict = started[0];
  nodes.optional = started[1];
  nodes.clientAuth = started[2];
});

after(async () => {
  await Promise.all(clients.map((each) => each.shutdown().catch(() => undefined)));
  await Promise.all(Object.values(nodes).map(({ node }) => node.stop()));
  removeTemporaryDirectories();
});

function splitKeystore(text: string): { keyPem: string; certificatePems: string[] } {
  const blocks = text.match(/-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g) ?? [];
  return { keyPem: blocks.find((block) => block.includes('PRIVATE KEY')) ?? '', certificatePems: blocks.filter((block) => block.includes('CERTIFICATE')) };
}

test('the Node.js driver connects over TLS with the CA and queries', async () => {
  const secure = client(nodes.strict.nativePort, verified(certificates.caPem));
  await secure.connect();
  await secure.execute("CREATE KEYSPACE IF NOT EXISTS tls_ks WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
  await secure.execute('CREATE TABLE IF NOT EXISTS tls_ks.kv (k int PRIMARY KEY, v text)');
  await secure.execute('INSERT INTO tls_ks.kv (k, v) VALUES (?, ?)', [1, 'over tls'], { prepare: true });
  const row = (await secure.execute('SELECT v FROM tls_ks.kv WHERE k = ?', [1], { prepare: true })).first();
  assert.equal(row?.get('v'), 'over tls');
});

test('the driver refuses a node whose certificate is not from its CA', async () => {
  await assert.rejects(client(nodes.strict.nativePort, verified(foreign.caPem), { refused: true }).connect(), (error: Error) => {
    assert.equal(error.name, 'NoHostAvailableError');
    assert.match(JSON.stringify(Object.values((error as unknown as { innerErrors: Record<string, Error> }).innerErrors).map((inner) => inner.message)), /certificate/);
    return true;
  });
});

test('a plaintext client is refused when TLS is required, and served when it is optional', async () => {
  await assert.rejects(client(nodes.strict.nativePort, undefined, { refused: true }).connect(), { name: 'NoHostAvailableError' });
  const plain = client(nodes.optional.nativePort);
  await plain.connect();
  assert.equal((await plain.execute("SELECT cluster_name FROM system.local WHERE key = 'local'")).first()?.get('cluster_name'), 'TLS Test');
  const secure = client(nodes.optional.nativePort, verified(certificates.caPem));
  await secure.connect();
  assert.equal((await secure.execute("SELECT cluster_name FROM system.local WHERE key = 'local'")).first()?.get('cluster_name'), 'TLS Test');
});

test('require_client_auth: a client without a certificate fails, one with a certificate from the CA succeeds', async () => {
  await assert.rejects(client(nodes.clientAuth.nativePort, verified(certificates.caPem), { refused: true }).connect(), { name: 'NoHostAvailableError' });
  const foreignClient = foreign.clientPem;
  await assert.rejects(client(nodes.clientAuth.nativePort, { ...verified(certificates.caPem), key: foreignClient, cert: foreignClient }, { refused: true }).connect(), { name: 'NoHostAvailableError' });
  const authenticated = client(nodes.clientAuth.nativePort, { ...verified(certificates.caPem), key: certificates.clientPem, cert: certificates.clientPem });
  await authenticated.connect();
  assert.equal((await authenticated.execute('SELECT release_version FROM system.local')).rowLength, 1);
});

test('the Python driver connects over TLS with an ssl_context', () => {
  const script = [
    'import ssl, sys',
    'from cassandra.cluster import Cluster',
    'context = ssl.create_default_context(cafile=sys.argv[3])',
    'context.check_hostname = False  # the CA signature is verified; the node is addressed by IP',
    'cluster = Cluster([sys.argv[1]], port=int(sys.argv[2]), ssl_context=context, connect_timeout=20, control_connection_timeout=20)',
    'session = cluster.connect()',
    "print(session.execute(\"SELECT cluster_name FROM system.local WHERE key = 'local'\").one().cluster_name)",
    'cluster.shutdown()',
  ].join('\n');
  const result = spawnSync(python, ['-c', script, '127.0.0.1', String(nodes.strict.nativePort), certificates.caFile], { encoding: 'utf8', timeout: 90_000 });
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
  assert.equal(result.stdout.trim(), 'TLS Test');
});

/** Runs distinctive CQL through a recording proxy in front of port; returns what crossed the wire. */
async function captureSession(port: number, sslOptions?: Record<string, unknown>): Promise<Buffer> {
  const proxy = await recordingProxy({ host: '127.0.0.1', port });
  try {
    const session = client(proxy.port, sslOptions);
    await session.connect();
    await session.execute("CREATE KEYSPACE IF NOT EXISTS capture_keyspace WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
    await session.execute('CREATE TABLE IF NOT EXISTS capture_keyspace.secrets (k int PRIMARY KEY, v text)');
    await session.execute('INSERT INTO capture_keyspace.secrets (k, v) VALUES (?, ?)', [7, 'distinctive-secret-value'], { prepare: true });
    const row = (await session.execute('SELECT v FROM capture_keyspace.secrets WHERE k = 7')).first();
    assert.equal(row?.get('v'), 'distinctive-secret-value');
    await session.shutdown();
    return proxy.recorded();
  } finally {
    proxy.close();
  }
}

test('a capture of the traffic shows no plaintext CQL with TLS, and shows it without', async () => {
  const plaintexts = ['capture_keyspace', 'distinctive-secret-value', 'INSERT INTO', 'system.local'];
  const clear = await captureSession(nodes.optional.nativePort);
  for (const text of plaintexts) assert.ok(clear.includes(text), `the plaintext capture should hold '${text}'`);
  const encrypted = await captureSession(nodes.strict.nativePort, verified(certificates.caPem));
  assert.ok(encrypted.length > 1000, `captured only ${encrypted.length} bytes`);
  assert.equal(encrypted[0], 0x16, 'the first byte is a TLS handshake record');
  for (const text of plaintexts) assert.ok(!encrypted.includes(text), `'${text}' crossed the wire in clear`);
});

test('system.log at debug holds no private key and no keystore password, but does log TLS refusals', async () => {
  const log = nodes.strict.node.systemLog();
  assert.match(log, /"level":"?debug|"level":20/);
  assert.match(log, /TLS enabled/);
  assert.match(log, /TLS handshake failed/);
  assert.ok(!log.includes('PRIVATE KEY'), 'a private key was logged');
  assert.ok(!log.includes(keystorePassword), 'the keystore password was logged');
  assert.ok(!nodes.strict.node.output().includes(keystorePassword));
});
