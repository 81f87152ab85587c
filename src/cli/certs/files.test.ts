import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCertificates, splitPem } from './files.js';

const directories: string[] = [];
after(() => { for (const directory of directories) rmSync(directory, { recursive: true, force: true }); });

/** A new empty directory, removed when the file's tests end. */
function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'aero-certs-'));
  directories.push(directory);
  return directory;
}

test('creates a CA, node keystores with their addresses and a client certificate; reuses them next time', () => {
  const directory = temporaryDirectory();
  const plan = { directory, nodes: [{ index: 1, addresses: ['127.0.0.1'] }, { index: 2, addresses: ['127.0.0.2'] }], clients: ['client'], extraNames: ['localhost'] };
  const first = createCertificates(plan);
  assert.deepEqual(first.map((report) => report.action), ['created', 'created', 'created', 'created']);
  const ca = new X509Certificate(readFileSync(join(directory, 'ca.pem')));
  assert.ok(ca.ca);
  const node2 = splitPem(readFileSync(join(directory, 'node2.pem'), 'utf8'));
  assert.match(node2.keyPem ?? '', /PRIVATE KEY/);
  const certificate = new X509Certificate(node2.certificatePems[0] ?? '');
  assert.ok(certificate.checkIssued(ca) && certificate.verify(ca.publicKey));
  assert.equal(certificate.subjectAltName, 'IP Address:127.0.0.2, DNS:localhost');
  assert.ok(certificate.checkIP('127.0.0.2') !== undefined && certificate.checkIP('127.0.0.1') === undefined);
  for (const secret of ['ca-key.pem', 'node1.pem', 'node2.pem', 'client.pem']) assert.equal(statSync(join(directory, secret)).mode & 0o777, 0o600, secret);

  const before = readFileSync(join(directory, 'node1.pem'), 'utf8');
  const second = createCertificates({ ...plan, nodes: [...plan.nodes, { index: 3, addresses: ['127.0.0.3'] }] });
  assert.deepEqual(second.map((report) => report.action), ['kept', 'kept', 'kept', 'created', 'kept']);
  assert.equal(readFileSync(join(directory, 'node1.pem'), 'utf8'), before);

  const moved = createCertificates({ ...plan, nodes: [{ index: 1, addresses: ['127.0.0.11'] }] });
  assert.deepEqual(moved.map((report) => report.action), ['kept', 'created', 'kept'], 'a node whose address changed gets a new certificate');

  const forced = createCertificates({ ...plan, force: true });
  assert.ok(forced.every((report) => report.action === 'created'));
  assert.notEqual(readFileSync(join(directory, 'node1.pem'), 'utf8'), before);
});

test('a bad client name is refused before anything is written', () => {
  const directory = temporaryDirectory();
  assert.throws(() => createCertificates({ directory, nodes: [], clients: ['../evil'] }), /bad client name/);
});
