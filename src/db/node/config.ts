// The node's configuration: a YAML file with cassandra.yaml's key names, overridden by command
// line flags, validated (zod) into a fully defaulted NodeConfig. Every problem names the key
// (or flag) and what is wrong with it; keys we do not know are reported as warnings, because
// real cassandra.yaml files carry hundreds of settings that do not apply here.

import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigurationError } from '../common/errors.js';
import { parseAuditLogOptions, type AuditLogSettings } from './audit-log.js';
import type { BatchGuardSettings } from '../query/batch-guard.js';
import type { DiskAccessMode } from '../platform/disk.js';
import { rolesValidityMsDefault, type AuthCacheSettings, type CacheValidity } from '../auth/auth-service.js';
import {
  clientConnectionsConfigurableMax, clientConnectionsMax, clientRequestsRunningMax, frameBodyBytesDefault, frameBodyBytesMax, memtableFlushBytesDefault, memtableFlushBytesMax, numTokensMax,
  requestDataInFlightBytesConfigurableMax, requestDataInFlightBytesDefault, requestDataInFlightPerAddressBytesDefault, seedsMax,
} from '../common/limits.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Snitch = 'SimpleSnitch' | 'GossipingPropertyFileSnitch';
export type CommitLogSync = 'batch' | 'periodic';

export interface SeedAddress {
  host: string;
  port: number;
}

export interface NodeConfig {
  clusterName: string;
  listenAddress: string;
  rpcAddress: string;
  broadcastAddress: string;
  broadcastRpcAddress: string;
  nativeTransportPort: number;
  storagePort: number;
  /** Absolute paths; only the first is used for now. */
  dataFileDirectories: string[];
  commitlogDirectory: string;
  hintsDirectory: string;
  /** Where system.log goes (ours; --data-dir puts it under the data directory). */
  logDirectory: string;
  seeds: SeedAddress[];
  numTokens: number;
  endpointSnitch: Snitch;
  /** Datacenter and rack: fixed datacenter1/rack1 under SimpleSnitch, configurable under GossipingPropertyFileSnitch. */
  dc: string;
  rack: string;
  commitlogSync: CommitLogSync;
  commitlogSyncPeriodMs: number;
  /** disk_access_mode: point reads of sstable blocks on the event loop while the page cache answers them (auto), or always in the thread pool (standard); platform/disk.ts. */
  diskAccessMode: DiskAccessMode;
  memtableFlushBytes: number;
  /** The storage engine's caches and compaction rate, named as StorageEngine.open takes them. */
  storageTuning: StorageTuning;
  nativeTransportMaxFrameSizeBytes: number;
  /** Bytes of client requests in flight, all clients together and per client address (native_transport_max_request_data_in_flight[_per_ip]). */
  nativeTransportRequestData: { bytesMax: number; bytesPerAddressMax: number };
  /** Bytes all memtables may hold together before the largest is flushed (memtable_heap_space); undefined: no node-wide bound. */
  memtableSpaceBytes: number | undefined;
  /** Client connections accepted at once (native_transport_max_concurrent_connections); more are hung up on. */
  nativeTransportMaxConcurrentConnections: number;
  /** Client requests running at once (native_transport_max_threads); the rest wait their turn. */
  nativeTransportMaxThreads: number;
  /** Batch guards, Cassandra's settings (query/batch-guard.ts). */
  batchGuard: BatchGuardSettings;
  authenticator: 'AllowAllAuthenticator' | 'PasswordAuthenticator';
  authorizer: 'AllowAllAuthorizer' | 'CassandraAuthorizer';
  /** roles_, permissions_ and credentials_validity_in_ms and their *_update_interval_in_ms (auth/auth-service.ts). */
  authCaches: AuthCacheSettings;
  /** Stored as written in the file (snake_case keys); interpreted by the TLS code. */
  clientEncryptionOptions: Readonly<Record<string, unknown>> | null;
  serverEncryptionOptions: Readonly<Record<string, unknown>> | null;
  hintedHandoffEnabled: boolean;
  maxHintWindowMs: number;
  /** auto_bootstrap: a new non-seed node streams its ranges before it serves them (default true). */
  autoBootstrap: boolean;
  /** initial_token: this node's tokens at its first start; empty means num_tokens random ones. */
  initialTokens: bigint[];
  /** ring_delay_ms (Cassandra's -Dcassandra.ring_delay_ms): how long a joining or leaving node lets gossip spread its state. */
  ringDelayMs: number;
  /** stream_throughput_outbound: bytes per second every outbound stream of the node shares; 0 = unthrottled. */
  streamThroughputOutboundBytesPerSecond: number;
  /** cas_contention_timeout_in_ms: how long a lightweight transaction retries under contention. */
  casContentionTimeoutMs: number;
  /** write_, read_, range_, counter_write_ and truncate_request_timeout (4.1 durations or 4.0 *_in_ms): the coordinator's waits for replicas. */
  requestTimeouts: { writeMs: number; readMs: number; rangeMs: number; counterWriteMs: number; truncateMs: number };
  /**
   * enable_user_defined_functions (off by default), enable_scripted_user_defined_functions (on
   * unless set false: JavaScript is the only UDF language here) and
   * user_defined_function_fail_timeout (ms one call may run, 1500).
   */
  userDefinedFunctions: { enabled: boolean; scriptedEnabled: boolean; failTimeoutMs: number };
  /** enable_materialized_views (off by default). */
  materializedViewsEnabled: boolean;
  logLevel: LogLevel;
  adminPort: number;
  /** certificate_reload_interval_in_ms (ours): how often TLS key, certificate and CA files are checked for changes; 0 = never. */
  certificateReloadIntervalMs: number;
  /** audit_logging_options (node/audit-log.ts); disabled unless enabled: true. */
  auditLogging: AuditLogSettings;
}

