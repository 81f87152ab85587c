// client_encryption_options and server_encryption_options, read with Cassandra's names and
// turned into the Networks a node uses: the native port's and the storage port's. As Cassandra
// 4.1's PEMBasedSslContextFactory: `keystore` is a PEM file holding the private key (encrypted
// with keystore_password, or not) and its certificate chain; `truststore` a PEM file of CA
// certificates. JKS and PKCS12 stores are not supported. Errors name the key
// (client_encryption_options.keystore) and never show file contents or passwords.

import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SecureVersion } from 'node:tls';
import { z } from 'zod';
import { ConfigurationError } from '../common/errors.js';
import type { Logger, Network } from '../common/world.js';
import { checkTlsSettings, tlsNetwork, type ReloadableTlsNetwork, type TlsSettings } from '../platform/tls.js';
import type { NodeConfig } from './config.js';

export type EncryptionSection = 'client_encryption_options' | 'server_encryption_options';

/** A section that turns TLS on, with file paths resolved and versions chosen. */
export interface EncryptionOptions {
  section: EncryptionSection;
  /** Listening accepts plaintext as well as TLS. */
  optional: boolean;
  keystore: string;
  keystorePassword?: string;
  truststore?: string;
  requireClientAuth: boolean;
  requireEndpointVerification: boolean;
  minVersion: SecureVersion;
  maxVersion: SecureVersion;
  cipherSuites?: string[];
}

const supportedVersions: readonly SecureVersion[] = ['TLSv1.2', 'TLSv1.3'];
const refusedVersions = new Set(['SSL', 'SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.0', 'TLSv1.1']);
/** Keys Cassandra accepts that mean nothing for PEM files; accepted with a warning. */
const ignoredKeys = new Set(['truststore_password', 'algorithm', 'legacy_ssl_storage_port_enabled', 'enable_legacy_ssl_storage_port']);

const booleanValue = z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), z.boolean({ error: 'expected true or false' }));
const text = z.string({ error: 'expected text' }).trim().min(1, { error: 'expected text' }).max(4096, { error: 'expected at most 4096 characters' });
const textList = z.preprocess(
  (value) => (typeof value === 'string' ? value.split(',').map((part) => part.trim()).filter((part) => part !== '') : value),
  z.array(text, { error: 'expected a list' }).min(1, { error: 'expected at least one entry' }).max(64, { error: 'expected at most 64 entries' }),
);

const sectionSchema = z.object({
  enabled: booleanValue.optional(),
  optional: booleanValue.optional(),
  internode_encryption: z.enum(['none', 'all', 'dc', 'rack'], { error: 'expected none, all, dc or rack' }).optional(),
  keystore: text.optional(),
  keystore_password: z.string({ error: 'expected text' }).max(1024, { error: 'expected at most 1024 characters' }).optional(),
  truststore: text.optional(),
  require_client_auth: booleanValue.optional(),
  require_endpoint_verification: booleanValue.optional(),
  protocol: text.optional(),
  accepted_protocols: textList.optional(),
  cipher_suites: textList.optional(),
  store_type: text.optional(),
  ssl_context_factory: z.unknown().optional(),
});
type RawSection = z.infer<typeof sectionSchema>;

function parseSection(section: EncryptionSection, raw: Readonly<Record<string, unknown>>, warn: (message: string) => void): RawSection {
  const known = new Set(Object.keys(sectionSchema.shape));
  const unknownKeys = Object.keys(raw).filter((key) => !known.has(key));
  for (const key of unknownKeys.filter((key) => ignoredKeys.has(key))) warn(`${section}.${key} is ignored (PEM files need no store password or algorithm)`);
  const unsupported = unknownKeys.find((key) => !ignoredKeys.has(key));
  if (unsupported !== undefined) throw new ConfigurationError(`${section}.${unsupported}`, 'unknown key');
  const result = sectionSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  // The value is not shown: it may be a password.
  throw new ConfigurationError(`${section}.${issue?.path.map(String).join('.') ?? '?'}`, issue?.message ?? 'invalid');
}

function versions(section: EncryptionSection, raw: RawSection): { minVersion: SecureVersion; maxVersion: SecureVersion } {
  const key = raw.accepted_protocols === undefined ? 'protocol' : 'accepted_protocols';
  const names = raw.accepted_protocols ?? [raw.protocol ?? 'TLS'];
  const chosen = names.flatMap((name): SecureVersion[] => {
    // Cassandra's default protocol "TLS" means every version the platform allows; here 1.2 and 1.3.
    if (name === 'TLS') return [...supportedVersions];
    if (refusedVersions.has(name)) throw new ConfigurationError(`${section}.${key}`, `${name} is not allowed; use TLSv1.2 or TLSv1.3`);
    const version = supportedVersions.find((supported) => supported === name);
    if (version === undefined) throw new ConfigurationError(`${section}.${key}`, `expected TLS, TLSv1.2 or TLSv1.3, got '${name}'`);
    return [version];
  });
  const indexes = chosen.map((version) => supportedVersions.indexOf(version));
  const minVersion = supportedVersions[Math.min(...indexes)];
  const maxVersion = supportedVersions[Math.max(...indexes)];
  if (minVersion === undefined || maxVersion === undefined) throw new ConfigurationError(`${section}.${key}`, 'expected at least one protocol');
  return { minVersion, maxVersion };
}

