// The admin channel's wire: HTTP/1.1 requests and responses over a world Connection, so that
// the channel runs on the injected Network (real TCP, or the harness's simulated sockets)
// and `aero nodetool`, curl and fetch keep talking to it unchanged. Only what the channel
// needs: a request head (bounded), an optional body of Content-Length bytes (bounded, and
// never chunked), one response per connection, closed after it ("Connection: close").

import { adminRequestBodyBytesMax, adminRequestHeadBytesMax } from '../common/limits.js';

export interface AdminHttpRequest {
  method: string;
  /** The request target as sent (path and query). */
  target: string;
  /** Header names in lower case. */
  headers: Map<string, string>;
  body: Buffer;
}

/** A request that cannot be served, with the status that says why. */
export interface AdminHttpRefusal {
  status: 400 | 413 | 431 | 501;
  error: string;
}

export type AdminHttpParse = { kind: 'more' } | { kind: 'request'; request: AdminHttpRequest } | { kind: 'refused'; refusal: AdminHttpRefusal };

const headEnd = Buffer.from('\r\n\r\n');
const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses the bytes received so far: a whole request, a refusal, or a need for more bytes. */
export function parseAdminRequest(received: Buffer): AdminHttpParse {
  const end = received.indexOf(headEnd);
  if (end < 0) {
    return received.length > adminRequestHeadBytesMax ? refused(431, `request head larger than ${adminRequestHeadBytesMax} bytes`) : { kind: 'more' };
  }
  if (end > adminRequestHeadBytesMax) return refused(431, `request head larger than ${adminRequestHeadBytesMax} bytes`);
  const lines = received.subarray(0, end).toString('latin1').split('\r\n');
  const [method, target, version, extra] = (lines[0] ?? '').split(' ');
  if (method === undefined || !token.test(method) || target === undefined || !target.startsWith('/') || extra !== undefined || !/^HTTP\/1\.[01]$/.test(version ?? '')) {
    return refused(400, 'malformed request line');
  }
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    if (colon <= 0 || !token.test(name)) return refused(400, 'malformed header');
    headers.set(name.toLowerCase(), line.slice(colon + 1).trim());
  }
  if (headers.has('transfer-encoding')) return refused(501, 'chunked request bodies are not accepted');
  const declared = headers.get('content-length') ?? '0';
  if (!/^\d{1,10}$/.test(declared)) return refused(400, 'bad content-length');
  const bodyBytes = Number(declared);
  if (bodyBytes > adminRequestBodyBytesMax) return refused(413, `request body larger than ${adminRequestBodyBytesMax} bytes`);
  const bodyStart = end + headEnd.length;
  if (received.length < bodyStart + bodyBytes) return { kind: 'more' };
  return { kind: 'request', request: { method, target, headers, body: received.subarray(bodyStart, bodyStart + bodyBytes) } };
}

function refused(status: AdminHttpRefusal['status'], error: string): AdminHttpParse {
  return { kind: 'refused', refusal: { status, error } };
}

const reasons: Record<number, string> = {
  200: 'OK', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout', 409: 'Conflict',
  413: 'Payload Too Large', 431: 'Request Header Fields Too Large', 500: 'Internal Server Error', 501: 'Not Implemented', 503: 'Service Unavailable',
};

/** A whole response, JSON unless given as text with its content type; the connection closes after it. */
export function encodeAdminResponse(status: number, body: unknown, text?: { contentType: string; text: string }): Buffer {
  const content = text?.text ?? `${JSON.stringify(body)}\n`;
  const head = [
    `HTTP/1.1 ${status} ${reasons[status] ?? 'Unknown'}`,
    `content-type: ${text?.contentType ?? 'application/json'}`,
    `content-length: ${Buffer.byteLength(content)}`,
    'connection: close',
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(content, 'utf8')]);
}