export interface StorageTuning {
  /** key_cache_size_in_mb: partition index entries of recently read keys. */
  keyCacheBytes: number;
  /** file_cache_size_in_mb (Cassandra's chunk cache): sstable data and index blocks. */
  blockCacheBytes: number;
  /** compaction_throughput (or compaction_throughput_mb_per_sec); 0 = unthrottled. */
  compactionThroughputBytesPerSecond: number;
  /** commitlog_total_space (or commitlog_total_space_in_mb): the commit log's bound on disk. */
  commitLogTotalBytes: number;
}

/**
 * commitlog_total_space's default. Cassandra's is min(8 GiB, a quarter of the commit log's
 * volume); here it is 1 GiB, because every segment on disk is read again at the next start and
 * a start should not spend minutes replaying (a node whose segments grew to 700 MiB in an hour
 * of `aero start` once failed to open within aero start's 60 s).
 */
const commitLogTotalBytesDefault = 1024 * 1024 * 1024;

const MiB = 1024 * 1024;

/** Command line flags as the CLI parses them (strings; numbers are validated here). */
export interface ConfigFlags {
  listenAddress?: string;
  rpcAddress?: string;
  nativePort?: string | number;
  storagePort?: string | number;
  dataDir?: string;
  clusterName?: string;
  seeds?: string;
  numTokens?: string | number;
  dc?: string;
  rack?: string;
  logLevel?: string;
  memtableFlushBytes?: string | number;
}

export interface LoadConfigOptions {
  /** YAML file; without it every key takes its default. */
  file?: string;
  flags?: ConfigFlags;
  /** Receives warnings (unknown keys, ignored settings); the logger does not exist yet. */
  onWarning?: (message: string) => void;
  /** Relative paths resolve against this directory (default: the process's). */
  cwd?: string;
}

const defaultDataRoot = 'data';
const defaultSeedHost = '127.0.0.1';

// --- field schemas: each carries its own problem text ---

function integer(min: number, max: number) {
  const problem = `expected an integer between ${min} and ${max}`;
  return z.preprocess(
    (value) => (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value),
    z.number({ error: problem }).int({ error: problem }).min(min, { error: problem }).max(max, { error: problem }),
  );
}

const port = integer(1, 65535);

/** Cassandra 4.1's data sizes: `16MiB`, `512KiB`, `1GiB`, `100B`; a bare number is in `bareUnit`. */
function dataSize(min: number, max: number, bareUnit: number) {
  const problem = `expected a size such as 16MiB, 512KiB or 1GiB, between ${min} and ${max} bytes`;
  const units: Record<string, number> = { B: 1, KiB: 1024, MiB: MiB, GiB: 1024 * MiB };
  return z.preprocess((value) => {
    if (typeof value === 'number') return Number.isInteger(value) ? value * bareUnit : value;
    const match = typeof value === 'string' ? /^\s*(\d{1,12})\s*(B|KiB|MiB|GiB|)\s*$/.exec(value) : null;
    if (match === null) return value;
    const unit = match[2] === undefined || match[2] === '' ? bareUnit : (units[match[2]] ?? bareUnit);
    return Number(match[1]) * unit;
  }, z.number({ error: problem }).int({ error: problem }).min(min, { error: problem }).max(max, { error: problem }));
}

