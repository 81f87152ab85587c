import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CorruptionError, InternodeError } from '../../common/errors.js';
import { silentLogger, type Logger } from '../../common/world.js';
import { SimulatedClock, settle } from '../../../../test/harness/simulated-clock.js';
import { encodeFrame } from './frame.js';
import { DirectLinks, type InMemoryTransport } from './in-memory-transport.js';
import { decodeFailure, encodeFailure, MessagingService, RequestFailure, RequestFailureReason } from './messaging-service.js';

async function pair(logger: Logger = silentLogger) {
  const clock = new SimulatedClock();
  const links = new DirectLinks();
  const transports = { a: links.transportFor('10.0.0.1:7000'), b: links.transportFor('10.0.0.2:7000') };
  const a = new MessagingService({ transport: transports.a, clock, logger });
  const b = new MessagingService({ transport: transports.b, clock, logger });
  await a.start();
  await b.start();
  return { clock, a, b, transports };
}

function rejection(promise: Promise<unknown>): Promise<InternodeError> {
  return promise.then(
    () => assert.fail('expected a rejection'),
    (error: unknown) => {
      assert.ok(error instanceof InternodeError, String(error));
      return error;
    },
  );
}

test('a request gets its handler\'s response', async () => {
  const { a, b } = await pair();
  b.registerHandler('ECHO', (message) => Buffer.from(`echo from ${message.from}`));
  const response = await a.sendRequest('10.0.0.2:7000', 'ECHO', Buffer.alloc(0));
  assert.equal(response.verb, 'ECHO_RSP');
  assert.equal(response.from, '10.0.0.2:7000');
  assert.equal(response.payload.toString(), 'echo from 10.0.0.1:7000');
  assert.equal(a.pendingRequests(), 0);
});

test('async handlers and concurrent requests are matched by id', async () => {
  const { a, b, clock } = await pair();
  b.registerHandler('READ', async (message) => {
    await clock.sleep(message.payload.readUInt8(0) * 10);
    return message.payload;
  });
  const requests = [5, 1, 3].map((n) => a.sendRequest('10.0.0.2:7000', 'READ', Buffer.from([n])));
  await clock.advance(100);
  const responses = await Promise.all(requests);
  assert.deepEqual(responses.map((r) => r.payload.readUInt8(0)), [5, 1, 3]);
});

test('one-way messages reach their handler', async () => {
  const { a, b } = await pair();
  const seen: string[] = [];
  b.registerHandler('GOSSIP_DIGEST_SYN', (message) => { seen.push(message.payload.toString()); return undefined; });
  assert.ok(a.send('10.0.0.2:7000', 'GOSSIP_DIGEST_SYN', Buffer.from('syn')));
  await settle();
  assert.deepEqual(seen, ['syn']);
});

test('a request with no answer times out after the verb timeout, on the virtual clock', async () => {
  const { a, b, clock } = await pair();
  b.registerHandler('MUTATION', () => new Promise<Buffer>(() => undefined));
  const outcome = rejection(a.sendRequest('10.0.0.2:7000', 'MUTATION', Buffer.alloc(0)));
  await clock.advance(1999);
  assert.equal(a.pendingRequests(), 1);
  await clock.advance(1);
  const error = await outcome;
  assert.equal(error.reason, 'timeout');
  assert.equal(a.pendingRequests(), 0);
});

test('a throwing handler answers with FAILURE_RSP carrying its reason', async () => {
  const { a, b } = await pair();
  b.registerHandler('READ', () => { throw new RequestFailure(RequestFailureReason.readTooManyTombstones, 'too many tombstones'); });
  const error = await rejection(a.sendRequest('10.0.0.2:7000', 'READ', Buffer.alloc(0)));
  assert.equal(error.reason, 'failure');
  assert.match(error.message, /reason 1: too many tombstones/);
});

test('a verb with no handler fails fast', async () => {
  const { a } = await pair();
  const error = await rejection(a.sendRequest('10.0.0.2:7000', 'TRUNCATE', Buffer.alloc(0)));
  assert.match(error.message, /no handler for TRUNCATE/);
});

