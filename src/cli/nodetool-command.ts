// `aero nodetool`: operations on a running node through its local admin channel
// (src/db/node/admin.ts), the way Cassandra's nodetool talks JMX on port 7199.

import type { Command } from 'commander';
import { formatNodetoolRing, formatNodetoolStatus } from './cluster/nodetool-format.js';
import { formatCompactionStats, formatDescribeCluster, formatGossipInfo, formatInfo, formatLoggingLevel, formatTableStats, parseTableFilter } from './cluster/nodetool-reports.js';
import { formatProxyHistograms, formatTableHistograms, formatTpStats } from './cluster/nodetool-stats-format.js';
import { fetchNodeStatus, NodeStatusShapeError, type NodeStatusReport } from './cluster/node-status.js';
import type { CommandContext } from './console.js';

interface NodetoolOptions {
  host: string;
  port: string;
  printPort?: boolean;
}

/**
 * Cassandra's nodetool takes `-pp` (--print-port), a short flag of two letters, which commander
 * reads as `-p -p`. Before commander parses, each `-pp` after `nodetool` (and before a `--`,
 * after which arguments are operands) becomes `--print-port`; nothing else changes.
 */
export function nodetoolArgv(argv: readonly string[]): string[] {
  const start = argv.indexOf('nodetool');
  if (start < 0) return [...argv];
  const end = argv.indexOf('--', start);
  return argv.map((arg, index) => (index > start && (end < 0 || index < end) && arg === '-pp' ? '--print-port' : arg));
}

/** The commands whose endpoints -pp (--print-port) shows with their ports. */
const printsPorts: ReadonlySet<string> = new Set(['describecluster', 'gossipinfo', 'status', 'ring']);

/** Flushes and compactions of big tables take a while; status is quick. */
const operationTimeoutMs = 10 * 60 * 1000;
const statusTimeoutMs = 10_000;

const descriptions = {
  flush: 'flush the memtables of all tables, a keyspace, or some of its tables',
  compact: 'compact the memtables and sstables of all tables, a keyspace, or some of its tables',
  repair: 'anti-entropy repair of every range this node replicates (Merkle trees compared with the other replicas, differences streamed) for all keyspaces, a keyspace, or some of its tables',
};

