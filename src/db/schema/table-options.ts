// Table options (CREATE/ALTER TABLE ... WITH name = value): the defaults exactly as Cassandra
// 4.x reports them in system_schema.tables, and the parsing of user-given options, with
// Cassandra's class-name expansion (short strategy and compressor names become fully
// qualified) and its errors for unknown options and bad values.

import { invalidRequest, syntaxError } from '../common/errors.js';
import { ttlSecondsMax } from '../common/limits.js';
import type { TableOptions } from './metadata.js';

/** A WITH option's value as the CQL layer hands it over: constant text or a map of texts. */
export type OptionValue = string | Readonly<Record<string, string>>;
export type OptionInput = Readonly<Record<string, OptionValue>>;

const COMPACTION_PACKAGE = 'org.apache.cassandra.db.compaction.';
const COMPRESSION_PACKAGE = 'org.apache.cassandra.io.compress.';
const DEFAULT_COMPACTION = `${COMPACTION_PACKAGE}SizeTieredCompactionStrategy`;
const DEFAULT_COMPRESSION = `${COMPRESSION_PACKAGE}LZ4Compressor`;
const COMPACTION_CLASSES = ['SizeTieredCompactionStrategy', 'LeveledCompactionStrategy', 'TimeWindowCompactionStrategy', 'UnifiedCompactionStrategy'];
const COMPRESSION_CLASSES = ['LZ4Compressor', 'SnappyCompressor', 'DeflateCompressor', 'ZstdCompressor', 'NoopCompressor'];

export function defaultTableOptions(): TableOptions {
  return {
    bloomFilterFpChance: 0.01,
    caching: { keys: 'ALL', rows_per_partition: 'NONE' },
    comment: '',
    compaction: { class: DEFAULT_COMPACTION, max_threshold: '32', min_threshold: '4' },
    compression: { chunk_length_in_kb: '16', class: DEFAULT_COMPRESSION },
    crcCheckChance: 1.0,
    defaultTimeToLive: 0,
    extensions: {},
    gcGraceSeconds: 864000,
    maxIndexInterval: 2048,
    memtableFlushPeriodInMs: 0,
    minIndexInterval: 128,
    readRepair: 'BLOCKING',
    speculativeRetry: '99p',
    additionalWritePolicy: '99p',
    cdc: false,
  };
}

type Setter = (options: TableOptions, option: { value: OptionValue; name: string }) => void;

/** Every option a user may set, by its CQL name (an explicit table: unknown names are errors). */
const SETTERS: ReadonlyMap<string, Setter> = new Map<string, Setter>([
  ['bloom_filter_fp_chance', (o, { value: v, name: n }) => { o.bloomFilterFpChance = fraction(n, v, { zeroAllowed: false }); }],
  ['caching', (o, { value: v, name: n }) => { o.caching = caching(n, v); }],
  ['comment', (o, { value: v, name: n }) => { o.comment = text(n, v); }],
  ['compaction', (o, { value: v, name: n }) => { o.compaction = compaction(n, v); }],
  ['compression', (o, { value: v, name: n }) => { o.compression = compression(n, v); }],
  ['crc_check_chance', (o, { value: v, name: n }) => { o.crcCheckChance = fraction(n, v, { zeroAllowed: true }); }],
  ['default_time_to_live', (o, { value: v, name: n }) => { o.defaultTimeToLive = integer(n, v, { minimum: 0, maximum: ttlSecondsMax }); }],
  ['gc_grace_seconds', (o, { value: v, name: n }) => { o.gcGraceSeconds = integer(n, v, { minimum: 0, maximum: 0x7fffffff }); }],
  ['max_index_interval', (o, { value: v, name: n }) => { o.maxIndexInterval = integer(n, v, { minimum: 1, maximum: 0x7fffffff }); }],
  ['memtable_flush_period_in_ms', (o, { value: v, name: n }) => { o.memtableFlushPeriodInMs = integer(n, v, { minimum: 0, maximum: 0x7fffffff }); }],
  ['min_index_interval', (o, { value: v, name: n }) => { o.minIndexInterval = integer(n, v, { minimum: 1, maximum: 0x7fffffff }); }],
  ['read_repair', (o, { value: v, name: n }) => { o.readRepair = readRepair(n, v); }],
  ['speculative_retry', (o, { value: v, name: n }) => { o.speculativeRetry = retryPolicy(n, v); }],
  ['additional_write_policy', (o, { value: v, name: n }) => { o.additionalWritePolicy = retryPolicy(n, v); }],
  ['cdc', (o, { value: v, name: n }) => { o.cdc = boolean(n, v); }],
  ['extensions', (o, { value: v, name: n }) => { o.extensions = extensions(n, v); }],
]);