/** Cassandra 4.1's durations: `2000ms`, `2s`, `1m`; a bare number is milliseconds (the 4.0 `*_in_ms` form). */
function duration(min: number, max: number) {
  const problem = `expected a duration such as 2000ms, 2s or 1m, between ${min} and ${max} ms`;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, '': 1 };
  return z.preprocess((value) => {
    const match = typeof value === 'string' ? /^\s*(\d{1,12})\s*(ms|s|m|)\s*$/.exec(value) : null;
    return match === null ? value : Number(match[1]) * (units[match[2] ?? ''] ?? 1);
  }, z.number({ error: problem }).int({ error: problem }).min(min, { error: problem }).max(max, { error: problem }));
}

/** Cassandra 4.1's `compaction_throughput: 64MiB/s` (also KiB/s, B/s); a bare number is MiB/s. 0 = unthrottled. */
function throughput() {
  const problem = 'expected a rate such as 64MiB/s, 512KiB/s or 0';
  const units: Record<string, number> = { 'B/s': 1, 'KiB/s': 1024, 'MiB/s': MiB, '': MiB };
  return z.preprocess((value) => {
    if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value * MiB : value;
    const match = typeof value === 'string' ? /^\s*(\d{1,12})\s*(B\/s|KiB\/s|MiB\/s|)\s*$/.exec(value) : null;
    return match === null ? value : Number(match[1]) * (units[match[2] ?? ''] ?? MiB);
  }, z.number({ error: problem }).int({ error: problem }).min(0, { error: problem }).max(1024 * 1024 * MiB, { error: problem }));
}

const address = z
  .string({ error: 'expected an IP address' })
  .transform((value) => (value.trim() === 'localhost' ? '127.0.0.1' : value.trim()))
  .refine((value) => isIP(value) !== 0, { error: 'expected an IP address (IPv4 or IPv6) or localhost' });

const nonEmptyText = (what: string) =>
  z.string({ error: `expected ${what}` }).trim().min(1, { error: `expected ${what}` }).max(256, { error: `expected ${what} of at most 256 characters` });

const path = nonEmptyText('a directory path');

const boolean = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' ? false : value),
  z.boolean({ error: 'expected true or false' }),
);

/** Accepts a short class name or Cassandra's fully qualified one. */
function className<const T extends readonly [string, ...string[]]>(names: T) {
  const problem = `expected one of ${names.join(', ')}`;
  return z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().replace(/^org\.apache\.cassandra\.[a-z.]*\./, '') : value),
    z.enum(names, { error: problem }),
  );
}

const encryptionOptions = z.record(z.string(), z.unknown(), { error: 'expected a mapping of encryption settings' });

const seedProvider = z
  .array(
    z.object({
      class_name: z.string({ error: 'expected a class name' }),
      parameters: z.array(z.object({ seeds: z.string({ error: 'expected a comma-separated list of addresses' }) })).min(1, {
        error: 'expected one parameters entry with seeds',
      }),
    }),
    { error: 'expected a list with one seed provider' },
  )
  .length(1, { error: 'expected exactly one seed provider' });

const connectionsProblem = `expected -1 or an integer between 1 and ${clientConnectionsConfigurableMax}`;

