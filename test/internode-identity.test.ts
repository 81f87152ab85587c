// Issue 14, the identity fix: over internode TLS with client certificates, the endpoint a
// connection's preamble claims must be one of the addresses its certificate names. Real TLS
// sockets between TcpTransports in one process (no node processes: the check sits in the
// transport, and a second or so is enough). test/tls-internode.test.ts checks the same on a
// cluster of real nodes.
// run-tests: two at a time

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthority, issueCertificate, type KeyAndCertificate } from '../src/cli/certs/authority.js';
import type { Logger } from '../src/db/common/world.js';
import { encodeFrameParts } from '../src/db/cluster/messaging/frame.js';
import { TcpTransport } from '../src/db/cluster/messaging/tcp-transport.js';
import { systemClock } from '../src/db/platform/clock.js';
import { tlsNetwork, type TlsSettings } from '../src/db/platform/tls.js';
import { freePort } from './harness/node-process.js';
import { waitFor } from './harness/local-cluster.js';

const authority = createAuthority({ commonName: 'identity test CA' });
const receiverIdentity = issueCertificate(authority, { commonName: 'node2', use: 'node', alternativeNames: ['127.0.0.2'] });
const honest = issueCertificate(authority, { commonName: 'node1', use: 'node', alternativeNames: ['127.0.0.1', 'Node1.Example'] });
const impostor = issueCertificate(authority, { commonName: 'node3', use: 'node', alternativeNames: ['127.0.0.3'] });
const bare = issueCertificate(authority, { commonName: 'nameless', use: 'node' });

function settings(identity: KeyAndCertificate): TlsSettings {
  return {
    keyPem: identity.keyPem, certificatePem: identity.certificatePem, caPem: authority.certificatePem,
    requireClientAuth: true, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', endpointVerification: false,
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

const frame = (text: string) => encodeFrameParts({ verb: 'GOSSIP_DIGEST_SYN', id: 1, flags: 0, payload: Buffer.from(text) });

test('a certificate that does not name the claimed endpoint is refused; one that does is served', { timeout: 30_000 }, async () => {
  const port = await freePort('127.0.0.2');
  const receiverLogger = recordingLogger();
  const receiver = new TcpTransport({ network: tlsNetwork(settings(receiverIdentity), { logger: receiverLogger }), clock: systemClock(), logger: receiverLogger, localEndpoint: `127.0.0.2:${port}` });
  const received: Array<{ from: string; frame: Buffer }> = [];
  await receiver.start((from, bytes) => received.push({ from, frame: bytes }));
  const sender = (identity: KeyAndCertificate, claimed: string) =>
    new TcpTransport({ network: tlsNetwork(settings(identity), { logger: recordingLogger() }), clock: systemClock(), logger: recordingLogger(), localEndpoint: claimed, reconnectDelayMinMs: 5_000 });
  try {
    // Impostors first: a valid certificate from the cluster's CA naming another address, and
    // one naming none, each claiming node 1's endpoint (and one claiming the receiver's own).
    const attempts = [
      { identity: impostor, claimed: `127.0.0.1:${port}` },
      { identity: impostor, claimed: `127.0.0.2:${port}` },
      { identity: bare, claimed: `127.0.0.1:${port}` },
    ];
    const refusals = () => receiverLogger.warnings.filter((warning) => warning.message.startsWith('refusing internode connection'));
    for (const [index, { identity, claimed }] of attempts.entries()) {
      const transport = sender(identity, claimed);
      assert.ok(transport.send(`127.0.0.2:${port}`, frame(`from ${claimed}`)));
      await waitFor('the impostor is refused', () => Promise.resolve(refusals().length > index), 10_000);
      await transport.close();
    }
    assert.deepEqual(refusals().map((warning) => warning.fields?.claimed), attempts.map((attempt) => attempt.claimed), JSON.stringify(receiverLogger.warnings));
    assert.match(String(refusals()[0]?.fields?.reason), /claims 127\.0\.0\.1:\d+; the certificate names 127\.0\.0\.3$/);
    assert.match(String(refusals()[2]?.fields?.reason), /names no address/);

    // The control: certificates naming the claimed address (IP, or DNS name in any case) are served.
    for (const claimed of [`127.0.0.1:${port}`, `node1.example:${port}`]) {
      const transport = sender(honest, claimed);
      assert.ok(transport.send(`127.0.0.2:${port}`, frame(`from ${claimed}`)));
      await waitFor('the honest frame arrives', () => Promise.resolve(received.some((entry) => entry.from === claimed)), 10_000);
      await transport.close();
    }
    assert.deepEqual(received.map((entry) => entry.from), [`127.0.0.1:${port}`, `node1.example:${port}`], 'only the honest senders reached the layer above');
  } finally {
    await receiver.close();
  }
});
