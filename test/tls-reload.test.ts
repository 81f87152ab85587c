// Certificates reloaded without a restart (Cassandra 4.0's hot reload of its SSL files): a node
// process serving client TLS has its keystore replaced by one from another CA; a new TLS
// connection is served the new certificate (by fingerprint), then a broken keystore is refused
// with a log line and the last good certificate kept. A real process because what is checked is
// the node's own file watching and its listening socket's context.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { startNodeProcess } from './harness/node-process.js';
import { makeCertificates, removeTemporaryDirectories } from './tls-support.js';

function fingerprintOf(pemFile: string): string {
  const certificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(readFileSync(pemFile, 'utf8'))?.[0];
  if (certificate === undefined) assert.fail(`no certificate in ${pemFile}`);
  return new X509Certificate(certificate).fingerprint256;
}

/** The fingerprint of the certificate a new TLS connection to the node is shown. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      resolve(fingerprint);
    });
    socket.once('error', reject);
  });
}

/** Replaces the file in one step, as a deployment tool does (a reader never sees half of it). */
function replaceFile(file: string, content: string): void {
  writeFileSync(`${file}.new`, content);
  renameSync(`${file}.new`, file);
}

test('client TLS certificates are reloaded when the keystore changes; a broken file keeps the old one', { timeout: 60_000 }, async () => {
  const first = makeCertificates('reload-a', [1]);
  const second = makeCertificates('reload-b', [1]);
  const keystore = join(first.directory, 'live-keystore.pem');
  writeFileSync(keystore, readFileSync(first.nodeKeystore(1)));
  const node = await startNodeProcess({
    extraConfig: [
      'certificate_reload_interval_in_ms: 200',
      `client_encryption_options: { enabled: true, keystore: ${JSON.stringify(keystore)}, truststore: ${JSON.stringify(first.caFile)} }`,
    ].join('\n'),
  });
  try {
    assert.equal(await servedFingerprint(node.nativePort), fingerprintOf(first.nodeKeystore(1)));

    replaceFile(keystore, readFileSync(second.nodeKeystore(1), 'utf8'));
    const expected = fingerprintOf(second.nodeKeystore(1));
    const deadline = Date.now() + 10_000;
    let served = '';
    while (Date.now() < deadline && (served = await servedFingerprint(node.nativePort)) !== expected) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(served, expected, 'the new certificate was not served');

    replaceFile(keystore, '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n');
    const logDeadline = Date.now() + 10_000;
    while (Date.now() < logDeadline && !node.output().includes('cannot be used; keeping the previous ones')) await new Promise((resolve) => setTimeout(resolve, 100));
    if (!node.output().includes('cannot be used; keeping the previous ones')) assert.fail(`no log line about the broken keystore:\n${node.output().slice(-3000)}`);
    assert.equal(await servedFingerprint(node.nativePort), expected, 'a broken keystore replaced the working certificate');
    assert.equal(await node.stop(), 0, node.output().slice(-3000));
  } finally {
    await node.kill();
    node.cleanup();
    removeTemporaryDirectories();
  }
});
