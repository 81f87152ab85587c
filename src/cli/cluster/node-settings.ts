// `aero cluster start --set name=value`: cassandra.yaml settings for every node of a local
// cluster, as ccm's updateconf. Values are YAML (`30s`, `2000`, `true`, `{enabled: true}`);
// each is checked by the node's own configuration schema (config.ts) before anything starts,
// and the cluster's manifest keeps them, so restart and add write them again.

import { parse, YAMLParseError } from 'yaml';
import { ConfigurationError } from '../../db/common/errors.js';
import { configurationKeys, resolveNodeConfig } from '../../db/node/config.js';

/** The settings of one --set each, or of the manifest: key -> value as YAML read it. */
export type NodeSettings = Record<string, unknown>;

/** How many --set one cluster may carry (cassandra.yaml has a few hundred keys). */
export const nodeSettingsMax = 256;

/** Keys `aero cluster` writes itself, and what sets them instead. */
const managedKeys: Readonly<Record<string, string>> = {
  cluster_name: '--cluster-name',
  listen_address: 'the node number (node i listens on 127.0.0.i)',
  rpc_address: 'the node number (node i listens on 127.0.0.i)',
  broadcast_address: 'the node number (node i listens on 127.0.0.i)',
  broadcast_rpc_address: 'the node number (node i listens on 127.0.0.i)',
  native_transport_port: '--base-port',
  storage_port: '--storage-port',
  admin_port: '--admin-port',
  num_tokens: '--num-tokens',
  seed_provider: 'the cluster (the first two nodes are seeds)',
  auto_bootstrap: 'the cluster (false for the nodes it starts with, true for `aero cluster add`)',
  ring_delay_ms: '--ring-delay',
  authenticator: '--auth',
  authorizer: '--auth',
  client_encryption_options: '--tls',
  server_encryption_options: '--tls',
  data_file_directories: 'the cluster (DIR/node<i>/data)',
  commitlog_directory: 'the cluster (DIR/node<i>/commitlog)',
  hints_directory: 'the cluster (DIR/node<i>/hints)',
  log_directory: 'the cluster (DIR/node<i>/logs)',
};

/** One --set: value null removes the setting. */
export interface NodeSettingChange {
  key: string;
  value: unknown;
}

export class NodeSettingError extends Error {
  override readonly name = 'NodeSettingError';
}

/**
 * One `--set name=value`: the name a key the node reads and `aero cluster` does not write, the
 * value YAML. An empty value (`name=`) is null: the setting is removed (the node's default).
 */
export function parseNodeSetting(text: string): NodeSettingChange {
  const equals = text.indexOf('=');
  const key = (equals < 0 ? text : text.slice(0, equals)).trim();
  if (equals < 0 || key === '') throw new NodeSettingError(`--set expects name=value (a cassandra.yaml key and a YAML value), got '${text}'`);
  if (!configurationKeys.has(key)) throw new NodeSettingError(`--set ${key}: not a setting the node reads (the README's Configuration lists them)`);
  const managed = managedKeys[key];
  if (managed !== undefined) throw new NodeSettingError(`--set ${key}: aero cluster sets it itself, from ${managed}`);
  const source = text.slice(equals + 1);
  let value: unknown;
  try {
    value = parse(source);
  } catch (error) {
    const problem = error instanceof YAMLParseError ? error.message.split('\n')[0] : String(error);
    throw new NodeSettingError(`--set ${key}: the value is not YAML (${problem ?? ''})`);
  }
  return { key, value: value === undefined ? null : value };
}

/** The recorded settings with the new ones applied (null removes one), checked as a whole. */
export function mergeNodeSettings(recorded: NodeSettings, changes: readonly NodeSettingChange[]): NodeSettings {
  const merged: NodeSettings = { ...recorded };
  for (const { key, value } of changes) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  if (Object.keys(merged).length > nodeSettingsMax) throw new NodeSettingError(`at most ${nodeSettingsMax} --set settings`);
  checkNodeSettings(merged);
  return merged;
}

/** The settings as the node will read them: every problem is an error naming the --set. */
export function checkNodeSettings(settings: NodeSettings): void {
  try {
    resolveNodeConfig(settings, { cwd: '/', onWarning: () => undefined });
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    const key = error.key.split(/[.[]/)[0] ?? error.key;
    throw new NodeSettingError(`--set ${key}: ${error.message}`);
  }
}
