// `aero nodetool info`, `describecluster`, `tablestats`, `compactionstats` and `gossipinfo`,
// laid out as Cassandra 4.0's nodetool prints them (Info.java, DescribeCluster.java,
// TableStatsPrinter.java, CompactionStats.java, GossipInfo.java). Pure: the node's JSON
// report in, text out. Lines for figures the node does not keep are left out, not invented.

import { formatLoad } from './nodetool-format.js';

type Json = Record<string, unknown>;

const text = (value: unknown, fallback = '?') => (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : fallback);
const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const record = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {});

const mebibytes = (bytes: unknown) => (number(bytes) / (1024 * 1024)).toFixed(2);
/** Java's %.3f of a ratio: NaN when nothing was asked. */
const rate = (hits: number, requests: number) => (requests === 0 ? 'NaN' : (hits / requests).toFixed(3));

/**
 * `nodetool info [-T]` (Info.java of 4.0): "Name : value" lines, names padded to 23 columns, in
 * Cassandra's order. The row and counter caches do not exist here: they print as Cassandra
 * prints disabled ones (all 0). The chunk cache's miss latency is not measured: NaN.
 */
export function formatInfo(body: unknown, options: { tokens?: boolean } = {}): string {
  const report = record(body);
  const tokens = Array.isArray(report['tokens']) ? (report['tokens'] as unknown[]).map((token) => text(token)) : [];
  const caches = list(report['caches']);
  const cache = (name: string) => {
    const found = caches.find((entry) => entry['name'] === name);
    return found === undefined ? undefined : { entries: number(found['entries']), size: formatLoad(number(found['sizeBytes'])), capacity: formatLoad(number(found['capacityBytes'])), hits: number(found['hits']), misses: number(found['misses']) };
  };
  const disabled = 'entries 0, size 0 bytes, capacity 0 bytes, 0 hits, 0 requests, NaN recent hit rate, 0 save period in seconds';
  const keys = cache('keys');
  const chunks = cache('chunks');
  const rows: Array<[string, string]> = [
    ['ID', text(report['id'])],
    ['Gossip active', text(report['gossipActive'])],
    ['Native Transport active', text(report['nativeTransportActive'])],
    ['Load', formatLoad(typeof report['loadBytes'] === 'number' ? report['loadBytes'] : null)],
    ['Generation No', text(report['generation'])],
    ['Uptime (seconds)', text(report['uptimeSeconds'])],
    ...(typeof report['heapUsedBytes'] === 'number' ? [['Heap Memory (MB)', `${mebibytes(report['heapUsedBytes'])} / ${mebibytes(report['heapMaxBytes'])}`] as [string, string]] : []),
    ...(typeof report['offHeapBytes'] === 'number' ? [['Off Heap Memory (MB)', mebibytes(report['offHeapBytes'])] as [string, string]] : []),
    ['Data Center', text(report['dataCenter'])],
    ['Rack', text(report['rack'])],
    // StorageMetrics' Exceptions: here the errors the node logged since start.
    ['Exceptions', String(number(report['exceptions']))],
    ...(keys === undefined ? [] : [['Key Cache', `entries ${keys.entries}, size ${keys.size}, capacity ${keys.capacity}, ${keys.hits} hits, ${keys.hits + keys.misses} requests, ${rate(keys.hits, keys.hits + keys.misses)} recent hit rate, 0 save period in seconds`] as [string, string]]),
    ...(keys === undefined ? [] : [['Row Cache', disabled], ['Counter Cache', disabled]] as Array<[string, string]>),
    ...(chunks === undefined ? [] : [['Chunk Cache', `entries ${chunks.entries}, size ${chunks.size}, capacity ${chunks.capacity}, ${chunks.misses} misses, ${chunks.hits + chunks.misses} requests, ${rate(chunks.hits, chunks.hits + chunks.misses)} recent hit rate, NaN microseconds miss latency`] as [string, string]]),
  ];
  // printf("%-23s: %s%%%n") of a Java double: "100.0%" with no user data flushed, "0.0%" with data never repaired incrementally.
  rows.push(['Percent Repaired', `${javaDouble(typeof report['percentRepaired'] === 'number' ? report['percentRepaired'] : Number.NaN)}%`]);
  const lines = rows.map(([name, value]) => `${name.padEnd(23)}: ${value}`);
  if (tokens.length === 0) lines.push(`${'Token'.padEnd(23)}: (node is not joined to the cluster)`);
  else if (options.tokens === true || tokens.length === 1) for (const token of tokens) lines.push(`${'Token'.padEnd(23)}: ${token}`);
  else lines.push(`${'Token'.padEnd(23)}: (invoke with -T/--tokens to see all ${tokens.length} tokens)`);
  return `${lines.join('\n')}\n`;
}