export function registerNodetoolCommand(program: Command, context: CommandContext): void {
  const nodetool = program
    .command('nodetool')
    .description('operate a running node through its admin channel')
    .option('--host <host>', 'the node\'s listen address', '127.0.0.1')
    .option('--port <port>', 'the node\'s admin_port', '7199')
    .option('--print-port', 'show endpoints with their storage ports in status, ring, describecluster and gossipinfo (Cassandra\'s -pp, accepted as -pp too)')
    .hook('preAction', (_nodetool, action) => {
      // Given before a command that does not print ports, it would be ignored silently: refuse it instead.
      if (nodetool.opts<NodetoolOptions>().printPort === true && !printsPorts.has(action.name())) {
        action.error(`error: -pp (--print-port) applies to ${[...printsPorts].join(', ')} only, not to ${action.name()}`);
      }
    });
  for (const operation of ['flush', 'compact', 'repair'] as const) {
    nodetool
      .command(`${operation} [keyspace] [tables...]`)
      .description(descriptions[operation])
      .action(async (keyspace: string | undefined, tables: string[]) => {
        const targets = tables.length === 0 ? [targetQuery(keyspace)] : tables.map((table) => targetQuery(keyspace, table));
        let code = 0;
        for (const query of targets) {
          code = Math.max(code, await call(nodetool.opts<NodetoolOptions>(), { method: 'POST', path: `/${operation}${query}` }, context));
        }
        context.setExitCode(code);
      });
  }
  nodetool
    .command('cleanup [keyspace] [tables...]')
    .description('drop the data of token ranges this node no longer replicates (after nodes joined), for all keyspaces, a keyspace, or some of its tables')
    .action(async (keyspace: string | undefined, tables: string[]) => {
      const targets = tables.length === 0 ? [targetQuery(keyspace)] : tables.map((table) => targetQuery(keyspace, table));
      let code = 0;
      for (const query of targets) code = Math.max(code, await call(nodetool.opts<NodetoolOptions>(), { method: 'POST', path: `/cleanup${query}` }, context));
      context.setExitCode(code);
    });
  nodetool
    .command('decommission')
    .description('stream this node\'s data to the nodes that take over its ranges, leave the ring, and stop the node')
    .action(async () => {
      context.setExitCode(await call(nodetool.opts<NodetoolOptions>(), { method: 'POST', path: '/decommission' }, context));
    });
  nodetool
    .command('removenode <host-id|status>')
    .description('for a dead node: copy its ranges from the surviving replicas to the nodes that take them over, then remove it from the ring; `removenode status` shows the removal this node runs')
    .action(async (hostId: string) => {
      if (hostId === 'status') {
        const format = (body: unknown) => `${String((body as { status?: unknown }).status)}\n`;
        context.setExitCode(await call(nodetool.opts<NodetoolOptions>(), { method: 'GET', path: '/removenode/status', format }, context));
        return;
      }
      context.setExitCode(await call(nodetool.opts<NodetoolOptions>(), { method: 'POST', path: `/removenode?${new URLSearchParams({ hostId }).toString()}` }, context));
    });
  nodetool
    .command('netstats')
    .description('show the node\'s mode (JOINING, NORMAL, LEAVING, DECOMMISSIONED) and its streams with their progress')
    .option('--json', 'print the node\'s /netstats JSON as it came')
    .action(async (flags: { json?: boolean }) => {
      context.setExitCode(await call(nodetool.opts<NodetoolOptions>(), { method: 'GET', path: '/netstats', format: flags.json === true ? undefined : formatNetstats }, context));
    });
  nodetool
    .command('info')
    .description('show this node\'s id, load, generation, uptime, datacenter, rack and tokens, as Cassandra\'s nodetool info does')
    .option('-T, --tokens', 'list every token of the node')
    .action(async (flags: { tokens?: boolean }) => {
      context.setExitCode(await call(nodetool.opts<NodetoolOptions>(), { method: 'GET', path: '/info', format: (body) => formatInfo(body, { tokens: flags.tokens === true }) }, context));
    });
  const reports = [
    ['tpstats', 'show the work of each stage (active, pending, completed) and the internode messages dropped by verb', formatTpStats],
    ['proxyhistograms', 'show the latency percentiles of the client requests this node coordinated (read, write, range, CAS)', formatProxyHistograms],
  ] as const;
  for (const [name, description, format] of reports) {
    nodetool
      .command(name)
      .description(description)
      .action(async () => {
        context.setExitCode(await call(nodetool.opts<NodetoolOptions>(), { method: 'GET', path: `/${name}`, format }, context));
      });
  }
  const withPorts = [
    ['describecluster', 'show the cluster\'s name, snitch, partitioner, schema versions, node counts, datacenters and keyspaces', formatDescribeCluster],
    ['gossipinfo', 'show what gossip knows of each node: generation, heartbeat and versioned states', formatGossipInfo],
  ] as const;
  for (const [name, description, format] of withPorts) {
    nodetool
      .command(name)
      .description(description)
      .option('--print-port', 'show endpoints with their ports (Cassandra\'s -pp, accepted as -pp too)')
      .action(async (flags: { printPort?: boolean }) => {
        const options = nodetool.opts<NodetoolOptions>();
        const printPort = flags.printPort === true || options.printPort === true;
        context.setExitCode(await call(options, { method: 'GET', path: `/${name}`, format: (body) => format(body, { printPort }) }, context));
      });
  }
  nodetool
    .command('compactionstats')
    .description('show pending compactions by table and the compactions running now with their progress')
    .option('-H, --human-readable', 'show bytes as KiB, MiB, GiB, TiB')
    .action(async (flags: { humanReadable?: boolean }) => {
      const format = (body: unknown) => formatCompactionStats(body, { humanReadable: flags.humanReadable === true });
      context.setExitCode(await call(nodetool.opts<NodetoolOptions>(), { method: 'GET', path: '/compactionstats', format }, context));
    });
  nodetool
    .command('tablehistograms [names...]')
    .description('show the percentiles of sstables per read, local read and write latency, partition size and cell count of a table (<keyspace> <table> or <keyspace.table>; all tables without one)')
    .action(async (names: string[]) => {
      const parts = names.length === 1 ? (names[0] ?? '').split('.') : names;
      if (parts.length !== 0 && (parts.length !== 2 || parts.some((part) => part === ''))) {
        context.io.err('aero nodetool tablehistograms: tablehistograms requires keyspace and table name arguments\n');
        context.setExitCode(1);
        return;
      }
      const [keyspace, table] = parts;
      context.setExitCode(await call(nodetool.opts<NodetoolOptions>(), { method: 'GET', path: `/tablehistograms${targetQuery(keyspace, table)}`, format: formatTableHistograms }, context));
    });
  nodetool
    .command('getendpoints <keyspace> <table> <key>')
    .description('show the nodes that replicate a partition key (components of a composite key separated by \':\')')
    .action(async (...args: string[]) => {
      const [keyspace = '', table = '', key = ''] = args;
      const query = new URLSearchParams({ keyspace, table, key }).toString();
      const format = (body: unknown) => `${(Array.isArray((body as { endpoints?: unknown }).endpoints) ? ((body as { endpoints: unknown[] }).endpoints) : []).map(String).join('\n')}\n`;
      context.setExitCode(await call(nodetool.opts<NodetoolOptions>(), { method: 'GET', path: `/getendpoints?${query}`, format }, context));
    });
  for (const [name, description] of [
    ['enableauditlog', 'start writing the audit log (audit_logging_options, with its configured filters)'],
    ['disableauditlog', 'stop writing the audit log (what is buffered is written first)'],
  ] as const) {
    nodetool
      .command(name)
      .description(description)
      .action(async () => {
        context.setExitCode(await call(nodetool.opts<NodetoolOptions>(), { method: 'POST', path: `/${name}` }, context));
      });
  }
  nodetool
    .command('drain')
    .description('stop accepting clients, stop gossip and replica messages, and flush every memtable (before an upgrade or a stop)')
    .action(async () => {
      context.setExitCode(await call(nodetool.opts<NodetoolOptions>(), { method: 'POST', path: '/drain' }, context));
    });
  nodetool
    .command('getlogginglevel')
    .description('show the node\'s log level')
    .action(async () => {
      context.setExitCode(await call(nodetool.opts<NodetoolOptions>(), { method: 'GET', path: '/logginglevel', format: formatLoggingLevel }, context));
    });
  nodetool
    .command('setlogginglevel <levelOrLogger> [level]')
    .description('change the node\'s log level at runtime: DEBUG, INFO, WARN or ERROR (as Cassandra, the logger may be named first; only ROOT exists)')
    .action(async (first: string, second: string | undefined) => {
      const loggerName = second === undefined ? 'ROOT' : first;
      const level = second ?? first;
      if (loggerName.toUpperCase() !== 'ROOT') {
        context.io.err(`aero nodetool setlogginglevel: the node has one logger, ROOT; got '${loggerName.slice(0, 60)}'\n`);
        context.setExitCode(1);
        return;
      }
      if (!/^(debug|info|warn|error)$/i.test(level)) {
        context.io.err(`aero nodetool setlogginglevel: expected DEBUG, INFO, WARN or ERROR, got '${level.slice(0, 40)}'\n`);
        context.setExitCode(1);
        return;
      }
      context.setExitCode(await call(nodetool.opts<NodetoolOptions>(), { method: 'POST', path: `/logginglevel?${new URLSearchParams({ level: level.toLowerCase() }).toString()}` }, context));
    });
  nodetool
    .command('tablestats [tables...]')
    .description('show each table\'s sstables, space used, memtable, local read and write counts and latencies, bloom filter and partition sizes (all tables, or keyspaces and keyspace.table names)')
    .option('-H, --human-readable', 'show bytes as KiB, MiB, GiB, TiB')
    .action(async (names: string[], flags: { humanReadable?: boolean }) => {
      const filter = parseTableFilter(names);
      if (typeof filter === 'string') {
        context.io.err(`aero nodetool tablestats: ${filter}\n`);
        context.setExitCode(1);
        return;
      }
      let failure: string | undefined;
      const format = (body: unknown) => {
        const result = formatTableStats(body, filter, { humanReadable: flags.humanReadable === true });
        if (typeof result === 'string') return result;
        failure = result.error;
        return '';
      };
      const code = await call(nodetool.opts<NodetoolOptions>(), { method: 'GET', path: '/tablestats', format }, context);
      if (failure !== undefined) context.io.err(`aero nodetool tablestats: ${failure}\n`);
      context.setExitCode(failure === undefined ? code : 1);
    });
  nodetool
    .command('status [keyspace]')
    .description('show the state, load, tokens and ownership of each node, as Cassandra\'s nodetool status does')
    .option('--json', 'print the node\'s /status JSON as it came')
    .option('--print-port', 'show addresses with their storage ports (Cassandra\'s -pp, accepted as -pp too)')
    .action(async (keyspace: string | undefined, flags: { json?: boolean; printPort?: boolean }) => {
      const options = nodetool.opts<NodetoolOptions>();
      const target = keyspace === undefined ? {} : { keyspace };
      const printPort = flags.printPort === true || options.printPort === true;
      if (flags.json === true) context.setExitCode(await call(options, { method: 'GET', path: `/status${targetQuery(keyspace)}` }, context));
      else context.setExitCode(await showRing(options, { ...target, format: (report) => formatNodetoolStatus(report, { ...target, printPort }) }, context));
    });
  nodetool
    .command('ring')
    .description('show every token of every node in ring order, as Cassandra\'s nodetool ring does')
    .option('--print-port', 'show addresses with their storage ports (Cassandra\'s -pp, accepted as -pp too)')
    .action(async (flags: { printPort?: boolean }) => {
      const printPort = flags.printPort === true || nodetool.opts<NodetoolOptions>().printPort === true;
      context.setExitCode(await showRing(nodetool.opts<NodetoolOptions>(), { format: (report) => formatNodetoolRing(report, { printPort }) }, context));
    });
}