/** Options accepted by CREATE TABLE only (the table id), handled by the caller. */
export const ID_OPTION = 'id';

/**
 * Applies user options onto a copy of base. `id` is rejected here: CREATE TABLE reads it
 * itself and ALTER TABLE cannot change it.
 */
export function applyTableOptions(base: TableOptions, input: OptionInput, options: { allowId: boolean }): TableOptions {
  const result: TableOptions = structuredCloneOptions(base);
  for (const [name, value] of Object.entries(input)) {
    const key = name.toLowerCase();
    if (key === ID_OPTION) {
      if (!options.allowId) throw invalidRequest('Cannot alter table id.');
      continue;
    }
    const setter = SETTERS.get(key);
    if (setter === undefined) throw syntaxError(`Unknown property '${name}'`);
    setter(result, { value, name: key });
  }
  if (result.minIndexInterval > result.maxIndexInterval) {
    throw invalidRequest(`max_index_interval (${result.maxIndexInterval}) must be greater than or equal to min_index_interval (${result.minIndexInterval})`);
  }
  return result;
}

export function structuredCloneOptions(options: TableOptions): TableOptions {
  return {
    ...options,
    caching: { ...options.caching },
    compaction: { ...options.compaction },
    compression: { ...options.compression },
    extensions: Object.fromEntries(Object.entries(options.extensions).map(([k, v]) => [k, Buffer.from(v)])),
  };
}

function text(name: string, value: OptionValue): string {
  if (typeof value !== 'string') throw syntaxError(`Invalid value for property '${name}'. It should be a string`);
  return value;
}

function map(name: string, value: OptionValue): Record<string, string> {
  if (typeof value === 'string') throw syntaxError(`Invalid value for property '${name}'. It should be a map.`);
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) out[key.toLowerCase() === 'class' ? 'class' : key] = entry;
  return out;
}

function number(name: string, value: OptionValue): number {
  const raw = text(name, value);
  const parsed = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(parsed)) throw syntaxError(`Invalid double value ${raw} for '${name}'`);
  return parsed;
}

function fraction(name: string, value: OptionValue, { zeroAllowed }: { zeroAllowed: boolean }): number {
  const parsed = number(name, value);
  if (parsed > 1 || parsed < 0 || (!zeroAllowed && parsed === 0)) {
    throw invalidRequest(`${name} must be ${zeroAllowed ? 'between 0.0 and 1.0' : 'larger than 0 and less than or equal to 1.0'} (got ${parsed})`);
  }
  return parsed;
}

function integer(name: string, value: OptionValue, { minimum, maximum }: { minimum: number; maximum: number }): number {
  const raw = text(name, value);
  if (!/^-?[0-9]+$/.test(raw)) throw syntaxError(`Invalid integer value ${raw} for '${name}'`);
  const parsed = Number(raw);
  if (parsed < minimum) throw invalidRequest(`${name} must be greater than or equal to ${minimum} (got ${parsed})`);
  if (parsed > maximum) throw invalidRequest(`${name} must be less than or equal to ${maximum} (got ${parsed})`);
  return parsed;
}

function boolean(name: string, value: OptionValue): boolean {
  const raw = text(name, value).toLowerCase();
  if (raw !== 'true' && raw !== 'false') throw syntaxError(`Invalid boolean value ${raw} for '${name}'`);
  return raw === 'true';
}

/** extensions = {'name': 0x..}: as DESCRIBE prints them, so that its output replays. */
function extensions(name: string, value: OptionValue): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [key, entry] of Object.entries(map(name, value))) {
    if (!/^0x([0-9a-fA-F]{2})*$/.test(entry)) throw invalidRequest(`Invalid value '${entry}' for extension '${key}': expected a blob`);
    out[key] = Buffer.from(entry.slice(2), 'hex');
  }
  return out;
}