function endpointList(endpoints: unknown, printPort: boolean): string {
  return `[${(Array.isArray(endpoints) ? (endpoints as unknown[]) : []).map((endpoint) => endpointText(endpoint, printPort)).join(', ')}]`;
}

/**
 * `nodetool describecluster [-pp]` (DescribeCluster.java of 4.0): name, snitch, partitioner, schema
 * versions (unreachable nodes under UNREACHABLE), node counts, datacenters, release versions, keyspaces.
 */
export function formatDescribeCluster(body: unknown, options: { printPort?: boolean } = {}): string {
  const report = record(body);
  const printPort = options.printPort === true;
  const lines = [
    'Cluster Information:',
    `\tName: ${text(report['name'])}`,
    `\tSnitch: ${text(report['snitch'])}`,
    '\tDynamicEndPointSnitch: disabled',
    `\tPartitioner: ${text(report['partitioner'])}`,
    '\tSchema versions:',
    // printf("\t\t%s: %s%n%n"): a blank line after each version.
    ...Object.entries(record(report['schemaVersions'])).flatMap(([version, endpoints]) => [`\t\t${version}: ${endpointList(endpoints, printPort)}`, '']),
    'Stats for all nodes:',
    `\tLive: ${text(report['live'])}`,
    `\tJoining: ${text(report['joining'])}`,
    `\tMoving: ${text(report['moving'])}`,
    `\tLeaving: ${text(report['leaving'])}`,
    `\tUnreachable: ${text(report['unreachable'])}`,
    '',
    'Data Centers: ',
    ...Object.entries(record(report['dataCenters'])).map(([dc, counts]) => `\t${dc} #Nodes: ${text(record(counts)['nodes'])} #Down: ${text(record(counts)['down'])}`),
    '',
    'Database versions:',
    // Always with ports (getReleaseVersionsWithPort), a blank line after each.
    ...Object.entries(record(report['releaseVersions'])).flatMap(([version, endpoints]) => [`\t${version}: ${endpointList(endpoints, true)}`, '']),
    'Keyspaces:',
    ...list(report['keyspaces']).map((keyspace) => {
      const replication = record(keyspace['replication']);
      const className = text(replication['class']).replace(/^org\.apache\.cassandra\.locator\./, '');
      const options = Object.entries(replication).filter(([key]) => key !== 'class').map(([key, value]) => `${key}=${text(value)}`).join(', ');
      return `\t${text(keyspace['name'])} -> Replication class: ${className} {${options}}`;
    }),
  ];
  return `${lines.join('\n')}\n`;
}

/** Which tables `nodetool tablestats [ks[.table] ...]` asked for; an error text for a malformed name. */
export function parseTableFilter(names: readonly string[]): Array<{ keyspace: string; table?: string }> | string {
  const filter: Array<{ keyspace: string; table?: string }> = [];
  for (const name of names) {
    const parts = name.split('.');
    if (parts.length > 2 || parts.some((part) => part.length === 0)) return `expected keyspace or keyspace.table, got '${name.slice(0, 100)}'`;
    const [keyspace = '', table] = parts;
    filter.push(table === undefined ? { keyspace } : { keyspace, table });
  }
  return filter;
}

