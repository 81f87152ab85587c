// The local cluster's manifest, DIR/cluster.json: which nodes exist, where they listen, where
// their files are and which process runs each. As ccm does, node i listens on 127.0.0.i with
// the same ports as every other node, so drivers and tools see an ordinary multi-host cluster.
// Planning and the node's configuration are pure; reading and writing the file are the I/O.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { localClusterNodesMax, numTokensMax } from '../../db/common/limits.js';
import { nodeConfigYaml as configYaml, type NodeConfigFileSettings } from '../../db/node/config-file.js';
import { caFileName, nodeKeystoreFileName } from '../certs/files.js';
import { nodeSettingsMax, type NodeSettings } from './node-settings.js';

export interface ClusterNode {
  /** 1-based; node i listens on 127.0.0.i. */
  index: number;
  address: string;
  /** Absolute; the node's --data-dir (data, commitlog, hints, logs under it). */
  directory: string;
  /** The process last started for it; null once it is known to be stopped. */
  pid: number | null;
  /** Added to a running cluster (`aero cluster add`): it bootstraps, streaming its ranges, at its first start. */
  joins?: boolean;
  /** Decommissioned (`aero cluster decommission`): it left the ring and is not started again. */
  decommissioned?: boolean;
}

export interface ClusterManifest {
  version: 1;
  clusterName: string;
  /** Absolute path of DIR. */
  directory: string;
  nativePort: number;
  storagePort: number;
  adminPort: number;
  numTokens: number;
  /** Absent for clusters without TLS (and for manifests written before TLS existed). */
  tls?: ClusterTls;
  /** True: PasswordAuthenticator and CassandraAuthorizer on every node (`--auth`); absent: no login. */
  auth?: boolean;
  /** ring_delay_ms of every node (`aero cluster start --ring-delay`); absent: the node's default. */
  ringDelayMs?: number;
  /** More cassandra.yaml settings of every node (`aero cluster start --set`, ./node-settings.ts); absent: none. */
  settings?: NodeSettings;
  nodes: ClusterNode[];
}

/** TLS of `aero cluster start --tls`: every node's native and storage ports, certificates from one CA. */
export interface ClusterTls {
  /** Absolute; holds ca.pem, node<i>.pem and client.pem (./certs/files.ts). */
  certificatesDirectory: string;
  /** Absolute path of the CA certificate clients trust. */
  caFile: string;
  /** Whether the native port asks clients for certificates. */
  requireClientAuth: boolean;
}

export interface ClusterPlanOptions {
  directory: string;
  nodeCount: number;
  nativePort: number;
  storagePort: number;
  adminPort: number;
  numTokens: number;
  clusterName: string;
  /** TLS everywhere, with certificates under DIR/certs. */
  tls?: boolean;
  /** Logins and permissions (PasswordAuthenticator, CassandraAuthorizer). */
  auth?: boolean;
  ringDelayMs?: number;
  settings?: NodeSettings;
}

export const manifestFileName = 'cluster.json';

export function nodeAddress(index: number): string {
  return `127.0.0.${index}`;
}

/** Seeds: the first node, and the second too once there are more than two (one seed may be down). */
export function seedAddresses(nodeCount: number): string[] {
  return nodeCount > 2 ? [nodeAddress(1), nodeAddress(2)] : [nodeAddress(1)];
}

export function planCluster(options: ClusterPlanOptions): ClusterManifest {
  const directory = resolve(options.directory);
  const nodes = Array.from({ length: options.nodeCount }, (_, position) => {
    const index = position + 1;
    return { index, address: nodeAddress(index), directory: join(directory, `node${index}`), pid: null };
  });
  const certificatesDirectory = join(directory, 'certs');
  return {
    version: 1, clusterName: options.clusterName, directory,
    nativePort: options.nativePort, storagePort: options.storagePort, adminPort: options.adminPort, numTokens: options.numTokens,
    ...(options.tls === true ? { tls: { certificatesDirectory, caFile: join(certificatesDirectory, caFileName), requireClientAuth: false } } : {}),
    ...(options.auth === true ? { auth: true } : {}),
    ...(options.ringDelayMs === undefined ? {} : { ringDelayMs: options.ringDelayMs }),
    ...(options.settings === undefined || Object.keys(options.settings).length === 0 ? {} : { settings: options.settings }),
    nodes,
  };
}

export function nodeConfigFile(node: ClusterNode): string {
  return join(node.directory, 'conf', 'aero.yaml');
}