interface ShowOptions {
  keyspace?: string;
  format: (report: NodeStatusReport) => string;
}

/** Fetches /status and prints it through format; a body that is no node status is shown raw. */
async function showRing(options: NodetoolOptions, show: ShowOptions, context: CommandContext): Promise<number> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    context.io.err(`aero nodetool: --port expects a port number, got '${options.port}'\n`);
    return 1;
  }
  let report: NodeStatusReport;
  try {
    report = await fetchNodeStatus(options.host, port, { timeoutMs: statusTimeoutMs, ...(show.keyspace === undefined ? {} : { keyspace: show.keyspace }) });
  } catch (error) {
    if (error instanceof NodeStatusShapeError) {
      // Not the shape this CLI knows (an older or newer node): show what it said rather than nothing.
      context.io.err(`aero nodetool: ${error.message}; showing the raw status\n`);
      return call(options, { method: 'GET', path: '/status' }, context);
    }
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
    context.io.err(`aero nodetool: cannot reach the node at ${options.host}:${options.port} (${cause})\n`);
    return 1;
  }
  context.io.out(show.format(report));
  return 0;
}

function targetQuery(keyspace?: string, table?: string): string {
  const params = new URLSearchParams();
  if (keyspace !== undefined) params.set('keyspace', keyspace);
  if (table !== undefined) params.set('table', table);
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

async function call(options: NodetoolOptions, request: { method: string; path: string; format?: ((body: unknown) => string) | undefined }, context: CommandContext): Promise<number> {
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${options.port}${request.path}`;
  let response: Response;
  try {
    response = await fetch(url, { method: request.method, signal: AbortSignal.timeout(operationTimeoutMs) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    context.io.err(`aero nodetool: cannot reach the node at ${options.host}:${options.port} (${cause})\n`);
    return 1;
  }
  const body = await response.text();
  if (!response.ok) {
    context.io.err(`aero nodetool: ${request.method} ${request.path} failed (${response.status}): ${errorText(body)}\n`);
    return 1;
  }
  if (request.format !== undefined) {
    context.io.out(formatOr(body, request.format));
    return 0;
  }
  // The summaries of repair, cleanup, decommission and removenode (what moved) are shown as well.
  if (request.method === 'GET' || /^\/(repair|cleanup|decommission|removenode)/.test(request.path)) context.io.out(`${formatJson(body)}\n`);
  return 0;
}

function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed.error === 'string' ? parsed.error : body.trim();
  } catch (error) {
    // Not our JSON (another service on that port): show what came back.
    return error instanceof SyntaxError ? body.trim().slice(0, 200) : String(error);
  }
}

function formatJson(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch (error) {
    return error instanceof SyntaxError ? body.trim() : String(error);
  }
}

function formatOr(body: string, format: (body: unknown) => string): string {
  try {
    return format(JSON.parse(body));
  } catch (error) {
    return `${error instanceof SyntaxError ? body.trim() : String(error)}\n`;
  }
}

/** nodetool netstats as text: the mode, totals, then one line per stream session. */
export function formatNetstats(body: unknown): string {
  const report = body as { mode?: unknown; throughputBytesPerSecond?: unknown; totals?: Record<string, unknown>; sessions?: unknown };
  const lines = [`Mode: ${String(report.mode ?? '?')}`];
  const rate = Number(report.throughputBytesPerSecond ?? 0);
  lines.push(`Stream throughput outbound: ${rate > 0 ? `${(rate / 1048576).toFixed(1)} MiB/s` : 'unthrottled'}`);
  const totals = report.totals ?? {};
  lines.push(`Sent ${String(totals['partitionsSent'] ?? 0)} partitions (${String(totals['bytesSent'] ?? 0)} bytes), received ${String(totals['partitionsReceived'] ?? 0)} partitions (${String(totals['bytesReceived'] ?? 0)} bytes)`);
  const sessions = Array.isArray(report.sessions) ? (report.sessions as Array<Record<string, unknown>>) : [];
  if (sessions.length === 0) lines.push('Not sending any streams.');
  for (const session of sessions) {
    const direction = session['direction'] === 'in' ? 'from' : 'to';
    lines.push(`  ${String(session['operation'])} ${String(session['state'])} ${direction} ${String(session['peer'])} ${String(session['keyspace'])}.${String(session['table'])}: `
      + `${String(session['ranges'])} ranges, ${String(session['partitions'])} partitions, ${String(session['bytes'])} bytes, ${String(session['elapsedMs'])} ms`
      + (typeof session['error'] === 'string' ? ` (${session['error']})` : ''));
  }
  return `${lines.join('\n')}\n`;
}