const fields = {
  cluster_name: nonEmptyText('a cluster name'),
  listen_address: address,
  rpc_address: address,
  broadcast_address: address,
  broadcast_rpc_address: address,
  native_transport_port: port,
  storage_port: port,
  data_file_directories: z.array(path, { error: 'expected a list of directory paths' }).min(1, { error: 'expected at least one directory' }).max(16),
  commitlog_directory: path,
  saved_caches_directory: z.unknown(),
  hints_directory: path,
  log_directory: path,
  seed_provider: seedProvider,
  num_tokens: integer(1, numTokensMax),
  endpoint_snitch: className(['SimpleSnitch', 'GossipingPropertyFileSnitch']),
  dc: nonEmptyText('a datacenter name'),
  rack: nonEmptyText('a rack name'),
  commitlog_sync: z.enum(['batch', 'periodic'], { error: 'expected batch or periodic' }),
  commitlog_sync_period_in_ms: integer(1, 3_600_000),
  disk_access_mode: z.enum(['auto', 'mmap', 'mmap_index_only', 'standard'], { error: 'expected auto, mmap, mmap_index_only or standard' }),
  memtable_flush_bytes: integer(64 * 1024, memtableFlushBytesMax),
  key_cache_size_in_mb: integer(0, 64 * 1024),
  file_cache_size_in_mb: integer(0, 64 * 1024),
  compaction_throughput_mb_per_sec: integer(0, 1024 * 1024),
  compaction_throughput: throughput(),
  stream_throughput_outbound: throughput(),
  auto_bootstrap: boolean,
  initial_token: z.preprocess(
    (value) => (typeof value === 'number' ? String(value) : value),
    z.string({ error: 'expected comma-separated tokens' }).max(numTokensMax * 21, { error: `expected at most ${numTokensMax} tokens` }),
  ),
  ring_delay_ms: integer(0, 600_000),
  native_transport_max_frame_size_in_mb: integer(1, frameBodyBytesMax / (1024 * 1024)),
  native_transport_max_frame_size: dataSize(1024, frameBodyBytesMax, MiB),
  native_transport_max_request_data_in_flight: dataSize(1024, requestDataInFlightBytesConfigurableMax, 1),
  native_transport_max_request_data_in_flight_per_ip: dataSize(1024, requestDataInFlightBytesConfigurableMax, 1),
  // Cassandra 4.0's names of the same two bounds, in bytes.
  native_transport_max_concurrent_requests_in_bytes: integer(1024, requestDataInFlightBytesConfigurableMax),
  native_transport_max_concurrent_requests_in_bytes_per_ip: integer(1024, requestDataInFlightBytesConfigurableMax),
  commitlog_total_space: dataSize(64 * MiB, 1024 * 1024 * MiB, MiB),
  commitlog_total_space_in_mb: integer(64, 1024 * 1024),
  memtable_heap_space: dataSize(MiB, 1024 * 1024 * MiB, MiB),
  memtable_heap_space_in_mb: integer(1, 1024 * 1024),
  // Cassandra's -1 means unlimited; here it means the built-in bound (clientConnectionsMax).
  native_transport_max_concurrent_connections: z.preprocess(
    (value) => (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value),
    z.number({ error: connectionsProblem }).int({ error: connectionsProblem }).refine((n) => n === -1 || (n >= 1 && n <= clientConnectionsConfigurableMax), { error: connectionsProblem }),
  ),
  native_transport_max_threads: integer(1, 65536),
  batch_size_warn_threshold_in_kb: integer(0, 1024 * 1024),
  batch_size_fail_threshold_in_kb: integer(0, 1024 * 1024),
  unlogged_batch_across_partitions_warn_threshold: integer(0, 1_000_000),
  authenticator: className(['AllowAllAuthenticator', 'PasswordAuthenticator']),
  authorizer: className(['AllowAllAuthorizer', 'CassandraAuthorizer']),
  roles_validity_in_ms: integer(0, 86_400_000),
  roles_update_interval_in_ms: integer(1, 86_400_000),
  permissions_validity_in_ms: integer(0, 86_400_000),
  permissions_update_interval_in_ms: integer(1, 86_400_000),
  credentials_validity_in_ms: integer(0, 86_400_000),
  credentials_update_interval_in_ms: integer(1, 86_400_000),
  client_encryption_options: encryptionOptions,
  server_encryption_options: encryptionOptions,
  hinted_handoff_enabled: boolean,
  max_hint_window_in_ms: integer(0, 2_147_483_647),
  cas_contention_timeout_in_ms: integer(1, 2_147_483_647),
  cas_contention_timeout: duration(1, 2_147_483_647),
  write_request_timeout_in_ms: integer(1, 2_147_483_647),
  write_request_timeout: duration(1, 2_147_483_647),
  read_request_timeout_in_ms: integer(1, 2_147_483_647),
  read_request_timeout: duration(1, 2_147_483_647),
  range_request_timeout_in_ms: integer(1, 2_147_483_647),
  range_request_timeout: duration(1, 2_147_483_647),
  counter_write_request_timeout_in_ms: integer(1, 2_147_483_647),
  counter_write_request_timeout: duration(1, 2_147_483_647),
  truncate_request_timeout_in_ms: integer(1, 2_147_483_647),
  truncate_request_timeout: duration(1, 2_147_483_647),
  enable_user_defined_functions: boolean,
  user_defined_functions_enabled: boolean,
  enable_scripted_user_defined_functions: boolean,
  scripted_user_defined_functions_enabled: boolean,
  user_defined_function_fail_timeout: integer(1, 600_000),
  user_defined_function_warn_timeout: integer(0, 600_000),
  enable_materialized_views: boolean,
  materialized_views_enabled: boolean,
  log_level: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() : value),
    z.enum(['debug', 'info', 'warn', 'error'], { error: 'expected one of debug, info, warn, error' }),
  ),
  admin_port: port,
  certificate_reload_interval_in_ms: integer(0, 86_400_000),
  // Validated by parseAuditLogOptions, which names the nested key.
  audit_logging_options: z.unknown(),
};

