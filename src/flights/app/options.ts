// Command-line options shared by `aero sim`, `aero web` and `aero start`: where the database
// is and how to use it (replication, consistency levels, credentials, TLS).

import type { Command } from 'commander';
import { defaultDatabaseOptions, parseConsistency, type DatabaseOptions } from '../model/database.js';
import type { ReplicationStrategy } from '../model/schema.js';

export interface DatabaseFlags {
  contactPoints?: string;
  localDc?: string;
  keyspace?: string;
  replicationFactor?: string;
  replicationStrategy?: string;
  strongConsistency?: string;
  weakConsistency?: string;
  username?: string;
  password?: string;
  tls?: boolean;
  tlsCa?: string;
  tlsInsecure?: boolean;
}

export function addDatabaseOptions(command: Command, defaults: { contactPoints?: string; replicationFactorNote?: string }): Command {
  return command
    .option('--contact-points <hosts>', 'comma-separated host[:port] of database nodes', defaults.contactPoints)
    .option('--local-dc <name>', 'the driver\'s local datacenter', defaultDatabaseOptions.localDataCenter)
    .option('--keyspace <name>', 'keyspace of the flight tables', defaultDatabaseOptions.keyspace)
    .option('--replication-factor <n>', `replication factor when creating the keyspace (${defaults.replicationFactorNote ?? 'default 1'})`)
    .option('--replication-strategy <class>', 'SimpleStrategy or NetworkTopologyStrategy (in --local-dc)', 'SimpleStrategy')
    .option('--strong-consistency <level>', 'consistency of status and schedule reads and writes', defaultDatabaseOptions.strongConsistency)
    .option('--weak-consistency <level>', 'consistency of tracking reads and writes', defaultDatabaseOptions.weakConsistency)
    .option('--username <name>', 'user name (PasswordAuthenticator)')
    .option('--password <password>', 'password (or AERO_PASSWORD in the environment)')
    .option('--tls', 'connect with TLS')
    .option('--tls-ca <file>', 'PEM file of the certificate authority to trust')
    .option('--tls-insecure', 'do not verify the server certificate');
}

export function databaseOptionsFrom(flags: DatabaseFlags, environment: Record<string, string | undefined> = {}): DatabaseOptions {
  const contactPoints = (flags.contactPoints ?? defaultDatabaseOptions.contactPoints.join(','))
    .split(',').map((point) => point.trim()).filter((point) => point.length > 0);
  const factor = Number(flags.replicationFactor ?? '1');
  if (!Number.isInteger(factor)) throw new RangeError(`replication factor must be an integer, got '${flags.replicationFactor ?? ''}'`);
  const strategy = flags.replicationStrategy ?? 'SimpleStrategy';
  if (strategy !== 'SimpleStrategy' && strategy !== 'NetworkTopologyStrategy') {
    throw new RangeError(`replication strategy must be SimpleStrategy or NetworkTopologyStrategy, got '${strategy}'`);
  }
  const localDataCenter = flags.localDc ?? defaultDatabaseOptions.localDataCenter;
  const password = flags.password ?? environment.AERO_PASSWORD;
  const options: DatabaseOptions = {
    contactPoints,
    localDataCenter,
    keyspace: flags.keyspace ?? defaultDatabaseOptions.keyspace,
    replication: { strategy: strategy as ReplicationStrategy, replicationFactor: factor, dataCenter: localDataCenter },
    strongConsistency: parseConsistency(flags.strongConsistency ?? defaultDatabaseOptions.strongConsistency),
    weakConsistency: parseConsistency(flags.weakConsistency ?? defaultDatabaseOptions.weakConsistency),
  };
  if (flags.username !== undefined) options.username = flags.username;
  if (password !== undefined) options.password = password;
  if (flags.tls === true || flags.tlsCa !== undefined) {
    options.tls = { rejectUnauthorized: flags.tlsInsecure !== true, ...(flags.tlsCa === undefined ? {} : { caFile: flags.tlsCa }) };
  }
  return options;
}

/** Parses a number option within bounds, with a message naming the option. */
export function boundedNumber(value: string | undefined, options: { name: string; fallback: number; min: number; max: number }): number {
  if (value === undefined) return options.fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < options.min || parsed > options.max) {
    throw new RangeError(`${options.name} must be a number from ${options.min} to ${options.max}, got '${value}'`);
  }
  return parsed;
}