/**
 * Java's Double.toString, which nodetool prints wherever it concatenates a double: "NaN", a
 * decimal point always ("100.0"), scientific notation below 10^-3 and from 10^7 ("1.0E-4").
 */
export function javaDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const plain = String(value);
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  const [mantissa = '', exponent = ''] = value.toExponential().split('e');
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace(/^\+/, '')}`;
}

/** Java's String.format("%01.Nf"): NaN spelled as Java does. */
function javaFixed(value: number, decimals: number): string {
  return Number.isNaN(value) ? 'NaN' : value.toFixed(decimals);
}

/** FBUtilities.prettyPrintMemory of 4.0: three decimals of KiB, MiB or GiB, no space ("0.000KiB"). */
export function prettyPrintMemory(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(3)}GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(3)}MiB`;
  return `${(bytes / 2 ** 10).toFixed(3)}KiB`;
}

/** Local read or write latency in ms as TableStatsHolder computes it: the timer's mean, NaN unless positive. */
function meanMillis(totalMicros: number, count: number): number {
  const millis = count === 0 ? 0 : totalMicros / count / 1000;
  return millis > 0 ? millis : Number.NaN;
}

function tableStatsLines(table: Json, size: (bytes: number) => string): string[] {
  const indent = '\t\t';
  const sstableBytes = number(table['sstableBytes']);
  const bloomBytes = number(table['bloomFilterBytes']);
  const partitions = record(table['partitionBytes']);
  const live = record(table['liveRowsPerRead']);
  const tombstones = record(table['tombstonesPerRead']);
  // A histogram's mean over no reads is NaN, as Cassandra's empty reservoir reports it.
  const sliceMean = (histogram: Json) => (number(histogram['count']) === 0 ? Number.NaN : number(histogram['mean']));
  const rows: Array<[string, string]> = [
    ['Table', text(table['table'])],
    ['SSTable count', String(number(table['sstableCount']))],
    // Every sstable is of the one format this node writes.
    ['Old SSTable count', '0'],
    ['Space used (live)', size(sstableBytes)],
    ['Space used (total)', size(sstableBytes)],
    ['Space used by snapshots (total)', size(0)],
    // Off heap: the bloom filters' bytes (held outside V8's heap as typed arrays); the rest is on the heap.
    ['Off heap memory used (total)', size(bloomBytes)],
    // SSTables are not compressed: MetadataCollector.NO_COMPRESSION_RATIO.
    ['SSTable Compression Ratio', '-1.0'],
    ['Number of partitions (estimate)', String(number(table['partitionsEstimate']))],
    ['Memtable cell count', String(number(table['memtableCells']))],
    ['Memtable data size', size(number(table['memtableBytes']))],
    ['Memtable off heap memory used', size(0)],
    ['Memtable switch count', String(number(table['memtableSwitches']))],
    ['Local read count', String(number(table['readCount']))],
    ['Local read latency', `${javaFixed(meanMillis(number(table['readTotalMicros']), number(table['readCount'])), 3)} ms`],
    ['Local write count', String(number(table['writeCount']))],
    ['Local write latency', `${javaFixed(meanMillis(number(table['writeTotalMicros']), number(table['writeCount'])), 3)} ms`],
    ['Pending flushes', String(number(table['flushingMemtables']))],
    // TableMetrics.PercentRepaired: 100 with no sstable, else the share marked repaired (none here).
    ['Percent repaired', javaDouble(sstableBytes === 0 ? 100 : Math.round((10000 * number(table['repairedBytes'])) / sstableBytes) / 100)],
    ['Bytes repaired', prettyPrintMemory(number(table['repairedBytes']))],
    ['Bytes unrepaired', prettyPrintMemory(number(table['unrepairedBytes']))],
    ['Bytes pending repair', prettyPrintMemory(0)],
    ['Bloom filter false positives', String(number(table['bloomFalsePositives']))],
    ['Bloom filter false ratio', javaFixed(number(table['bloomFalseRatio']), 5)],
    ['Bloom filter space used', size(bloomBytes)],
    ['Bloom filter off heap memory used', size(bloomBytes)],
    ['Index summary off heap memory used', size(0)],
    ['Compression metadata off heap memory used', size(0)],
    ['Compacted partition minimum bytes', String(number(partitions['min']))],
    ['Compacted partition maximum bytes', String(number(partitions['max']))],
    ['Compacted partition mean bytes', String(number(partitions['mean']))],
    ['Average live cells per slice (last five minutes)', javaDouble(sliceMean(live))],
    ['Maximum live cells per slice (last five minutes)', String(number(live['max']))],
    ['Average tombstones per slice (last five minutes)', javaDouble(sliceMean(tombstones))],
    ['Maximum tombstones per slice (last five minutes)', String(number(tombstones['max']))],
    // Formatted as a size under -H, as TableStatsHolder does (a quirk kept for the same output).
    ['Dropped Mutations', size(number(table['droppedMutations']))],
  ];
  return [...rows.map(([name, value]) => `${indent}${name}: ${value}`), ''];
}

