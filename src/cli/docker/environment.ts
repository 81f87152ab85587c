// The container's node settings from environment variables, as the Cassandra image takes them
// (its docker-entrypoint.sh edits cassandra.yaml from CASSANDRA_* variables); here they become
// the node's YAML file (cassandra.yaml key names), which `aero node --config` reads. Pure: the
// container's own address and the resolution of seed host names are given by the caller.
//
//   CASSANDRA_CLUSTER_NAME       cluster_name (default "Test Cluster", as Cassandra's)
//   CASSANDRA_LISTEN_ADDRESS     listen_address; "auto" or unset: the container's address
//   CASSANDRA_BROADCAST_ADDRESS  broadcast_address (default: the listen address)
//   CASSANDRA_RPC_ADDRESS        rpc_address (default: the listen address)
//   CASSANDRA_BROADCAST_RPC_ADDRESS  broadcast_rpc_address (default: the broadcast address)
//   CASSANDRA_SEEDS              comma-separated seed addresses or host names (default: the
//                                broadcast address, a cluster of one)
//   CASSANDRA_DC, CASSANDRA_RACK datacenter and rack (GossipingPropertyFileSnitch)
//   CASSANDRA_NUM_TOKENS         num_tokens
//   AERO_TLS_KEYSTORE, AERO_TLS_TRUSTSTORE  PEM files: TLS on the CQL and internode ports, as
//                                `aero cluster start --tls` sets it (clients verify the node,
//                                nodes verify each other by address)
//   AERO_AUTH=true               PasswordAuthenticator and CassandraAuthorizer
//   AERO_AUTO_BOOTSTRAP          auto_bootstrap (default true: a new non-seed node streams its
//                                ranges before it serves; false for nodes created with the cluster)
//   AERO_RING_DELAY_MS           ring_delay_ms (default 30000)
//   AERO_LOG_LEVEL               debug, info, warn or error
//   AERO_DATA_DIR                the node's data directory (default /var/lib/aero, the volume)

import { isIP } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';

export type Environment = Readonly<Record<string, string | undefined>>;

/** The settings that need I/O to resolve: the container's address and the seeds' host names. */
export interface ContainerFacts {
  /** The container's own IP address (its first non-loopback interface). */
  address: string;
  /** Seed host names resolved to addresses; a name missing here is left out (with a warning). */
  resolved: ReadonlyMap<string, string>;
}

export interface NodeSettings {
  /** The node's YAML configuration. */
  yaml: string;
  listenAddress: string;
  seeds: string[];
  warnings: string[];
}

export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

export const dataDirectoryDefault = '/var/lib/aero';

export function dataDirectory(environment: Environment): string {
  return value(environment, 'AERO_DATA_DIR') ?? dataDirectoryDefault;
}

/** Where the entrypoint writes the node's configuration (and the health check reads it). */
export function nodeConfigPath(environment: Environment): string {
  return join(dataDirectory(environment), 'conf', 'aero.yaml');
}

const trueValues = new Set(['true', 'yes', '1']);
const falseValues = new Set(['false', 'no', '0', '']);

function value(environment: Environment, name: string): string | undefined {
  const text = environment[name]?.trim();
  return text === undefined || text === '' ? undefined : text;
}

function addressOf(environment: Environment, { name, fallback }: { name: string; fallback: string }): string {
  const given = value(environment, name);
  if (given === undefined || given === 'auto') return fallback;
  if (isIP(given) === 0) throw new EnvironmentError(`${name} expects an IP address or "auto", got '${given}'`);
  return given;
}

function flag(environment: Environment, name: string): boolean {
  const text = (value(environment, name) ?? '').toLowerCase();
  if (trueValues.has(text)) return true;
  if (falseValues.has(text)) return false;
  throw new EnvironmentError(`${name} expects true or false, got '${text}'`);
}

/** The seed entries of CASSANDRA_SEEDS: host or host:port, split on commas. */
export function seedEntries(environment: Environment): string[] {
  return (value(environment, 'CASSANDRA_SEEDS') ?? '').split(',').map((seed) => seed.trim()).filter((seed) => seed !== '');
}

/** A seed entry's host part (IPv6 seeds are written [addr]:port or bare). */
export function seedHost(seed: string): string {
  if (seed.startsWith('[')) return seed.slice(1, seed.indexOf(']'));
  if (isIP(seed) === 6) return seed;
  const colon = seed.lastIndexOf(':');
  return colon < 0 ? seed : seed.slice(0, colon);
}

