// `aero nodetool status` and `aero nodetool ring` output, laid out as Cassandra's nodetool lays
// it out (operators and scripts read these columns). Pure: a NodeStatusReport in, text out.
// Owns is the share of the token ring each node's tokens cover (raw ownership; replication is
// not known from /status), '?' while any node's tokens are unknown.

import type { NodeStatusReport, RingEndpoint } from './node-status.js';

const ringSize = 1n << 64n;
const tokenMax = (1n << 63n) - 1n;

/** Sizes as nodetool prints them: "512 bytes", "47.66 KiB", "1.5 GiB". */
export function formatLoad(bytes: number | null): string {
  if (bytes === null) return '?';
  const units = [['TiB', 2 ** 40], ['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const;
  for (const [unit, size] of units) {
    if (bytes >= size) return `${twoDecimals(bytes / size)} ${unit}`;
  }
  return `${twoDecimals(bytes)} bytes`;
}

/** At most two decimals, no trailing zeros (Java's DecimalFormat "#.##"). */
function twoDecimals(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** Every endpoint the report knows, the answering node included, ordered by address. */
export function ringEndpoints(report: NodeStatusReport): RingEndpoint[] {
  return [report.local, ...(report.peers ?? [])].sort((a, b) => compareAddresses(a.address, b.address));
}

/** IPv4 addresses in numeric order (127.0.0.10 after 127.0.0.9); others as text. */
export function compareAddresses(a: string, b: string): number {
  const key = (address: string) => {
    const parts = address.split('.');
    if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return null;
    return parts.reduce((sum, part) => sum * 256 + Number(part), 0);
  };
  const ka = key(a);
  const kb = key(b);
  if (ka !== null && kb !== null) return ka - kb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The fraction of the ring each address owns: token t owns (previous token, t], the first
 * token wraps around from the last. Null when some endpoint's tokens are unknown.
 */
export function tokenOwnership(endpoints: readonly RingEndpoint[]): Map<string, number> | null {
  // The node's own figures, when it gives them for everyone, are the ring it actually uses.
  if (endpoints.length > 0 && endpoints.every((endpoint) => endpoint.owns !== null)) {
    return new Map(endpoints.map((endpoint) => [endpoint.address, endpoint.owns ?? 0]));
  }
  const owned: Array<{ token: bigint; address: string }> = [];
  for (const endpoint of endpoints) {
    if (endpoint.tokens === null) return null;
    for (const token of endpoint.tokens) owned.push({ token: BigInt(token), address: endpoint.address });
  }
  if (owned.length === 0) return null;
  owned.sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
  const shares = new Map<string, bigint>(endpoints.map((endpoint) => [endpoint.address, 0n]));
  owned.forEach(({ token, address }, index) => {
    const previous = owned[(index - 1 + owned.length) % owned.length]?.token ?? token;
    // A single token owns the whole ring; otherwise the gap, modulo the ring's size.
    const size = owned.length === 1 ? ringSize : (((token - previous) % ringSize) + ringSize) % ringSize;
    shares.set(address, (shares.get(address) ?? 0n) + size);
  });
  const precision = 1_000_000n;
  return new Map([...shares].map(([address, share]) => [address, Number((share * precision) / ringSize) / Number(precision)]));
}

function percent(fraction: number | undefined, decimals: number): string {
  return fraction === undefined ? '?' : `${(fraction * 100).toFixed(decimals)}%`;
}

function byDataCenter(endpoints: readonly RingEndpoint[]): Map<string, RingEndpoint[]> {
  const groups = new Map<string, RingEndpoint[]>();
  for (const endpoint of endpoints) groups.set(endpoint.dataCenter, [...(groups.get(endpoint.dataCenter) ?? []), endpoint]);
  return new Map([...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const statusCode = { UP: 'U', DOWN: 'D', UNKNOWN: '?' } as const;
const stateCode = { NORMAL: 'N', JOINING: 'J', LEAVING: 'L', MOVING: 'M' } as const;
const stateWord = { NORMAL: 'Normal', JOINING: 'Joining', LEAVING: 'Leaving', MOVING: 'Moving' } as const;
const statusWord = { UP: 'Up', DOWN: 'Down', UNKNOWN: '?' } as const;

/**
 * `nodetool status [keyspace]`: one block per datacenter, one line per node with its UN/DN code.
 * As Cassandra 4.0's Status.java: the rows of every datacenter form one TableBuilder table
 * (columns as wide as their widest cell in any datacenter, two spaces apart, the last padded too).
 */
export function formatNodetoolStatus(report: NodeStatusReport, options: { keyspace?: string; printPort?: boolean } = {}): string {
  const endpoints = ringEndpoints(report);
  const printPort = options.printPort === true;
  const ownership = tokenOwnership(endpoints);
  // Effective ownership (replicas counted) only when the node computed it for the asked keyspace.
  const effective = options.keyspace !== undefined && report.ownershipKeyspace === options.keyspace && ownership !== null;
  const blocks = [...byDataCenter(endpoints)].map(([dataCenter, members]) => ({
    dataCenter,
    rows: [
      ['--', 'Address', 'Load', 'Tokens', effective ? 'Owns (effective)' : 'Owns', 'Host ID', 'Rack'],
      ...members.map((endpoint) => [
        `${statusCode[endpoint.status]}${stateCode[endpoint.state]}`, endpointAddress(endpoint, printPort), formatLoad(endpoint.loadBytes),
        endpoint.tokens === null ? '?' : String(endpoint.tokens.length), percent(ownership?.get(endpoint.address), 1), endpoint.hostId ?? '?', endpoint.rack,
      ]),
    ],
  }));
  const widths = columnWidths(blocks.flatMap((block) => block.rows));
  const lines: string[] = [];
  for (const { dataCenter, rows } of blocks) {
    // A blank line between datacenters, none after the last.
    if (lines.length > 0) lines.push('');
    const header = `Datacenter: ${dataCenter}`;
    lines.push(header, '='.repeat(header.length), 'Status=Up/Down', '|/ State=Normal/Leaving/Joining/Moving');
    for (const row of rows) lines.push(widths.map((width, index) => (row[index] ?? '').padEnd(width)).join('  '));
  }
  const keyspaceNote = options.keyspace !== undefined && !effective
    ? [`the node does not report effective ownership for keyspace ${options.keyspace}: Owns is the share of the token ring`]
    : [];
  return `${lines.join('\n')}\n${notes(report, [...keyspaceNote, ...portNote(endpoints, printPort)])}`;
}

/**
 * An address as nodetool prints it: under -pp (--print-port) with the storage port, as Cassandra
 * 4.0's HostStatWithPort does (host:port, an IPv6 address bracketed); the address alone otherwise.
 */
export function endpointAddress(endpoint: RingEndpoint, printPort: boolean): string {
  if (!printPort || endpoint.storagePort === null) return endpoint.address;
  return endpoint.address.includes(':') ? `[${endpoint.address}]:${endpoint.storagePort}` : `${endpoint.address}:${endpoint.storagePort}`;
}

/** Under -pp, the nodes whose port is unknown (an older node's status) are named rather than shown as if complete. */
function portNote(endpoints: readonly RingEndpoint[], printPort: boolean): string[] {
  const unknown = printPort ? endpoints.filter((endpoint) => endpoint.storagePort === null).map((endpoint) => endpoint.address) : [];
  return unknown.length === 0 ? [] : [`the storage port of ${unknown.join(', ')} is not reported: shown without it`];
}

/** Each column's width: its widest cell. */
function columnWidths(rows: ReadonlyArray<readonly string[]>): number[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, index) => { widths[index] = Math.max(widths[index] ?? 0, cell.length); });
  return widths;
}

function notes(report: NodeStatusReport, extra: readonly string[] = []): string {
  const missing: string[] = [];
  if (report.peers === null) missing.push('this node does not gossip yet: only itself is shown');
  if (ringEndpoints(report).some((endpoint) => endpoint.tokens === null && endpoint.owns === null)) missing.push('tokens are not reported by every node: ownership is unknown');
  missing.push(...extra);
  return missing.length === 0 ? '' : `\n${missing.map((note) => `Note: ${note}`).join('\n')}\n`;
}

/**
 * `nodetool ring`: every token of every node, in ring order, per datacenter. The address column
 * is as wide as the longest address printed, so under -pp (host:port) it widens, as in 4.0.
 */
export function formatNodetoolRing(report: NodeStatusReport, options: { printPort?: boolean } = {}): string {
  const endpoints = ringEndpoints(report);
  const ownership = tokenOwnership(endpoints);
  const printPort = options.printPort === true;
  const addressWidth = Math.max(...endpoints.map((endpoint) => endpointAddress(endpoint, printPort).length), 'Address'.length);
  const line = (cells: readonly [string, string, string, string, string, string, string]) => {
    const [address, rack, status, state, load, owns, token] = cells;
    return `${address.padEnd(addressWidth)}  ${rack.padEnd(12)}${status.padEnd(7)}${state.padEnd(8)}${load.padEnd(16)}${owns.padEnd(20)}${token.padEnd(44)}`;
  };
  const lines: string[] = [''];
  for (const [dataCenter, members] of byDataCenter(endpoints)) {
    const tokens = members
      .flatMap((endpoint) => (endpoint.tokens ?? ['?']).map((token) => ({ endpoint, token })))
      .sort((a, b) => compareTokens(a.token, b.token));
    lines.push(`Datacenter: ${dataCenter}`, '==========');
    lines.push(line(['Address', 'Rack', 'Status', 'State', 'Load', 'Owns', 'Token']));
    // nodetool first prints the last token alone: the ring wraps from it to the first line.
    const last = tokens[tokens.length - 1];
    lines.push(members.length > 1 && last !== undefined ? line(['', '', '', '', '', '', last.token]) : '');
    for (const { endpoint, token } of tokens) {
      const owns = percent(ownership?.get(endpoint.address), 2);
      lines.push(line([endpointAddress(endpoint, printPort), endpoint.rack, statusWord[endpoint.status], stateWord[endpoint.state], formatLoad(endpoint.loadBytes), owns, token]));
    }
    lines.push('');
  }
  if (endpoints.some((endpoint) => (endpoint.tokens?.length ?? 0) > 1)) {
    lines.push('  Warning: "nodetool ring" is used to output all the tokens of a node.', '  To view status related info of a node use "nodetool status" instead.', '');
  }
  return `${lines.join('\n')}\n${notes(report, portNote(endpoints, printPort))}`;
}

/** Tokens in ring order; an unknown token ('?') sorts last. */
function compareTokens(a: string, b: string): number {
  const value = (token: string) => (token === '?' ? tokenMax + 1n : BigInt(token));
  const va = value(a);
  const vb = value(b);
  return va < vb ? -1 : va > vb ? 1 : 0;
}