type FieldName = keyof typeof fields;
const fileSchema = z.object(fields).partial();

/** Every configuration key the node reads (others are warned about and ignored). */
export const configurationKeys: ReadonlySet<string> = new Set(Object.keys(fields));
type RawConfig = z.infer<typeof fileSchema>;

/** Flag name and the YAML key it overrides (--data-dir and --seeds are handled apart). */
const flagTable: ReadonlyArray<{ flag: keyof ConfigFlags; option: string; key: FieldName }> = [
  { flag: 'listenAddress', option: '--listen-address', key: 'listen_address' },
  { flag: 'rpcAddress', option: '--rpc-address', key: 'rpc_address' },
  { flag: 'nativePort', option: '--native-port', key: 'native_transport_port' },
  { flag: 'storagePort', option: '--storage-port', key: 'storage_port' },
  { flag: 'clusterName', option: '--cluster-name', key: 'cluster_name' },
  { flag: 'numTokens', option: '--num-tokens', key: 'num_tokens' },
  { flag: 'dc', option: '--dc', key: 'dc' },
  { flag: 'rack', option: '--rack', key: 'rack' },
  { flag: 'logLevel', option: '--log-level', key: 'log_level' },
  { flag: 'memtableFlushBytes', option: '--memtable-flush-bytes', key: 'memtable_flush_bytes' },
];

export async function loadNodeConfig(options: LoadConfigOptions): Promise<NodeConfig> {
  const raw = options.file === undefined ? {} : await readConfigFile(options.file);
  return resolveNodeConfig(raw, options);
}

/** Reads and parses the YAML file; every failure names the file (and the line, for syntax). */
export async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const problem = code === 'ENOENT' ? 'file not found' : `cannot read the file (${code})`;
    throw new ConfigurationError(file, problem);
  }
  return parseConfigText(text, file);
}

export function parseConfigText(text: string, file: string): Record<string, unknown> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { prettyErrors: false, lineCounter });
  const first = document.errors[0];
  if (first !== undefined) {
    const position = lineCounter.linePos(first.pos[0]);
    const where = `line ${position.line}, column ${position.col}: `;
    throw new ConfigurationError(file, `YAML syntax error at ${where}${first.message.split('\n')[0] ?? ''}`);
  }
  const value: unknown = document.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new ConfigurationError(file, 'expected a mapping of settings at the top level');
  }
  return value as Record<string, unknown>;
}

/** Pure part of loading: file contents (already parsed) plus flags to a NodeConfig. */
export function resolveNodeConfig(raw: Record<string, unknown>, options: Omit<LoadConfigOptions, 'file'>): NodeConfig {
  const warn = options.onWarning ?? (() => undefined);
  const known = new Set<string>(Object.keys(fields));
  const unknown = Object.keys(raw).filter((key) => !known.has(key));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 20).join(', ');
    warn(`ignoring ${unknown.length} unknown configuration key(s): ${shown}${unknown.length > 20 ? ', ...' : ''}`);
  }
  // Blank keys (`hints_directory:`) mean "use the default", as in cassandra.yaml.
  const present = Object.fromEntries(Object.entries(raw).filter(([key, value]) => known.has(key) && value !== null));
  const overrides = flagOverrides(options.flags ?? {});
  const parsed = parseOrThrow(fileSchema, { ...present, ...overrides }, (key) => key);
  return applyDefaults(parsed, { cwd: options.cwd ?? process.cwd(), warn });
}