function readRepair(name: string, value: OptionValue): string {
  const raw = text(name, value).toUpperCase();
  if (raw !== 'BLOCKING' && raw !== 'NONE') throw invalidRequest(`Invalid ${name} value '${text(name, value)}': expected BLOCKING or NONE`);
  return raw;
}

/** speculative_retry / additional_write_policy: NONE, ALWAYS, Np / Npercentile, Nms, MIN(..), MAX(..). */
function retryPolicy(name: string, value: OptionValue): string {
  const raw = text(name, value).trim();
  const upper = raw.toUpperCase();
  if (upper === 'NONE' || upper === 'ALWAYS') return upper;
  const percentile = /^([0-9]+(?:\.[0-9]+)?)(?:P|PERCENTILE)$/.exec(upper);
  if (percentile !== null && Number(percentile[1]) <= 100) return `${Number(percentile[1])}p`;
  const millis = /^([0-9]+(?:\.[0-9]+)?)MS$/.exec(upper);
  if (millis !== null) return `${Number(millis[1])}ms`;
  if (/^(MIN|MAX)\(.+\)$/.test(upper)) return raw;
  throw invalidRequest(`Invalid value '${raw}' for option '${name}'`);
}

function caching(name: string, value: OptionValue): Record<string, string> {
  const given = map(name, value);
  const result: Record<string, string> = { keys: 'ALL', rows_per_partition: 'NONE' };
  for (const [key, entry] of Object.entries(given)) {
    if (key === 'keys') {
      const upper = entry.toUpperCase();
      if (upper !== 'ALL' && upper !== 'NONE') throw invalidRequest(`Invalid value '${entry}' for caching sub-option 'keys': only 'ALL' and 'NONE' are allowed`);
      result.keys = upper;
    } else if (key === 'rows_per_partition') {
      const upper = entry.toUpperCase();
      if (upper !== 'ALL' && upper !== 'NONE' && !/^[0-9]+$/.test(entry)) {
        throw invalidRequest(`Invalid value '${entry}' for caching sub-option 'rows_per_partition': only 'ALL', 'NONE' or a positive integer are allowed`);
      }
      result.rows_per_partition = /^[0-9]+$/.test(entry) ? entry : upper;
    } else {
      throw invalidRequest(`Invalid caching sub-options ${JSON.stringify(given)}: only 'keys' and 'rows_per_partition' are allowed`);
    }
  }
  return result;
}

function qualify(className: string, packageName: string, { known }: { known: string[] }): string {
  if (className.includes('.')) return className;
  if (!known.includes(className)) throw configurationErrorUnknownClass(className, packageName);
  return packageName + className;
}

function configurationErrorUnknownClass(className: string, packageName: string): Error {
  return invalidRequest(`Unable to find ${packageName.includes('compaction') ? 'compaction strategy' : 'compressor'} class '${packageName}${className}'`);
}

function compaction(name: string, value: OptionValue): Record<string, string> {
  const given = map(name, value);
  const className = given.class;
  if (className === undefined) throw invalidRequest(`Missing sub-option 'class' for the '${name}' option.`);
  const result: Record<string, string> = { ...given, class: qualify(className, COMPACTION_PACKAGE, { known: COMPACTION_CLASSES }) };
  // Cassandra always reports the thresholds, defaulted when not given.
  result.max_threshold ??= '32';
  result.min_threshold ??= '4';
  return result;
}

function compression(name: string, value: OptionValue): Record<string, string> {
  const given = map(name, value);
  if (given.enabled !== undefined && given.enabled.toLowerCase() === 'false') return { enabled: 'false' };
  const className = given.class ?? given.sstable_compression;
  if (className === undefined) throw invalidRequest(`Missing sub-option 'class' for the '${name}' option.`);
  const result: Record<string, string> = { ...given, class: qualify(className, COMPRESSION_PACKAGE, { known: COMPRESSION_CLASSES }) };
  delete result.sstable_compression;
  delete result.enabled;
  result.chunk_length_in_kb ??= given.chunk_length_kb ?? '16';
  delete result.chunk_length_kb;
  const chunk = Number(result.chunk_length_in_kb);
  if (!Number.isInteger(chunk) || chunk <= 0 || (chunk & (chunk - 1)) !== 0) {
    throw invalidRequest(`chunk_length_in_kb must be a power of 2 (got ${result.chunk_length_in_kb})`);
  }
  return result;
}
