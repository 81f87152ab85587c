import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuthority, issueCertificate } from '../../cli/certs/authority.js';
import { ConfigurationError } from '../common/errors.js';
import { loadTlsSettings, parseClientEncryption, parseServerEncryption } from './encryption.js';

const directory = mkdtempSync(join(tmpdir(), 'aero-encryption-'));
after(() => rmSync(directory, { recursive: true, force: true }));
const authority = createAuthority({ commonName: 'test CA' });
const node = issueCertificate(authority, { commonName: 'node1', use: 'node', alternativeNames: ['127.0.0.1'] });
const other = issueCertificate(authority, { commonName: 'node2', use: 'node' });
const file = (name: string, text: string) => {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
};
const keystore = file('node1.pem', `${node.keyPem}${node.certificatePem}`);
const truststore = file('ca.pem', authority.certificatePem);
const encryptedKeystore = file('encrypted.pem',
  createPrivateKey(node.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'hunter2-secret' }).toString() + node.certificatePem);
const mismatched = file('mismatched.pem', `${other.keyPem}${node.certificatePem}`);

function configurationError(key: string, pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.equal(error.key, key);
    if (pattern !== undefined) assert.match(error.message, pattern);
    assert.ok(!error.message.includes('hunter2') && !error.message.includes('PRIVATE KEY'), error.message);
    return true;
  };
}

const noWarnings = (message: string) => assert.fail(`unexpected warning: ${message}`);

test('client: off unless enabled; Cassandra names; protocols default to TLS 1.2 and 1.3', () => {
  assert.equal(parseClientEncryption(null, noWarnings), null);
  assert.equal(parseClientEncryption({ enabled: false, keystore: 'x' }, noWarnings), null);
  const options = parseClientEncryption({ enabled: 'true', optional: true, keystore, truststore, require_client_auth: true }, noWarnings);
  assert.equal(options?.optional, true);
  assert.equal(options?.requireClientAuth, true);
  assert.equal(options?.minVersion, 'TLSv1.2');
  assert.equal(options?.maxVersion, 'TLSv1.3');
  const only13 = parseClientEncryption({ enabled: true, keystore, accepted_protocols: ['TLSv1.3'], cipher_suites: 'TLS_AES_256_GCM_SHA384' }, noWarnings);
  assert.equal(only13?.minVersion, 'TLSv1.3');
  assert.deepEqual(only13?.cipherSuites, ['TLS_AES_256_GCM_SHA384']);
});

test('client: bad settings are ConfigurationErrors naming the key', () => {
  assert.throws(() => parseClientEncryption({ enabled: true }, noWarnings), configurationError('client_encryption_options.keystore', /required/));
  assert.throws(() => parseClientEncryption({ enabled: true, keystore, protocol: 'TLSv1.1' }, noWarnings), configurationError('client_encryption_options.protocol', /not allowed/));
  assert.throws(() => parseClientEncryption({ enabled: true, keystore, accepted_protocols: ['TLSv1.2', 'SSLv3'] }, noWarnings), configurationError('client_encryption_options.accepted_protocols'));
  assert.throws(() => parseClientEncryption({ enabled: true, keystore, store_type: 'JKS' }, noWarnings), configurationError('client_encryption_options.store_type', /PEM/));
  assert.throws(() => parseClientEncryption({ enabled: 'yes', keystore }, noWarnings), configurationError('client_encryption_options.enabled'));
  assert.throws(() => parseClientEncryption({ enabled: true, keystore, keystore_password: 42 }, noWarnings), configurationError('client_encryption_options.keystore_password'));
  assert.throws(() => parseClientEncryption({ enabled: true, keystore, require_client_auth: true }, noWarnings), configurationError('client_encryption_options.truststore'));
  assert.throws(() => parseClientEncryption({ enabled: true, keystore, bogus: 1 }, noWarnings), configurationError('client_encryption_options.bogus', /unknown/));
});

test('server: internode_encryption none is off; all needs a truststore; dc and rack warn', () => {
  assert.equal(parseServerEncryption({ internode_encryption: 'none', keystore }, noWarnings), null);
  assert.throws(() => parseServerEncryption({ internode_encryption: 'all', keystore }, noWarnings), configurationError('server_encryption_options.truststore'));
  assert.throws(() => parseServerEncryption({ enabled: true, keystore, truststore }, noWarnings), configurationError('server_encryption_options.enabled'));
  assert.throws(() => parseServerEncryption({ internode_encryption: 'some' }, noWarnings), configurationError('server_encryption_options.internode_encryption'));
  const warnings: string[] = [];
  const options = parseServerEncryption({ internode_encryption: 'dc', keystore, truststore, require_client_auth: true, truststore_password: 'x' }, (warning) => warnings.push(warning));
  assert.equal(options?.requireClientAuth, true);
  assert.equal(warnings.length, 2);
  assert.match(warnings.join('\n'), /treated as all/);
});

test('loadTlsSettings reads the PEM files and checks them together', () => {
  const options = parseServerEncryption({ internode_encryption: 'all', keystore, truststore, require_client_auth: true }, noWarnings);
  assert.ok(options !== null);
  const settings = loadTlsSettings(options);
  assert.match(settings.keyPem, /^-----BEGIN PRIVATE KEY-----/);
  assert.match(settings.certificatePem, /^-----BEGIN CERTIFICATE-----/);
  assert.equal(settings.caPem.trim(), authority.certificatePem.trim());
  const section = (extra: Record<string, unknown>) => parseClientEncryption({ enabled: true, keystore, ...extra }, noWarnings) ?? assert.fail('enabled');
  assert.throws(() => loadTlsSettings(section({ keystore: join(directory, 'absent.pem') })), configurationError('client_encryption_options.keystore', /cannot read .*absent\.pem \(ENOENT\)/));
  assert.throws(() => loadTlsSettings(section({ keystore: truststore })), configurationError('client_encryption_options.keystore', /private key and its certificate/));
  assert.throws(() => loadTlsSettings(section({ truststore: keystore.replace('node1', 'none') })), configurationError('client_encryption_options.truststore'));
  assert.throws(() => loadTlsSettings(section({ keystore: mismatched })), configurationError('client_encryption_options.keystore', /does not match/));
  assert.throws(() => loadTlsSettings(section({ keystore: encryptedKeystore })), configurationError('client_encryption_options.keystore_password', /encrypted/));
  assert.throws(() => loadTlsSettings(section({ keystore: encryptedKeystore, keystore_password: 'wrong' })), configurationError('client_encryption_options.keystore_password', /cannot decrypt/));
  assert.equal(loadTlsSettings(section({ keystore: encryptedKeystore, keystore_password: 'hunter2-secret' })).passphrase, 'hunter2-secret');
  assert.throws(() => loadTlsSettings(section({ cipher_suites: ['NOT-A-CIPHER'], accepted_protocols: ['TLSv1.2'] })), configurationError('client_encryption_options.cipher_suites'));
});
