// `aero nodetool tpstats`, `proxyhistograms` and `tablehistograms`, laid out as Cassandra
// 4.0's nodetool prints them (TpStatsPrinter, ProxyHistograms, TableHistograms): the same
// headers, column widths and number formats (Java's %10.2f and %18.0f, NaN where nothing is
// measured). Pure: the node's JSON (src/db/node/nodetool-stats-reports.ts) in, text out.

/** Java's String.format("%W.Df"): right-aligned, NaN and Infinity spelled as Java does. */
function fixed(value: number, { width, decimals }: { width: number; decimals: number }): string {
  const text = Number.isNaN(value) ? 'NaN' : Number.isFinite(value) ? value.toFixed(decimals) : value > 0 ? 'Infinity' : '-Infinity';
  return text.padStart(width);
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function list(value: unknown): Array<Record<string, unknown>> {
  return Array.isArray(value) ? value.map(record) : [];
}

/** Seven rows of a histogram as the node sends them; NaN for each when absent. */
function seven(value: unknown): number[] {
  const values = Array.isArray(value) ? value.map(Number) : [];
  return Array.from({ length: 7 }, (_, i) => values[i] ?? Number.NaN);
}

const percentileNames = ['50%', '75%', '95%', '98%', '99%', 'Min', 'Max'] as const;

/** `nodetool tpstats`: each pool's active, pending and completed work, then dropped messages by verb. */
export function formatTpStats(body: unknown): string {
  const report = record(body);
  const poolLine = (cells: readonly string[]) =>
    `${(cells[0] ?? '').padEnd(30)}${(cells[1] ?? '').padStart(10)}${(cells[2] ?? '').padStart(10)}${(cells[3] ?? '').padStart(15)}${(cells[4] ?? '').padStart(10)}${(cells[5] ?? '').padStart(18)}`;
  const lines = [poolLine(['Pool Name', 'Active', 'Pending', 'Completed', 'Blocked', 'All time blocked'])];
  for (const pool of list(report['pools'])) {
    lines.push(poolLine([String(pool['name'] ?? '?'), ...['active', 'pending', 'completed', 'blocked', 'allTimeBlocked'].map((key) => String(pool[key] ?? 0))]));
  }
  const droppedLine = (cells: readonly string[]) => `${(cells[0] ?? '').padEnd(20)}${(cells[1] ?? '').padStart(10)}${cells.slice(2).map((cell) => cell.padStart(18)).join('')}`;
  lines.push('', droppedLine(['Message type', 'Dropped', '', 'Latency waiting in queue (micros)', '', '']), droppedLine(['', '', '50%', '95%', '99%', 'Max']));
  // The time messages wait in a queue is not measured here: N/A, as Cassandra prints for a verb it has no figures for.
  for (const [verb, count] of Object.entries(record(report['dropped']))) lines.push(droppedLine([verb, String(count), 'N/A', 'N/A', 'N/A', 'N/A']));
  return `${lines.join('\n')}\n`;
}

/** `nodetool proxyhistograms`: the coordinator's request latencies in microseconds. */
export function formatProxyHistograms(body: unknown): string {
  const report = record(body);
  const columns = [seven(report['read']), seven(report['write']), seven(report['range']), seven(report['casRead']), seven(report['casWrite']), seven(undefined).map(() => 0)];
  const header = (cells: readonly string[]) => `${(cells[0] ?? '').padEnd(10)}${cells.slice(1).map((cell) => cell.padStart(19)).join('')}`;
  const lines = [
    'proxy histograms',
    header(['Percentile', 'Read Latency', 'Write Latency', 'Range Latency', 'CAS Read Latency', 'CAS Write Latency', 'View Write Latency']),
    header(['', '(micros)', '(micros)', '(micros)', '(micros)', '(micros)', '(micros)']),
  ];
  // Views are not supported, so no view write ever happens: that column is 0, as on a Cassandra without views.
  percentileNames.forEach((name, i) => lines.push(`${name.padEnd(10)}${columns.map((column) => fixed(column[i] ?? Number.NaN, { width: 19, decimals: 2 })).join('')}`));
  lines.push('');
  return `${lines.join('\n')}\n`;
}

/** `nodetool tablehistograms`: per table, sstables per read, local latencies, partition sizes and cell counts. */
export function formatTableHistograms(body: unknown): string {
  const lines: string[] = [];
  const header = (cells: readonly string[]) => `${(cells[0] ?? '').padEnd(10)}${(cells[1] ?? '').padStart(10)}${cells.slice(2).map((cell) => cell.padStart(18)).join('')}`;
  for (const table of list(record(body)['tables'])) {
    if (table['partitionSize'] === null) lines.push('No SSTables exists, unable to calculate \'Partition Size\' and \'Cell Count\' percentiles');
    lines.push(`${String(table['keyspace'])}/${String(table['table'])} histograms`);
    lines.push(header(['Percentile', 'SSTables', 'Write Latency', 'Read Latency', 'Partition Size', 'Cell Count']));
    lines.push(header(['', '', '(micros)', '(micros)', '(bytes)', '']));
    const [sstables, write, read, size, cells] = ['sstablesPerRead', 'writeLatency', 'readLatency', 'partitionSize', 'cellCount'].map((key) => seven(table[key]));
    percentileNames.forEach((name, i) => {
      lines.push(`${name.padEnd(10)}${fixed(sstables?.[i] ?? Number.NaN, { width: 10, decimals: 2 })}${fixed(write?.[i] ?? Number.NaN, { width: 18, decimals: 2 })}${fixed(read?.[i] ?? Number.NaN, { width: 18, decimals: 2 })}`
        + `${fixed(size?.[i] ?? Number.NaN, { width: 18, decimals: 0 })}${fixed(cells?.[i] ?? Number.NaN, { width: 18, decimals: 0 })}`);
    });
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