export function nodeStdoutFile(node: ClusterNode): string {
  return join(node.directory, 'logs', 'stdout.log');
}

/** The node's YAML (cassandra.yaml key names); paths come from --data-dir on the command line. */
export function nodeConfigYaml(manifest: ClusterManifest, node: ClusterNode): string {
  return configYaml({
    clusterName: manifest.clusterName,
    listenAddress: node.address,
    rpcAddress: node.address,
    nativeTransportPort: manifest.nativePort,
    storagePort: manifest.storagePort,
    adminPort: manifest.adminPort,
    numTokens: manifest.numTokens,
    seeds: seedAddresses(manifest.nodes.length),
    // The nodes a cluster is created with start together on an empty ring (as ccm populates them);
    // a node added later joins a ring that holds data, and streams its share first.
    autoBootstrap: node.joins === true,
    ...(manifest.ringDelayMs === undefined ? {} : { ringDelayMs: manifest.ringDelayMs }),
    ...(manifest.tls === undefined ? {} : tlsSettings(manifest.tls, node)),
    ...(manifest.auth === true ? { authenticator: 'PasswordAuthenticator', authorizer: 'CassandraAuthorizer' } : {}),
    ...(manifest.settings === undefined ? {} : { more: manifest.settings }),
  }, 'Written by `aero cluster start`; rewritten at every start of this node.');
}

/** Both ports encrypted: clients verify the node, nodes verify each other (mutual, by address). */
function tlsSettings(tls: ClusterTls, node: ClusterNode): Pick<NodeConfigFileSettings, 'clientEncryptionOptions' | 'serverEncryptionOptions'> {
  const keystore = join(tls.certificatesDirectory, nodeKeystoreFileName(node.index));
  const truststore = tls.caFile;
  return {
    clientEncryptionOptions: { enabled: true, optional: false, keystore, truststore, require_client_auth: tls.requireClientAuth },
    serverEncryptionOptions: { internode_encryption: 'all', keystore, truststore, require_client_auth: true, require_endpoint_verification: true },
  };
}

/** Arguments after `bin/aero.js` that run the node. */
export function nodeArguments(node: ClusterNode): string[] {
  return ['node', '--config', nodeConfigFile(node), '--data-dir', node.directory];
}

const port = z.number().int().min(1).max(65535);
const manifestSchema = z.object({
  version: z.literal(1),
  clusterName: z.string().min(1).max(256),
  directory: z.string().min(1),
  nativePort: port,
  storagePort: port,
  adminPort: port,
  numTokens: z.number().int().min(1).max(numTokensMax),
  tls: z.object({ certificatesDirectory: z.string().min(1), caFile: z.string().min(1), requireClientAuth: z.boolean() }).optional(),
  auth: z.boolean().optional(),
  ringDelayMs: z.number().int().min(0).max(600_000).optional(),
  settings: z.record(z.string(), z.unknown()).refine((settings) => Object.keys(settings).length <= nodeSettingsMax).optional(),
  nodes: z.array(z.object({
    index: z.number().int().min(1).max(localClusterNodesMax),
    address: z.string().min(1).max(64),
    directory: z.string().min(1),
    pid: z.number().int().positive().nullable(),
    joins: z.boolean().optional(),
    decommissioned: z.boolean().optional(),
  })).min(1).max(localClusterNodesMax),
});

export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

/** The manifest under DIR, or null when DIR holds no cluster. */
export function readManifest(directory: string): ClusterManifest | null {
  const file = join(resolve(directory), manifestFileName);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ManifestError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`${file} is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ManifestError(`${file} is not a cluster manifest: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim());
  }
  const { tls, auth, ringDelayMs, settings, nodes, ...manifest } = result.data;
  return {
    ...manifest, ...(tls === undefined ? {} : { tls }), ...(auth === true ? { auth } : {}), ...(ringDelayMs === undefined ? {} : { ringDelayMs }),
    ...(settings === undefined ? {} : { settings }),
    nodes: nodes.map(({ joins, decommissioned, ...node }) => ({ ...node, ...(joins === true ? { joins } : {}), ...(decommissioned === true ? { decommissioned } : {}) })),
  };
}

/** Writes through a temporary file and a rename, so a crash never leaves half a manifest. */
export function writeManifest(manifest: ClusterManifest): void {
  mkdirSync(manifest.directory, { recursive: true });
  const file = join(manifest.directory, manifestFileName);
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(temporary, file);
}

export function findNode(manifest: ClusterManifest, index: number): ClusterNode | undefined {
  return manifest.nodes.find((node) => node.index === index);
}
