// Keyspace replication options: validated and stored as system_schema.keyspaces shows them
// (the class fully qualified, every value a string).

import { configurationError, invalidRequest, syntaxError } from '../common/errors.js';
import type { ReplicationOptions } from './metadata.js';
import { replicationFactorMax } from '../common/limits.js';

const LOCATOR_PACKAGE = 'org.apache.cassandra.locator.';
export const SIMPLE_STRATEGY = `${LOCATOR_PACKAGE}SimpleStrategy`;
export const NETWORK_TOPOLOGY_STRATEGY = `${LOCATOR_PACKAGE}NetworkTopologyStrategy`;
export const LOCAL_STRATEGY = `${LOCATOR_PACKAGE}LocalStrategy`;
export const EVERYWHERE_STRATEGY = `${LOCATOR_PACKAGE}EverywhereStrategy`;

/**
 * Validates user-given replication options (CREATE/ALTER KEYSPACE ... WITH replication = {...}).
 * `dataCenters` lists the known datacenters: NetworkTopologyStrategy's replication_factor
 * shorthand expands to each of them, as in Cassandra 4.
 */
export function parseReplication(input: Readonly<Record<string, string>>, options: { keyspace: string; dataCenters?: readonly string[] }): ReplicationOptions {
  const given = new Map(Object.entries(input));
  const rawClass = given.get('class');
  if (rawClass === undefined) throw configurationError('Missing replication strategy class');
  given.delete('class');
  const className = rawClass.includes('.') ? rawClass : LOCATOR_PACKAGE + rawClass;
  if (className === SIMPLE_STRATEGY) return simpleStrategy(given, options.keyspace);
  if (className === NETWORK_TOPOLOGY_STRATEGY) return networkTopologyStrategy(given, options.dataCenters ?? []);
  if (className === LOCAL_STRATEGY) throw configurationError('Unable to use given strategy class: LocalStrategy is reserved for internal use.');
  throw configurationError(`Unable to find replication strategy class '${className}'`);
}

function simpleStrategy(given: Map<string, string>, keyspace: string): ReplicationOptions {
  const factor = given.get('replication_factor');
  if (factor === undefined) throw configurationError('SimpleStrategy requires a replication_factor strategy option.');
  given.delete('replication_factor');
  if (given.size > 0) {
    throw configurationError(`Unrecognized strategy option {${[...given.keys()].join(', ')}} passed to SimpleStrategy for keyspace ${keyspace}`);
  }
  return { class: SIMPLE_STRATEGY, replication_factor: replicationFactor(factor) };
}

function networkTopologyStrategy(given: Map<string, string>, dataCenters: readonly string[]): ReplicationOptions {
  const result: ReplicationOptions = { class: NETWORK_TOPOLOGY_STRATEGY };
  const shorthand = given.get('replication_factor');
  if (shorthand !== undefined) {
    given.delete('replication_factor');
    const factor = replicationFactor(shorthand);
    for (const dataCenter of dataCenters) result[dataCenter] = factor;
  }
  for (const [dataCenter, factor] of given) result[dataCenter] = replicationFactor(factor);
  return result;
}

function replicationFactor(text: string): string {
  if (!/^-?[0-9]+$/.test(text.trim())) throw configurationError(`Replication factor must be numeric; found ${text}`);
  const factor = Number(text.trim());
  if (factor < 0) throw configurationError(`Replication factor must be non-negative; found ${text}`);
  if (factor > replicationFactorMax) throw invalidRequest(`Replication factor ${factor} is above the maximum of ${replicationFactorMax}`);
  return String(factor);
}

/** Replicas per datacenter a keyspace asks for ('' for SimpleStrategy's single factor). */
export function replicationFactors(replication: ReplicationOptions): Map<string, number> {
  const factors = new Map<string, number>();
  for (const [key, value] of Object.entries(replication)) {
    if (key === 'class') continue;
    factors.set(key === 'replication_factor' ? '' : key, Number(value));
  }
  return factors;
}

/**
 * The WITH properties of CREATE/ALTER KEYSPACE (replication = {...}, durable_writes = bool),
 * as the CQL layer hands them over (constant text or a map of texts). Validation of the
 * replication map itself happens in Schema.createKeyspace/alterKeyspace.
 */
export function parseKeyspaceProperties(
  input: Readonly<Record<string, string | Readonly<Record<string, string>>>>,
  options: { create: boolean },
): { replication?: Readonly<Record<string, string>>; durableWrites?: boolean } {
  const result: { replication?: Readonly<Record<string, string>>; durableWrites?: boolean } = {};
  for (const [name, value] of Object.entries(input)) {
    const key = name.toLowerCase();
    if (key === 'replication') {
      if (typeof value === 'string') throw syntaxError(`Invalid value for property '${name}'. It should be a map.`);
      result.replication = value;
    } else if (key === 'durable_writes') {
      const text = typeof value === 'string' ? value.toLowerCase() : '';
      if (text !== 'true' && text !== 'false') throw syntaxError(`Invalid boolean value ${typeof value === 'string' ? value : 'map'} for 'durable_writes'`);
      result.durableWrites = text === 'true';
    } else {
      throw syntaxError(`Unknown property '${name}'`);
    }
  }
  if (options.create && result.replication === undefined) throw configurationError('Missing mandatory option \'replication\'');
  return result;
}