function resolveSeeds(environment: Environment, { facts, broadcast, warnings }: { facts: ContainerFacts; broadcast: string; warnings: string[] }): string[] {
  const entries = seedEntries(environment);
  if (entries.length === 0) return [broadcast];
  const seeds: string[] = [];
  for (const entry of entries) {
    const host = seedHost(entry);
    if (isIP(host) !== 0) {
      seeds.push(entry);
      continue;
    }
    const address = facts.resolved.get(host);
    if (address === undefined) {
      warnings.push(`seed ${host} does not resolve; leaving it out`);
      continue;
    }
    seeds.push(entry.replace(host, isIP(address) === 6 ? `[${address}]` : address));
  }
  if (seeds.length === 0) throw new EnvironmentError(`no seed of CASSANDRA_SEEDS (${entries.join(',')}) resolves to an address`);
  return seeds;
}

function tlsSettings(environment: Environment): Record<string, unknown> {
  const keystore = value(environment, 'AERO_TLS_KEYSTORE');
  const truststore = value(environment, 'AERO_TLS_TRUSTSTORE');
  if (keystore === undefined && truststore === undefined) return {};
  if (keystore === undefined || truststore === undefined) {
    throw new EnvironmentError('AERO_TLS_KEYSTORE and AERO_TLS_TRUSTSTORE go together (the node\'s PEM key and certificate, the CA\'s certificate)');
  }
  return {
    client_encryption_options: { enabled: true, optional: false, keystore, truststore, require_client_auth: false },
    server_encryption_options: {
      internode_encryption: 'all', keystore, truststore, require_client_auth: true, require_endpoint_verification: true,
    },
  };
}

/** The node's configuration from the environment and the container's facts. */
export function nodeSettingsFromEnvironment(environment: Environment, facts: ContainerFacts): NodeSettings {
  const warnings: string[] = [];
  const listen = addressOf(environment, { name: 'CASSANDRA_LISTEN_ADDRESS', fallback: facts.address });
  const broadcast = addressOf(environment, { name: 'CASSANDRA_BROADCAST_ADDRESS', fallback: listen });
  const rpc = addressOf(environment, { name: 'CASSANDRA_RPC_ADDRESS', fallback: listen });
  const broadcastRpc = addressOf(environment, { name: 'CASSANDRA_BROADCAST_RPC_ADDRESS', fallback: broadcast });
  const seeds = resolveSeeds(environment, { facts, broadcast, warnings });
  const dc = value(environment, 'CASSANDRA_DC');
  const rack = value(environment, 'CASSANDRA_RACK');
  const numTokens = value(environment, 'CASSANDRA_NUM_TOKENS');
  const logLevel = value(environment, 'AERO_LOG_LEVEL');
  const autoBootstrap = value(environment, 'AERO_AUTO_BOOTSTRAP');
  const ringDelayMs = value(environment, 'AERO_RING_DELAY_MS');
  if (ringDelayMs !== undefined && !/^\d{1,6}$/.test(ringDelayMs)) throw new EnvironmentError(`AERO_RING_DELAY_MS expects milliseconds, got '${ringDelayMs}'`);
  if (numTokens !== undefined && !/^\d{1,4}$/.test(numTokens)) throw new EnvironmentError(`CASSANDRA_NUM_TOKENS expects a number, got '${numTokens}'`);
  const settings: Record<string, unknown> = {
    cluster_name: value(environment, 'CASSANDRA_CLUSTER_NAME') ?? 'Test Cluster',
    listen_address: listen,
    broadcast_address: broadcast,
    rpc_address: rpc,
    broadcast_rpc_address: broadcastRpc,
    seed_provider: [{ class_name: 'org.apache.cassandra.locator.SimpleSeedProvider', parameters: [{ seeds: seeds.join(',') }] }],
    ...(dc === undefined && rack === undefined ? {} : { endpoint_snitch: 'GossipingPropertyFileSnitch' }),
    ...(dc === undefined ? {} : { dc }),
    ...(rack === undefined ? {} : { rack }),
    ...(numTokens === undefined ? {} : { num_tokens: Number(numTokens) }),
    ...(logLevel === undefined ? {} : { log_level: logLevel }),
    ...(autoBootstrap === undefined ? {} : { auto_bootstrap: flag(environment, 'AERO_AUTO_BOOTSTRAP') }),
    ...(ringDelayMs === undefined ? {} : { ring_delay_ms: Number(ringDelayMs) }),
    ...tlsSettings(environment),
    ...(flag(environment, 'AERO_AUTH') ? { authenticator: 'PasswordAuthenticator', authorizer: 'CassandraAuthorizer' } : {}),
  };
  const yaml = `# Written by the container's entrypoint from its environment at every start.\n${stringify(settings)}`;
  return { yaml, listenAddress: listen, seeds, warnings };
}