function checkStoreType(section: EncryptionSection, raw: RawSection): void {
  if (raw.store_type !== undefined && raw.store_type.toUpperCase() !== 'PEM') {
    throw new ConfigurationError(`${section}.store_type`, `only PEM keystores and truststores are supported, got '${raw.store_type}'`);
  }
  const factory = raw.ssl_context_factory;
  if (factory === undefined || factory === null) return;
  const className = typeof factory === 'object' && 'class_name' in factory ? String((factory as { class_name: unknown }).class_name) : String(factory);
  if (!/(^|\.)PEMBasedSslContextFactory$/.test(className)) {
    throw new ConfigurationError(`${section}.ssl_context_factory`, 'only org.apache.cassandra.security.PEMBasedSslContextFactory is supported');
  }
}

/** Common to both sections once TLS is on: the files and the protocol choices. */
function tlsOptions(section: EncryptionSection, raw: RawSection, options: { optional: boolean }): EncryptionOptions {
  checkStoreType(section, raw);
  if (raw.keystore === undefined) throw new ConfigurationError(`${section}.keystore`, 'required when encryption is on: a PEM file with the private key and certificate chain');
  return {
    section,
    optional: options.optional,
    keystore: resolve(raw.keystore),
    ...(raw.keystore_password === undefined || raw.keystore_password === '' ? {} : { keystorePassword: raw.keystore_password }),
    ...(raw.truststore === undefined ? {} : { truststore: resolve(raw.truststore) }),
    requireClientAuth: raw.require_client_auth ?? false,
    requireEndpointVerification: raw.require_endpoint_verification ?? false,
    ...versions(section, raw),
    ...(raw.cipher_suites === undefined ? {} : { cipherSuites: raw.cipher_suites }),
  };
}

/** client_encryption_options: null when TLS is off on the native port. */
export function parseClientEncryption(raw: Readonly<Record<string, unknown>> | null, warn: (message: string) => void): EncryptionOptions | null {
  const section = 'client_encryption_options';
  if (raw === null) return null;
  const parsed = parseSection(section, raw, warn);
  if (parsed.internode_encryption !== undefined) throw new ConfigurationError(`${section}.internode_encryption`, 'belongs in server_encryption_options');
  if (parsed.enabled !== true) return null;
  const options = tlsOptions(section, parsed, { optional: parsed.optional ?? false });
  if (options.requireClientAuth && options.truststore === undefined) {
    throw new ConfigurationError(`${section}.truststore`, 'required with require_client_auth: the CA certificates that sign client certificates');
  }
  return options;
}

/** server_encryption_options: null when internode_encryption is none. */
export function parseServerEncryption(raw: Readonly<Record<string, unknown>> | null, warn: (message: string) => void): EncryptionOptions | null {
  const section = 'server_encryption_options';
  if (raw === null) return null;
  const parsed = parseSection(section, raw, warn);
  if (parsed.enabled !== undefined) throw new ConfigurationError(`${section}.enabled`, 'not used for internode traffic; set internode_encryption: all');
  const mode = parsed.internode_encryption ?? 'none';
  if (mode === 'none') return null;
  // Every node of a local cluster shares one datacenter and rack here, and encrypting more
  // than asked is safe, so dc and rack encrypt everything.
  if (mode !== 'all') warn(`${section}.internode_encryption: ${mode} is treated as all (every internode connection is encrypted)`);
  const options = tlsOptions(section, parsed, { optional: parsed.optional ?? false });
  if (options.truststore === undefined) throw new ConfigurationError(`${section}.truststore`, 'required: the cluster CA certificates that sign every node certificate');
  if (!options.requireClientAuth) warn(`${section}.require_client_auth is false: any TLS client can open internode connections; set it to true for mutual authentication`);
  if (options.optional) warn(`${section}.optional is true: the storage port also accepts unencrypted internode connections`);
  return options;
}

function readPem(key: string, file: string, readFile: (file: string) => string): string {
  try {
    return readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigurationError(key, `cannot read ${file}${code === undefined ? '' : ` (${code})`}`);
  }
}

