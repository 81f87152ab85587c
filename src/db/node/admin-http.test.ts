import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminRequestBodyBytesMax, adminRequestHeadBytesMax } from '../common/limits.js';
import { encodeAdminResponse, parseAdminRequest } from './admin-http.js';

// What curl sends for `curl -X POST 'http://127.0.0.1:7199/flush?keyspace=ks'`, written out by hand.
const curlRequest = Buffer.from('POST /flush?keyspace=ks HTTP/1.1\r\nHost: 127.0.0.1:7199\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n', 'latin1');

test('a request parses whole, and at every split point asks for more first', () => {
  for (let split = 0; split < curlRequest.length; split++) {
    assert.deepEqual(parseAdminRequest(curlRequest.subarray(0, split)), { kind: 'more' }, `split at ${split}`);
  }
  const parsed = parseAdminRequest(curlRequest);
  assert.equal(parsed.kind, 'request');
  if (parsed.kind !== 'request') return;
  assert.equal(parsed.request.method, 'POST');
  assert.equal(parsed.request.target, '/flush?keyspace=ks');
  assert.equal(parsed.request.headers.get('user-agent'), 'curl/8.5.0');
  assert.equal(parsed.request.body.length, 0);
});

test('a body of Content-Length bytes is waited for', () => {
  const request = Buffer.from('POST /flush HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc', 'latin1');
  assert.deepEqual(parseAdminRequest(request.subarray(0, request.length - 1)), { kind: 'more' });
  const parsed = parseAdminRequest(request);
  assert.equal(parsed.kind === 'request' ? parsed.request.body.toString() : parsed.kind, 'abc');
});

test('malformed, oversized and chunked requests are refused with their status', () => {
  const status = (text: string | Buffer) => {
    const parsed = parseAdminRequest(typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
    return parsed.kind === 'refused' ? parsed.refusal.status : parsed.kind;
  };
  assert.equal(status('GET /status HTTP/2.0\r\n\r\n'), 400);
  assert.equal(status('GET status HTTP/1.1\r\n\r\n'), 400);
  assert.equal(status('GET /status HTTP/1.1 extra\r\n\r\n'), 400);
  assert.equal(status('GET /status HTTP/1.1\r\nno colon here\r\n\r\n'), 400);
  assert.equal(status('POST /flush HTTP/1.1\r\nContent-Length: -1\r\n\r\n'), 400);
  assert.equal(status(`POST /flush HTTP/1.1\r\nContent-Length: ${adminRequestBodyBytesMax + 1}\r\n\r\n`), 413);
  assert.equal(status('POST /flush HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n'), 501);
  assert.equal(status(Buffer.alloc(adminRequestHeadBytesMax + 1, 'a')), 431);
  assert.equal(status(`GET /status HTTP/1.1\r\nX: ${'a'.repeat(adminRequestHeadBytesMax)}\r\n\r\n`), 431);
});

test('a response carries its JSON with its length and closes the connection', () => {
  const text = encodeAdminResponse(404, { error: 'ñ' }).toString('utf8');
  const body = '{"error":"ñ"}\n';
  assert.equal(text, `HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
});
