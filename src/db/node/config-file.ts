// Writing a node's configuration file: typed settings in, YAML with cassandra.yaml's key names
// out, the keys config.ts reads. The one writer for everything that starts `aero node` with a
// file (`aero cluster`, `aero start --nodes 1`, benchmarks, tests). Settings left out are not
// written, so the node takes config.ts's defaults for them.

import { writeFileSync } from 'node:fs';
import { Document } from 'yaml';
import { fail } from '../common/assert.js';
import { seedsMax } from '../common/limits.js';
import type { LogLevel, NodeConfig } from './config.js';

/** client_encryption_options / server_encryption_options, with cassandra.yaml's key names. */
export type EncryptionSettings = Readonly<Record<string, string | boolean>>;

export interface NodeConfigFileSettings {
  clusterName?: string;
  listenAddress?: string;
  rpcAddress?: string;
  nativeTransportPort?: number;
  storagePort?: number;
  adminPort?: number;
  numTokens?: number;
  logLevel?: LogLevel;
  memtableFlushBytes?: number;
  /** auto_bootstrap: false for the nodes a cluster is created with (as ccm populates), true for a node added later. */
  autoBootstrap?: boolean;
  /** ring_delay_ms: how long a joining or leaving node lets gossip spread its state. */
  ringDelayMs?: number;
  /** Addresses, each with an optional :port (SimpleSeedProvider's comma-separated list). */
  seeds?: readonly string[];
  authenticator?: NodeConfig['authenticator'];
  authorizer?: NodeConfig['authorizer'];
  clientEncryptionOptions?: EncryptionSettings;
  serverEncryptionOptions?: EncryptionSettings;
  /**
   * Any other cassandra.yaml keys, values as YAML gives them (`aero cluster start --set`), written
   * after the typed settings. Validated by whoever asks for them (config.ts reads them back); a key
   * the typed settings already write is refused here, as the node would refuse a repeated key.
   */
  more?: Readonly<Record<string, unknown>>;
}

/** Each setting and its cassandra.yaml key, in the order they are written (system_views.settings lists them too). */
export const keyTable: ReadonlyArray<readonly [Exclude<keyof NodeConfigFileSettings, 'seeds' | 'more'>, string]> = [
  ['clusterName', 'cluster_name'],
  ['listenAddress', 'listen_address'],
  ['rpcAddress', 'rpc_address'],
  ['nativeTransportPort', 'native_transport_port'],
  ['storagePort', 'storage_port'],
  ['adminPort', 'admin_port'],
  ['numTokens', 'num_tokens'],
  ['logLevel', 'log_level'],
  ['memtableFlushBytes', 'memtable_flush_bytes'],
  ['autoBootstrap', 'auto_bootstrap'],
  ['ringDelayMs', 'ring_delay_ms'],
  ['authenticator', 'authenticator'],
  ['authorizer', 'authorizer'],
  ['clientEncryptionOptions', 'client_encryption_options'],
  ['serverEncryptionOptions', 'server_encryption_options'],
];

/** The YAML text of a node configuration; `header` becomes a comment on top. */
export function nodeConfigYaml(settings: NodeConfigFileSettings, header?: string): string {
  const mapping: Record<string, unknown> = {};
  for (const [name, key] of keyTable) {
    const value = settings[name];
    if (value !== undefined) mapping[key] = value;
  }
  if (settings.seeds !== undefined) {
    if (!(settings.seeds.length >= 1 && settings.seeds.length <= seedsMax)) fail(`expected 1 to ${seedsMax} seeds, got ${settings.seeds.length}`);
    mapping['seed_provider'] = [{ class_name: 'org.apache.cassandra.locator.SimpleSeedProvider', parameters: [{ seeds: settings.seeds.join(',') }] }];
  }
  for (const [key, value] of Object.entries(settings.more ?? {})) {
    if (key in mapping) fail(`configuration key ${key} is written twice`);
    mapping[key] = value;
  }
  const document = new Document(mapping);
  if (header !== undefined) document.commentBefore = ` ${header}`;
  return document.toString();
}

/** Writes nodeConfigYaml(settings, header) to file. */
export function writeNodeConfigFile(file: string, settings: NodeConfigFileSettings, header?: string): void {
  writeFileSync(file, nodeConfigYaml(settings, header));
}