function flagOverrides(flags: ConfigFlags): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  for (const { flag, option, key } of flagTable) {
    const value = flags[flag];
    if (value === undefined) continue;
    // Validate each flag alone so that the error names the flag, not the YAML key.
    parseOrThrow(z.object({ [key]: fields[key] }), { [key]: value }, () => option);
    overrides[key] = value;
  }
  if (flags.seeds !== undefined) {
    parseSeeds(flags.seeds, 7000, '--seeds');
    overrides['seed_provider'] = [{ class_name: 'SimpleSeedProvider', parameters: [{ seeds: flags.seeds }] }];
  }
  if (flags.dataDir !== undefined) {
    parseOrThrow(z.object({ dir: path }), { dir: flags.dataDir }, () => '--data-dir');
    const root = flags.dataDir;
    overrides['data_file_directories'] = [`${root}/data`];
    overrides['commitlog_directory'] = `${root}/commitlog`;
    overrides['hints_directory'] = `${root}/hints`;
    overrides['log_directory'] = `${root}/logs`;
  }
  return overrides;
}

function parseOrThrow<T>(schema: z.ZodType<T>, input: Record<string, unknown>, name: (key: string) => string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new ConfigurationError('?', 'invalid configuration');
  const keyPath = issue.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '');
  const topKey = String(issue.path[0] ?? '?');
  const shownKey = name(topKey) === topKey ? keyPath : name(topKey);
  throw new ConfigurationError(shownKey, `${issue.message}, got ${describeValue(valueAt(input, issue.path))}`);
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = input;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Splits "a,b:7001,[::1]:7002" into addresses; a seed without a port uses the storage port. */
export function parseSeeds(text: string, defaultPort: number, key: string): SeedAddress[] {
  const parts = text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (parts.length === 0) throw new ConfigurationError(key, `expected at least one seed address, got '${text}'`);
  if (parts.length > seedsMax) throw new ConfigurationError(key, `expected at most ${seedsMax} seeds, got ${parts.length}`);
  return parts.map((part) => parseSeed(part, defaultPort, key));
}

function parseSeed(part: string, defaultPort: number, key: string): SeedAddress {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(part);
  let host = part;
  let portText: string | undefined;
  if (bracketed !== null) {
    host = bracketed[1] ?? '';
    portText = bracketed[2];
  } else if (part.split(':').length === 2) {
    [host = '', portText] = part.split(':');
  }
  if (host === 'localhost') host = '127.0.0.1';
  if (isIP(host) === 0) throw new ConfigurationError(key, `expected IP addresses with optional ports, got '${part}'`);
  const seedPort = portText === undefined ? defaultPort : Number(portText);
  if (!Number.isInteger(seedPort) || seedPort < 1 || seedPort > 65535) {
    throw new ConfigurationError(key, `expected a port between 1 and 65535 in '${part}'`);
  }
  return { host, port: seedPort };
}

