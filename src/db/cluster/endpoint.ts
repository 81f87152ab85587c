// An endpoint is a node's internode address as text, "host:port" ("[v6]:port" for IPv6), the
// way Cassandra 4 names peers by InetAddressAndPort. Text keeps maps and logs simple; parse it
// only where a socket needs the parts.

import { assert, fail } from '../common/assert.js';
import { endpointTextLengthMax } from '../common/limits.js';

export type Endpoint = string;

export interface EndpointAddress {
  host: string;
  port: number;
}

export function formatEndpoint(host: string, port: number): Endpoint {
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) fail(`bad port ${port}`);
  const text = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  assert(text.length <= endpointTextLengthMax, 'endpoint text too long');
  return text;
}

/** Parses "host:port" or "[v6]:port"; undefined for anything else (bad input from the wire). */
export function parseEndpoint(text: string): EndpointAddress | undefined {
  if (text.length === 0 || text.length > endpointTextLengthMax) return undefined;
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(text);
  if (match === null) return undefined;
  const host = match[1] ?? match[2] ?? '';
  const port = Number(match[3]);
  if (host === '' || port > 65535) return undefined;
  return { host, port };
}
