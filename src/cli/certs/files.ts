// The certificate directory of a cluster, as `aero certs create` and `aero cluster start --tls`
// lay it out:
//   ca.pem          the cluster CA's certificate: every node's and client's truststore
//   ca-key.pem      the CA's private key (0600): keep it off the nodes in production
//   node<i>.pem     node i's keystore: private key + certificate (0600), SANs = its addresses
//   <client>.pem    a client's private key + certificate (0600), e.g. client.pem
// Idempotent: an existing CA is reused and existing certificates issued by it (and naming the
// wanted addresses) are kept, unless force; a new CA reissues everything (old certificates
// would no longer be trusted).

import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import { createAuthority, isIssuedBy, issueCertificate, type KeyAndCertificate } from './authority.js';

export interface CertificatePlan {
  directory: string;
  /** Node i (1-based) gets a certificate named node<i> with these addresses as SANs. */
  nodes: ReadonlyArray<{ index: number; addresses: readonly string[] }>;
  /** Names of client certificates to create (file <name>.pem). */
  clients: readonly string[];
  /** Names added to every node certificate's SANs (e.g. localhost, a host name). */
  extraNames?: readonly string[];
  /** Common name of a new CA. */
  authorityName?: string;
  force?: boolean;
  validDays?: number;
}

export interface CertificateFileReport {
  file: string;
  action: 'created' | 'kept';
}

export const caFileName = 'ca.pem';
export const caKeyFileName = 'ca-key.pem';
export const nodeKeystoreFileName = (index: number): string => `node${index}.pem`;
export const clientFileName = (name: string): string => `${name}.pem`;

const clientNamePattern = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export class CertificateError extends Error {
  override readonly name = 'CertificateError';
}

/** Writes through a temporary file and a rename; private files get mode 0600 before any byte. */
function writeFileAtomically(file: string, text: string, options: { secret: boolean }): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, text, { mode: options.secret ? 0o600 : 0o644 });
  if (options.secret) chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

/** Splits a PEM file into its key and its certificate blocks. */
export function splitPem(text: string): { keyPem: string | null; certificatePems: string[] } {
  const blocks = text.match(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g) ?? [];
  const keyPem = blocks.find((block) => /^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(block)) ?? null;
  const certificatePems = blocks.filter((block) => block.startsWith('-----BEGIN CERTIFICATE-----'));
  return { keyPem, certificatePems };
}

function loadAuthority(directory: string): KeyAndCertificate | null {
  const certificateFile = join(directory, caFileName);
  const keyFile = join(directory, caKeyFileName);
  if (!existsSync(certificateFile) && !existsSync(keyFile)) return null;
  if (!existsSync(certificateFile) || !existsSync(keyFile)) {
    throw new CertificateError(`${directory} holds only one of ${caFileName} and ${caKeyFileName}; restore the other or use --force to make a new CA`);
  }
  const certificatePem = splitPem(readFileSync(certificateFile, 'utf8')).certificatePems[0];
  const keyPem = splitPem(readFileSync(keyFile, 'utf8')).keyPem;
  if (certificatePem === undefined) throw new CertificateError(`${certificateFile} holds no certificate`);
  if (keyPem === null) throw new CertificateError(`${keyFile} holds no private key`);
  return { certificatePem, keyPem };
}

/** Whether file holds a key and a certificate issued by authority naming every one of names (then it is kept). */
function isCurrent(file: string, authority: KeyAndCertificate, { names }: { names: readonly string[] }): boolean {
  if (!existsSync(file)) return false;
  const { keyPem, certificatePems } = splitPem(readFileSync(file, 'utf8'));
  const certificate = certificatePems[0];
  if (keyPem === null || certificate === undefined || !isIssuedBy(certificate, authority)) return false;
  const alternativeNames = (new X509Certificate(certificate).subjectAltName ?? '').split(', ');
  return names.every((name) => alternativeNames.includes(isIP(name) === 0 ? `DNS:${name}` : `IP Address:${name}`));
}

export function createCertificates(plan: CertificatePlan): CertificateFileReport[] {
  for (const client of plan.clients) {
    if (!clientNamePattern.test(client)) throw new CertificateError(`bad client name '${client}': letters, digits, '.', '_', '-' (at most 64)`);
  }
  const directory = resolve(plan.directory);
  mkdirSync(directory, { recursive: true });
  const reports: CertificateFileReport[] = [];
  const validity = plan.validDays === undefined ? {} : { validDays: plan.validDays };
  let authority = plan.force === true ? null : loadAuthority(directory);
  const newAuthority = authority === null;
  if (authority === null) {
    authority = createAuthority({ commonName: plan.authorityName ?? 'Aerolineas Rusticas cluster CA', ...validity });
    writeFileAtomically(join(directory, caKeyFileName), authority.keyPem, { secret: true });
    writeFileAtomically(join(directory, caFileName), authority.certificatePem, { secret: false });
  }
  reports.push({ file: join(directory, caFileName), action: newAuthority ? 'created' : 'kept' });
  const issue = (file: string, names: readonly string[], { make }: { make: () => KeyAndCertificate }) => {
    if (!newAuthority && isCurrent(file, authority, { names })) {
      reports.push({ file, action: 'kept' });
      return;
    }
    const issued = make();
    writeFileAtomically(file, `${issued.keyPem.trimEnd()}\n${issued.certificatePem.trimEnd()}\n`, { secret: true });
    reports.push({ file, action: 'created' });
  };
  for (const node of plan.nodes) {
    const names = [...new Set([...node.addresses, ...(plan.extraNames ?? [])])];
    issue(join(directory, nodeKeystoreFileName(node.index)), names, { make: () =>
      issueCertificate(authority, { commonName: `node${node.index}`, use: 'node', alternativeNames: names, ...validity }) });
  }
  for (const client of plan.clients) {
    issue(join(directory, clientFileName(client)), [], { make: () => issueCertificate(authority, { commonName: client, use: 'client', ...validity }) });
  }
  return reports;
}
