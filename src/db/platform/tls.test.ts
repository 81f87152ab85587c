import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { createAuthority, issueCertificate, type KeyAndCertificate } from '../../cli/certs/authority.js';
import type { Connection, Logger } from '../common/world.js';
import { systemNetwork } from './network.js';
import { checkTlsSettings, tlsNetwork, type TlsSettings } from './tls.js';

// Fixtures: two unrelated authorities, certificates for 127.0.0.1 and 127.0.0.2 and a client.
const authority = createAuthority({ commonName: 'test CA' });
const otherAuthority = createAuthority({ commonName: 'other CA' });
const node1 = issueCertificate(authority, { commonName: 'node1', use: 'node', alternativeNames: ['127.0.0.1'] });
const node2 = issueCertificate(authority, { commonName: 'node2', use: 'node', alternativeNames: ['127.0.0.2'] });
const stranger = issueCertificate(otherAuthority, { commonName: 'stranger', use: 'node', alternativeNames: ['127.0.0.1'] });

function settings(identity: KeyAndCertificate, overrides: Partial<TlsSettings> = {}): TlsSettings {
  return {
    keyPem: identity.keyPem, certificatePem: identity.certificatePem, caPem: authority.certificatePem,
    requireClientAuth: false, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', endpointVerification: true, ...overrides,
  };
}

function recordingLogger(): Logger & { warnings: Array<{ message: string; fields?: Record<string, unknown> }> } {
  const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  const logger = {
    warnings,
    debug() {},
    info() {},
    warn(message: string, fields?: Record<string, unknown>) {
      warnings.push(fields === undefined ? { message } : { message, fields });
    },
    error() {},
    isDebugEnabled: () => false,
    child: () => logger,
  };
  return logger;
}

/** An echo server; accepted lists the connections that reached the layer above. */
async function echoServer(serverSettings: TlsSettings, options: { optional?: boolean } = {}) {
  const logger = recordingLogger();
  const accepted: Connection[] = [];
  const network = tlsNetwork(serverSettings, { logger, ...options });
  const listener = await network.listen({ host: '127.0.0.1', port: 0 }, (connection) => {
    accepted.push(connection);
    connection.onData((chunk) => connection.write(Buffer.concat([Buffer.from('echo:'), chunk])));
  });
  return { listener, accepted, logger };
}

async function roundTrip(connection: Connection, text: string): Promise<string> {
  const received = new Promise<string>((resolve, reject) => {
    connection.onData((chunk) => resolve(chunk.toString()));
    connection.onClose((error) => reject(error ?? new Error('closed')));
  });
  connection.write(Buffer.from(text));
  return received;
}

function closed(connection: Connection): Promise<void> {
  return new Promise((resolve) => connection.onClose(() => resolve()));
}

test('mutual TLS: both sides verified, bytes flow both ways', async () => {
  const server = await echoServer(settings(node1, { requireClientAuth: true }));
  const client = await tlsNetwork(settings(node2), { logger: recordingLogger() }).connect({ host: '127.0.0.1', port: server.listener.port });
  assert.equal(await roundTrip(client, 'hello'), 'echo:hello');
  assert.equal(server.accepted.length, 1);
  client.destroy();
  await server.listener.close();
});

test('a server certificate from another CA is refused by the client', async () => {
  const server = await echoServer(settings(stranger));
  const logger = recordingLogger();
  await assert.rejects(tlsNetwork(settings(node2), { logger }).connect({ host: '127.0.0.1', port: server.listener.port }), /certificate/);
  assert.equal(server.accepted.length, 0);
  assert.equal(logger.warnings[0]?.message, 'TLS connection failed');
  await server.listener.close();
});