test('unknown peers are refused at once; close rejects pending requests', async () => {
  const { a, b } = await pair();
  assert.equal((await rejection(a.sendRequest('10.0.0.9:7000', 'ECHO', Buffer.alloc(0)))).reason, 'overloaded');
  b.registerHandler('ECHO', () => new Promise<Buffer>(() => undefined));
  const outcome = rejection(a.sendRequest('10.0.0.2:7000', 'ECHO', Buffer.alloc(0)));
  await settle();
  await a.close();
  assert.equal((await outcome).reason, 'closed');
});

test('corrupt frames are dropped and logged, not thrown', async () => {
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (message) => { warnings.push(message); }, child: () => logger };
  const { b, transports } = await pair(logger);
  let handled = 0;
  b.registerHandler('GOSSIP_DIGEST_SYN', () => { handled++; return undefined; });
  const frame = encodeFrame({ verb: 'GOSSIP_DIGEST_SYN', id: 0, flags: 0, payload: Buffer.from('x') });
  frame[20] = 0x79;
  (transports.b as InMemoryTransport).receive('10.0.0.1:7000', frame);
  assert.equal(handled, 0);
  assert.deepEqual(warnings, ['dropping corrupt internode frame']);
});

test('debug logging records every message sent and received', async () => {
  const lines: string[] = [];
  const logger: Logger = { ...silentLogger, isDebugEnabled: () => true, debug: (message, fields) => { lines.push(`${message} ${String(fields?.['verb'])}`); }, child: () => logger };
  const { a, b } = await pair(logger);
  b.registerHandler('ECHO', () => undefined);
  await a.sendRequest('10.0.0.2:7000', 'ECHO', Buffer.alloc(0));
  assert.deepEqual(lines, ['internode send ECHO', 'internode receive ECHO', 'internode send ECHO_RSP', 'internode receive ECHO_RSP']);
});

test('failure payload codec round-trips and rejects truncation', () => {
  const encoded = encodeFailure(RequestFailureReason.timeout, 'slow');
  assert.deepEqual(decodeFailure(encoded, 't'), { reason: 2, message: 'slow' });
  for (let length = 0; length < encoded.length; length++) {
    assert.throws(() => decodeFailure(encoded.subarray(0, length), 't'), CorruptionError);
  }
  assert.throws(() => decodeFailure(Buffer.concat([encoded, Buffer.from([1])]), 't'), CorruptionError);
});

test('requests past the served bound are refused as overloaded, and served again once answered', async () => {
  const clock = new SimulatedClock();
  const links = new DirectLinks();
  const a = new MessagingService({ transport: links.transportFor('a:1'), clock, logger: silentLogger });
  const b = new MessagingService({ transport: links.transportFor('b:1'), clock, logger: silentLogger, requestsServedMax: 2 });
  b.registerHandler('READ', async () => { await clock.sleep(100); return Buffer.from('ok'); });
  await a.start();
  await b.start();
  const first = [a.sendRequest('b:1', 'READ', Buffer.alloc(0)), a.sendRequest('b:1', 'READ', Buffer.alloc(0))];
  const refused = await rejection(a.sendRequest('b:1', 'READ', Buffer.alloc(0)));
  assert.match(refused.message, /reason 5/);
  await clock.advance(100);
  await Promise.all(first);
  const again = a.sendRequest('b:1', 'READ', Buffer.alloc(0));
  await clock.advance(100);
  assert.equal((await again).payload.toString(), 'ok');
});

test('messages to this node are delivered locally, without the transport', async () => {
  const clock = new SimulatedClock();
  const links = new DirectLinks();
  const transport = links.transportFor('a:1');
  let sent = 0;
  const counting = { localEndpoint: 'a:1', start: transport.start.bind(transport), close: transport.close.bind(transport), send: (peer: string, frame: readonly Buffer[]) => { sent++; return transport.send(peer, frame); } };
  const a = new MessagingService({ transport: counting, clock, logger: silentLogger });
  a.registerHandler('MUTATION', () => Buffer.from('applied'));
  await a.start();
  const response = await a.sendRequest('a:1', 'MUTATION', Buffer.from('m'));
  assert.equal(response.payload.toString(), 'applied');
  assert.equal(response.from, 'a:1');
  assert.equal(sent, 0);
});