const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** Reads the files and checks that the key, certificate, passphrase and ciphers work together. */
export function loadTlsSettings(options: EncryptionOptions, readFile: (file: string) => string = (file) => readFileSync(file, 'utf8')): TlsSettings {
  const { section } = options;
  const keystoreText = readPem(`${section}.keystore`, options.keystore, readFile);
  const blocks = keystoreText.match(pemBlock) ?? [];
  const keyPem = blocks.find((block) => /^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(block));
  const certificates = blocks.filter((block) => block.startsWith('-----BEGIN CERTIFICATE-----'));
  if (keyPem === undefined || certificates.length === 0) {
    throw new ConfigurationError(`${section}.keystore`, `${options.keystore} must be a PEM file holding a private key and its certificate chain`);
  }
  const encrypted = keyPem.startsWith('-----BEGIN ENCRYPTED PRIVATE KEY-----') || keyPem.includes('Proc-Type: 4,ENCRYPTED');
  if (encrypted && options.keystorePassword === undefined) throw new ConfigurationError(`${section}.keystore_password`, `required: the private key in ${options.keystore} is encrypted`);
  let caPem = certificates.join('\n');
  if (options.truststore !== undefined) {
    caPem = (readPem(`${section}.truststore`, options.truststore, readFile).match(pemBlock) ?? [])
      .filter((block) => block.startsWith('-----BEGIN CERTIFICATE-----')).join('\n');
    if (caPem === '') throw new ConfigurationError(`${section}.truststore`, `${options.truststore} holds no PEM certificate`);
  }
  const settings: TlsSettings = {
    keyPem, certificatePem: certificates.join('\n'), caPem,
    requireClientAuth: options.requireClientAuth, endpointVerification: options.requireEndpointVerification,
    minVersion: options.minVersion, maxVersion: options.maxVersion,
    ...(options.keystorePassword === undefined ? {} : { passphrase: options.keystorePassword }),
    ...(options.cipherSuites === undefined ? {} : { ciphers: options.cipherSuites.join(':') }),
  };
  checkSettings(options, settings);
  return settings;
}

function checkSettings(options: EncryptionOptions, settings: TlsSettings): void {
  const { section } = options;
  try {
    checkTlsSettings(settings);
  } catch (error) {
    // OpenSSL's messages name the problem, never the key material.
    const message = error instanceof Error ? error.message : String(error);
    if (/bad decrypt|bad password|unable to load/i.test(message)) throw new ConfigurationError(`${section}.keystore_password`, `cannot decrypt the private key in ${options.keystore}`);
    if (/key values mismatch/i.test(message)) throw new ConfigurationError(`${section}.keystore`, `the private key in ${options.keystore} does not match its certificate`);
    if (/cipher/i.test(message)) throw new ConfigurationError(`${section}.cipher_suites`, `no usable cipher suite (${message})`);
    throw new ConfigurationError(`${section}.keystore`, `cannot use ${options.keystore}: ${message}`);
  }
}

export interface NodeNetworks {
  /** For the native port (clients). */
  native: Network;
  /** For the storage port (internode, gossip included). */
  internode: Network;
  /** Stops watching the key and certificate files. */
  close(): void;
}

/** The files' modification times and sizes, to notice a replaced file. */
function fileStamps(files: string[]): string {
  return files.map((file) => {
    try {
      const stats = statSync(file);
      return `${stats.mtimeMs}:${stats.size}:${stats.ino}`;
    } catch {
      return 'missing';
    }
  }).join('|');
}

/**
 * Hot reload (Cassandra 4.0's SSLFactory checks its files periodically): when the keystore
 * or truststore changes, the TLS context is rebuilt for new connections. A file that does not
 * load (half-written, wrong key, bad PEM) is refused with a log line and the old context kept;
 * it is tried again when it changes again.
 */
function watchCertificates(encryption: EncryptionOptions, network: ReloadableTlsNetwork, options: { intervalMs: number; logger: Logger }): () => void {
  if (options.intervalMs <= 0) return () => undefined;
  const files = [encryption.keystore, ...(encryption.truststore === undefined ? [] : [encryption.truststore])];
  let seen = fileStamps(files);
  const timer = setInterval(() => {
    const now = fileStamps(files);
    if (now === seen) return;
    seen = now;
    try {
      const settings = loadTlsSettings(encryption);
      network.reload(settings);
      options.logger.info('TLS certificates reloaded', { section: encryption.section, keystore: encryption.keystore, truststore: encryption.truststore ?? null });
    } catch (error) {
      options.logger.error('TLS certificate files changed but cannot be used; keeping the previous ones', {
        section: encryption.section, error: error instanceof Error ? error.message : String(error),
      });
    }
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** The node's two Networks: plain base where encryption is off, TLS over it where on. Throws ConfigurationError. */
export function nodeNetworks(config: NodeConfig, options: { base: Network; logger: Logger }): NodeNetworks {
  const warn = (message: string) => options.logger.warn(message);
  const client = parseClientEncryption(config.clientEncryptionOptions, warn);
  const server = parseServerEncryption(config.serverEncryptionOptions, warn);
  const watchers: Array<() => void> = [];
  const build = (encryption: EncryptionOptions | null, component: string): Network => {
    if (encryption === null) return options.base;
    const logger = options.logger.child({ component });
    const network = tlsNetwork(loadTlsSettings(encryption), { logger, optional: encryption.optional });
    watchers.push(watchCertificates(encryption, network, { intervalMs: config.certificateReloadIntervalMs, logger }));
    logger.info('TLS enabled', {
      section: encryption.section, keystore: encryption.keystore, truststore: encryption.truststore ?? null, optional: encryption.optional,
      requireClientAuth: encryption.requireClientAuth, minVersion: encryption.minVersion, maxVersion: encryption.maxVersion,
    });
    return network;
  };
  return { native: build(client, 'native-tls'), internode: build(server, 'internode-tls'), close: () => { for (const stop of watchers) stop(); } };
}