function applyDefaults(raw: RawConfig, context: { cwd: string; warn: (message: string) => void }): NodeConfig {
  const absolute = (dir: string) => resolvePath(context.cwd, dir);
  const listenAddress = raw.listen_address ?? '127.0.0.1';
  const rpcAddress = raw.rpc_address ?? listenAddress;
  if ((rpcAddress === '0.0.0.0' || rpcAddress === '::') && raw.broadcast_rpc_address === undefined) {
    throw new ConfigurationError('broadcast_rpc_address', `must be set when rpc_address is the wildcard address ${rpcAddress}`);
  }
  const storagePort = raw.storage_port ?? 7000;
  const seedText = raw.seed_provider?.[0]?.parameters[0]?.seeds ?? defaultSeedHost;
  const dataFileDirectories = (raw.data_file_directories ?? [`${defaultDataRoot}/data`]).map(absolute);
  if (dataFileDirectories.length > 1) context.warn('only the first of data_file_directories is used');
  if (raw.saved_caches_directory !== undefined) context.warn('saved_caches_directory is ignored (no saved caches)');
  const { endpointSnitch, dc, rack } = resolveSnitch(raw);
  return {
    clusterName: raw.cluster_name ?? 'Test Cluster',
    listenAddress,
    rpcAddress,
    broadcastAddress: raw.broadcast_address ?? listenAddress,
    broadcastRpcAddress: raw.broadcast_rpc_address ?? rpcAddress,
    nativeTransportPort: raw.native_transport_port ?? 9042,
    storagePort,
    dataFileDirectories,
    commitlogDirectory: absolute(raw.commitlog_directory ?? `${defaultDataRoot}/commitlog`),
    hintsDirectory: absolute(raw.hints_directory ?? `${defaultDataRoot}/hints`),
    logDirectory: absolute(raw.log_directory ?? `${defaultDataRoot}/logs`),
    seeds: parseSeeds(seedText, storagePort, 'seed_provider[0].parameters[0].seeds'),
    numTokens: raw.num_tokens ?? 16,
    endpointSnitch,
    dc,
    rack,
    commitlogSync: raw.commitlog_sync ?? 'periodic',
    commitlogSyncPeriodMs: raw.commitlog_sync_period_in_ms ?? 10_000,
    // Cassandra's mmap modes read on the requesting thread, as auto does here.
    diskAccessMode: raw.disk_access_mode === 'standard' ? 'standard' : 'auto',
    memtableFlushBytes: raw.memtable_flush_bytes ?? memtableFlushBytesDefault,
    storageTuning: {
      keyCacheBytes: (raw.key_cache_size_in_mb ?? 32) * MiB,
      blockCacheBytes: (raw.file_cache_size_in_mb ?? 128) * MiB,
      compactionThroughputBytesPerSecond: raw.compaction_throughput ?? (raw.compaction_throughput_mb_per_sec ?? 64) * MiB,
      commitLogTotalBytes: raw.commitlog_total_space ?? (raw.commitlog_total_space_in_mb === undefined ? commitLogTotalBytesDefault : raw.commitlog_total_space_in_mb * MiB),
    },
    nativeTransportMaxFrameSizeBytes: raw.native_transport_max_frame_size
      ?? (raw.native_transport_max_frame_size_in_mb === undefined ? frameBodyBytesDefault : raw.native_transport_max_frame_size_in_mb * MiB),
    nativeTransportRequestData: {
      bytesMax: raw.native_transport_max_request_data_in_flight ?? raw.native_transport_max_concurrent_requests_in_bytes ?? requestDataInFlightBytesDefault,
      bytesPerAddressMax: raw.native_transport_max_request_data_in_flight_per_ip ?? raw.native_transport_max_concurrent_requests_in_bytes_per_ip
        ?? requestDataInFlightPerAddressBytesDefault,
    },
    memtableSpaceBytes: raw.memtable_heap_space ?? (raw.memtable_heap_space_in_mb === undefined ? undefined : raw.memtable_heap_space_in_mb * MiB),
    nativeTransportMaxConcurrentConnections: raw.native_transport_max_concurrent_connections === undefined || raw.native_transport_max_concurrent_connections === -1
      ? clientConnectionsMax : raw.native_transport_max_concurrent_connections,
    nativeTransportMaxThreads: raw.native_transport_max_threads ?? clientRequestsRunningMax,
    batchGuard: {
      warnBytes: (raw.batch_size_warn_threshold_in_kb ?? 5) * 1024,
      failBytes: (raw.batch_size_fail_threshold_in_kb ?? 50) * 1024,
      unloggedPartitionsWarn: raw.unlogged_batch_across_partitions_warn_threshold ?? 10,
    },
    authenticator: raw.authenticator ?? 'AllowAllAuthenticator',
    authorizer: raw.authorizer ?? 'AllowAllAuthorizer',
    authCaches: {
      roles: cacheValidity(raw.roles_validity_in_ms, raw.roles_update_interval_in_ms),
      permissions: cacheValidity(raw.permissions_validity_in_ms, raw.permissions_update_interval_in_ms),
      credentials: cacheValidity(raw.credentials_validity_in_ms, raw.credentials_update_interval_in_ms),
    },
    clientEncryptionOptions: raw.client_encryption_options ?? null,
    serverEncryptionOptions: raw.server_encryption_options ?? null,
    hintedHandoffEnabled: raw.hinted_handoff_enabled ?? true,
    maxHintWindowMs: raw.max_hint_window_in_ms ?? 10_800_000,
    autoBootstrap: raw.auto_bootstrap ?? true,
    initialTokens: parseInitialTokens(raw.initial_token),
    ringDelayMs: raw.ring_delay_ms ?? 30_000,
    streamThroughputOutboundBytesPerSecond: raw.stream_throughput_outbound ?? 24 * MiB,
    casContentionTimeoutMs: raw.cas_contention_timeout ?? raw.cas_contention_timeout_in_ms ?? 1_000,
    requestTimeouts: {
      writeMs: raw.write_request_timeout ?? raw.write_request_timeout_in_ms ?? 2_000,
      readMs: raw.read_request_timeout ?? raw.read_request_timeout_in_ms ?? 5_000,
      rangeMs: raw.range_request_timeout ?? raw.range_request_timeout_in_ms ?? 10_000,
      counterWriteMs: raw.counter_write_request_timeout ?? raw.counter_write_request_timeout_in_ms ?? 5_000,
      truncateMs: raw.truncate_request_timeout ?? raw.truncate_request_timeout_in_ms ?? 60_000,
    },
    // Cassandra 4.0's names, and 4.1's (`*_enabled`).
    userDefinedFunctions: {
      enabled: raw.enable_user_defined_functions ?? raw.user_defined_functions_enabled ?? false,
      scriptedEnabled: raw.enable_scripted_user_defined_functions ?? raw.scripted_user_defined_functions_enabled ?? true,
      failTimeoutMs: raw.user_defined_function_fail_timeout ?? 1_500,
    },
    materializedViewsEnabled: raw.enable_materialized_views ?? raw.materialized_views_enabled ?? false,
    logLevel: raw.log_level ?? 'info',
    adminPort: raw.admin_port ?? 7199,
    certificateReloadIntervalMs: raw.certificate_reload_interval_in_ms ?? 10_000,
    auditLogging: parseAuditLogOptions(raw.audit_logging_options, { logDirectory: absolute(raw.log_directory ?? `${defaultDataRoot}/logs`), resolve: absolute }, context.warn),
  };
}

