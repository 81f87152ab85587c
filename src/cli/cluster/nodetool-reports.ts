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
 * prints disabled ones (all 0). Lines for figures the node does not keep (Exceptions, Percent
 * Repaired, the chunk cache's miss latency) are left out or NaN, not invented.
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
    ...(keys === undefined ? [] : [['Key Cache', `entries ${keys.entries}, size ${keys.size}, capacity ${keys.capacity}, ${keys.hits} hits, ${keys.hits + keys.misses} requests, ${rate(keys.hits, keys.hits + keys.misses)} recent hit rate, 0 save period in seconds`] as [string, string]]),
    ...(keys === undefined ? [] : [['Row Cache', disabled], ['Counter Cache', disabled]] as Array<[string, string]>),
    ...(chunks === undefined ? [] : [['Chunk Cache', `entries ${chunks.entries}, size ${chunks.size}, capacity ${chunks.capacity}, ${chunks.misses} misses, ${chunks.hits + chunks.misses} requests, ${rate(chunks.hits, chunks.hits + chunks.misses)} recent hit rate, NaN microseconds miss latency`] as [string, string]]),
  ];
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

/** `nodetool tablestats`: per keyspace its pending flushes, then each table's figures. */
export function formatTableStats(body: unknown, filter: ReadonlyArray<{ keyspace: string; table?: string }> = []): string | { error: string } {
  const tables = list(record(body)['tables'])
    .filter((table) => filter.length === 0 || filter.some((wanted) => wanted.keyspace === table['keyspace'] && (wanted.table === undefined || wanted.table === table['table'])));
  for (const wanted of filter) {
    const found = tables.some((table) => wanted.keyspace === table['keyspace'] && (wanted.table === undefined || wanted.table === table['table']));
    if (!found) return { error: wanted.table === undefined ? `Unknown keyspace: ${wanted.keyspace}` : `Unknown table: ${wanted.keyspace}.${wanted.table}` };
  }
  const byKeyspace = new Map<string, Json[]>();
  for (const table of tables) byKeyspace.set(text(table['keyspace']), [...(byKeyspace.get(text(table['keyspace'])) ?? []), table]);
  const lines = [`Total number of tables: ${tables.length}`, '----------------'];
  for (const [keyspace, members] of [...byKeyspace].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    lines.push(`Keyspace : ${keyspace}`);
    lines.push(`\tPending Flushes: ${members.reduce((sum, table) => sum + number(table['flushingMemtables']), 0)}`);
    for (const table of members.sort((a, b) => (text(a['table']) < text(b['table']) ? -1 : 1))) {
      const sstableBytes = number(table['sstableBytes']);
      lines.push(
        `\t\tTable: ${text(table['table'])}`,
        `\t\tSSTable count: ${number(table['sstableCount'])}`,
        `\t\tSpace used (live): ${sstableBytes}`,
        `\t\tSpace used (total): ${sstableBytes}`,
        '\t\tSpace used by snapshots (total): 0',
        `\t\tMemtable data size: ${number(table['memtableBytes'])}`,
        `\t\tPending flushes: ${number(table['flushingMemtables'])}`,
        '',
      );
    }
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