/**
 * `nodetool tablestats [-H] [ks[.table] ...]` (TableStatsPrinter of 4.0): per keyspace its
 * reads, writes and pending flushes (over all its tables), then each selected table's figures.
 */
export function formatTableStats(body: unknown, filter: ReadonlyArray<{ keyspace: string; table?: string }> = [], options: { humanReadable?: boolean } = {}): string | { error: string } {
  const all = list(record(body)['tables']);
  const tables = all
    .filter((table) => filter.length === 0 || filter.some((wanted) => wanted.keyspace === table['keyspace'] && (wanted.table === undefined || wanted.table === table['table'])));
  for (const wanted of filter) {
    const found = tables.some((table) => wanted.keyspace === table['keyspace'] && (wanted.table === undefined || wanted.table === table['table']));
    if (!found) return { error: wanted.table === undefined ? `Unknown keyspace: ${wanted.keyspace}` : `Unknown table: ${wanted.keyspace}.${wanted.table}` };
  }
  const size = (bytes: number) => (options.humanReadable === true ? formatLoad(bytes) : String(bytes));
  const byKeyspace = new Map<string, Json[]>();
  for (const table of tables) byKeyspace.set(text(table['keyspace']), [...(byKeyspace.get(text(table['keyspace'])) ?? []), table]);
  const lines = [`Total number of tables: ${tables.length}`, '----------------'];
  for (const [keyspace, members] of [...byKeyspace].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    // StatsKeyspace adds up every table of the keyspace, the ones filtered out included.
    const everyTable = all.filter((table) => table['keyspace'] === keyspace);
    const sum = (key: string) => everyTable.reduce((total, table) => total + number(table[key]), 0);
    const latency = (totalKey: string, countKey: string) => (sum(countKey) > 0 ? sum(totalKey) / sum(countKey) / 1000 : Number.NaN);
    lines.push(
      `Keyspace : ${keyspace}`,
      `\tRead Count: ${sum('readCount')}`,
      `\tRead Latency: ${javaDouble(latency('readTotalMicros', 'readCount'))} ms`,
      `\tWrite Count: ${sum('writeCount')}`,
      `\tWrite Latency: ${javaDouble(latency('writeTotalMicros', 'writeCount'))} ms`,
      `\tPending Flushes: ${sum('flushingMemtables')}`,
    );
    for (const table of members.sort((a, b) => (text(a['table']) < text(b['table']) ? -1 : 1))) lines.push(...tableStatsLines(table, size));
    lines.push('----------------');
  }
  return `${lines.join('\n')}\n`;
}