/** initial_token: "t1, t2, ..." as Murmur3 tokens (signed 64-bit), distinct, never the minimum token. */
/** A cache's validity (Cassandra's default 2000 ms) and update interval (default: the validity). */
function cacheValidity(validityMs: number | undefined, updateIntervalMs: number | undefined): CacheValidity {
  const validity = validityMs ?? rolesValidityMsDefault;
  return updateIntervalMs === undefined ? { validityMs: validity } : { validityMs: validity, updateIntervalMs };
}

function parseInitialTokens(text: string | undefined): bigint[] {
  if (text === undefined || text.trim() === '') return [];
  const tokens = text.split(',').map((part) => part.trim());
  const min = -(2n ** 63n);
  const parsed = tokens.map((part) => {
    if (!/^-?\d{1,20}$/.test(part)) throw new ConfigurationError('initial_token', `expected comma-separated integer tokens, got '${part}'`);
    const token = BigInt(part);
    if (token <= min || token >= 2n ** 63n) throw new ConfigurationError('initial_token', `token ${part} is outside the Murmur3 range (-2^63, 2^63)`);
    return token;
  });
  if (new Set(parsed).size !== parsed.length) throw new ConfigurationError('initial_token', 'a token is listed twice');
  if (parsed.length > numTokensMax) throw new ConfigurationError('initial_token', `expected at most ${numTokensMax} tokens`);
  return parsed.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * SimpleSnitch puts every node in datacenter1/rack1. Setting dc or rack without naming a
 * snitch selects GossipingPropertyFileSnitch (our stand-in for cassandra-rackdc.properties);
 * setting them under an explicit SimpleSnitch is a contradiction and an error.
 */
function resolveSnitch(raw: RawConfig): { endpointSnitch: Snitch; dc: string; rack: string } {
  const located = raw.dc !== undefined || raw.rack !== undefined;
  const endpointSnitch = raw.endpoint_snitch ?? (located ? 'GossipingPropertyFileSnitch' : 'SimpleSnitch');
  if (endpointSnitch === 'SimpleSnitch' && located) {
    throw new ConfigurationError(raw.dc === undefined ? 'rack' : 'dc', 'requires endpoint_snitch: GossipingPropertyFileSnitch (SimpleSnitch uses datacenter1/rack1)');
  }
  return { endpointSnitch, dc: raw.dc ?? 'datacenter1', rack: raw.rack ?? 'rack1' };
}