test('with requireClientAuth a client from another CA or without a certificate never reaches the layer above', async () => {
  const server = await echoServer(settings(node1, { requireClientAuth: true }));
  for (const clientSettings of [settings(stranger), { ...settings(node2), keyPem: '', certificatePem: '' }]) {
    // TLS 1.3 finishes the client's side of the handshake before the server judges the
    // certificate, so the client may connect and then be closed instead of failing at once.
    const connection = await tlsNetwork(clientSettings, { logger: recordingLogger() })
      .connect({ host: '127.0.0.1', port: server.listener.port })
      .catch(() => undefined);
    if (connection !== undefined) {
      connection.write(Buffer.from('hello'));
      await closed(connection);
    }
  }
  assert.equal(server.accepted.length, 0);
  assert.ok(server.logger.warnings.length >= 1, "a refused client certificate is a warning");
  assert.match(String(server.logger.warnings[0]?.fields?.remote), /^127\.0\.0\.1:\d+$/);
  await server.listener.close();
});

test('endpoint verification: the certificate must name the address connected to', async () => {
  const server = await echoServer(settings(node2));
  const port = server.listener.port;
  await assert.rejects(tlsNetwork(settings(node1), { logger: recordingLogger() }).connect({ host: '127.0.0.1', port }), /IP: 127\.0\.0\.1 is not in the cert's list/);
  const lenient = await tlsNetwork(settings(node1, { endpointVerification: false }), { logger: recordingLogger() }).connect({ host: '127.0.0.1', port });
  assert.equal(await roundTrip(lenient, 'x'), 'echo:x');
  lenient.destroy();
  await server.listener.close();
});

test('a plaintext client on a TLS port is closed without reaching the layer above', async () => {
  const server = await echoServer(settings(node1));
  const plain = await systemNetwork().connect({ host: '127.0.0.1', port: server.listener.port });
  const received: Buffer[] = [];
  plain.onData((chunk) => received.push(chunk));
  plain.write(Buffer.from([0x04, 0x00, 0x00, 0x01, 0x05, 0x00, 0x00, 0x00, 0x00]));
  await closed(plain);
  assert.equal(server.accepted.length, 0);
  assert.ok(!Buffer.concat(received).includes('echo'));
  assert.equal(server.logger.warnings[0]?.message, 'TLS handshake failed');
  await server.listener.close();
});

test('a port probe (connect, close without a byte) is no warning', async () => {
  const server = await echoServer(settings(node1));
  const probe = await systemNetwork().connect({ host: '127.0.0.1', port: server.listener.port });
  probe.destroy();
  // A TLS client that fails its own check of the server's certificate is one.
  await assert.rejects(tlsNetwork({ ...settings(node2), caPem: otherAuthority.certificatePem }, { logger: recordingLogger() })
    .connect({ host: '127.0.0.1', port: server.listener.port }));
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(server.logger.warnings.map((warning) => warning.message), ['TLS handshake failed']);
  await server.listener.close();
});

test('optional mode serves TLS and plaintext on one port', async () => {
  const server = await echoServer(settings(node1), { optional: true });
  const port = server.listener.port;
  const plain = await systemNetwork().connect({ host: '127.0.0.1', port });
  assert.equal(await roundTrip(plain, 'plain bytes'), 'echo:plain bytes');
  const secure = await tlsNetwork(settings(node2), { logger: recordingLogger() }).connect({ host: '127.0.0.1', port });
  assert.equal(await roundTrip(secure, 'secret bytes'), 'echo:secret bytes');
  assert.equal(server.accepted.length, 2);
  plain.destroy();
  secure.destroy();
  await server.listener.close();
});

test('checkTlsSettings: a key that does not match the certificate fails; an encrypted key needs its passphrase', () => {
  assert.throws(() => checkTlsSettings({ ...settings(node1), keyPem: node2.keyPem }), /key values mismatch/);
  const encrypted = createPrivateKey(node1.keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'sesame' }).toString();
  checkTlsSettings({ ...settings(node1), keyPem: encrypted, passphrase: 'sesame' });
  // A wrong passphrase usually fails the CBC padding check ("bad decrypt"); about one time in 256
  // the padding happens to pass and the garbage then fails to decode ("DECODER routines::unsupported").
  assert.throws(() => checkTlsSettings({ ...settings(node1), keyPem: encrypted, passphrase: 'wrong' }), /bad decrypt|unable to load|DECODER routines::unsupported/i);
});