/** Cassandra's TableBuilder: each column left-aligned to its widest cell, one space between, the last padded too. */
export function tableRows(rows: ReadonlyArray<readonly string[]>): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => { widths[index] = Math.max(widths[index] ?? 0, cell.length); });
  return rows.map((row) => widths.map((width, index) => (row[index] ?? '').padEnd(width)).join(' '));
}

const operationNames: Record<string, string> = { compaction: 'Compaction', cleanup: 'Cleanup', flush: 'Flush' };

/**
 * `nodetool compactionstats [-H]` (CompactionStats.java): pending tasks, per table; then, when
 * compactions run, their table (id, type, keyspace, table, completed, total, unit, progress) and
 * the time left at compaction_throughput.
 */
export function formatCompactionStats(body: unknown, options: { humanReadable?: boolean } = {}): string {
  const report = record(body);
  const lines = [`pending tasks: ${number(report['pending'])}`];
  for (const entry of list(report['pendingByTable'])) lines.push(`- ${text(entry['keyspace'])}.${text(entry['table'])}: ${number(entry['pending'])}`);
  lines.push('');
  const tasks = list(report['tasks']);
  if (tasks.length > 0) {
    const size = (bytes: number) => (options.humanReadable === true ? formatLoad(bytes) : String(bytes));
    let remainingBytes = 0;
    const rows: string[][] = [['id', 'compaction type', 'keyspace', 'table', 'completed', 'total', 'unit', 'progress']];
    for (const task of tasks) {
      const completed = number(task['completed']);
      const total = number(task['total']);
      remainingBytes += total - completed;
      const kind = text(task['kind']);
      rows.push([text(task['id']), operationNames[kind] ?? kind, text(task['keyspace']), text(task['table']), size(completed), size(total), text(task['unit'], 'bytes'),
        total === 0 ? 'n/a' : `${((completed / total) * 100).toFixed(2)}%`]);
    }
    lines.push(...tableRows(rows));
    const throughput = number(report['throughputBytesPerSecond']);
    let remaining = 'n/a';
    if (throughput > 0) {
      const seconds = Math.floor(remainingBytes / throughput);
      remaining = `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m${String(seconds % 60).padStart(2, '0')}s`;
    }
    lines.push(`Active compaction remaining time : ${remaining.padStart(10)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** An endpoint as nodetool prints it: with its port under -pp (--print-port), its address alone otherwise. */
function endpointText(endpoint: unknown, printPort: boolean): string {
  const value = text(endpoint);
  return printPort ? value : value.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
}

/**
 * `nodetool gossipinfo [-pp]` (FailureDetector.getAllEndpointStates of 4.0): per endpoint
 * "/address", its generation and heartbeat, then KEY:version:value for each state but TOKENS,
 * which comes last as TOKENS:version:<hidden>.
 */
export function formatGossipInfo(body: unknown, options: { printPort?: boolean } = {}): string {
  const lines: string[] = [];
  for (const endpoint of list(record(body)['endpoints'])) {
    lines.push(`/${endpointText(endpoint['endpoint'], options.printPort === true)}`, `  generation:${text(endpoint['generation'])}`, `  heartbeat:${text(endpoint['heartbeat'])}`);
    const states = list(endpoint['states']);
    for (const state of states) if (state['key'] !== 'TOKENS') lines.push(`  ${text(state['key'])}:${text(state['version'])}:${text(state['value'], '')}`);
    const tokens = states.find((state) => state['key'] === 'TOKENS');
    lines.push(tokens === undefined ? '  TOKENS: not present' : `  TOKENS:${text(tokens['version'])}:<hidden>`);
  }
  return `${lines.join('\n')}\n`;
}

/** `nodetool getlogginglevel`: Cassandra's two columns, one logger (ROOT). */
export function formatLoggingLevel(body: unknown): string {
  return `\n${'Logger Name'.padEnd(50)}${'Log Level'.padStart(10)}\n${'ROOT'.padEnd(50)}${text(record(body)['level']).toUpperCase().padStart(10)}\n`;
}
