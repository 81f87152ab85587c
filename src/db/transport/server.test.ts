import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { invalidRequest } from '../common/errors.js';
import { silentLogger, type Logger } from '../common/world.js';
import { compressBody, decompressBody } from '../protocol/compression.js';
import type { EventMessage, ResultMessage } from '../protocol/messages.js';
import type { ClientState, QueryHandler, RequestOptions, TracedResult } from './query-handler.js';
import { startNativeServer, type NativeServer, type NativeServerOptions } from './server.js';
import {
  TestClient, testClock, testNetwork, frameBytes, op, queryBody, readError, readString, readStringMultimap, stringListBytes, stringMapBytes, longStringBytes,
} from './raw-client.test.js';

/** A handler whose statements are commands: "sleep N", "fail", "bug", "use KS", anything else -> void. */
class FakeHandler implements QueryHandler {
  inFlight = 0;
  inFlightPeak = 0;
  readonly queries: string[] = [];
  private readonly listeners = new Set<(event: EventMessage) => void>();

  async query(query: string, _parameters: unknown, state: ClientState, request: RequestOptions = {}): Promise<TracedResult> {
    this.queries.push(query);
    if (query === 'traced') return request.tracing === true ? { kind: 'void', tracingId: Buffer.alloc(16, 0xab) } : { kind: 'void' };
    this.inFlight++;
    this.inFlightPeak = Math.max(this.inFlightPeak, this.inFlight);
    try {
      const [command, argument = ''] = query.split(' ');
      if (command === 'sleep') await new Promise((resolve) => setTimeout(resolve, Number(argument)));
      if (command === 'fail') throw invalidRequest('no such table');
      if (command === 'bug') throw new TypeError('cannot read properties of undefined');
      if (command === 'use') {
        state.keyspace = argument;
        return { kind: 'setKeyspace', keyspace: argument };
      }
      return { kind: 'void' };
    } finally {
      this.inFlight--;
    }
  }
  prepare(): Promise<ResultMessage> {
    return Promise.resolve({ kind: 'void' });
  }
  execute(): Promise<ResultMessage> {
    return Promise.resolve({ kind: 'void' });
  }
  batch(): Promise<ResultMessage> {
    return Promise.resolve({ kind: 'void' });
  }
  onEvent(listener: (event: EventMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(event: EventMessage): void {
    for (const listener of this.listeners) listener(event);
  }
}

async function serve(t: TestContext, options: Partial<NativeServerOptions> = {}): Promise<{ server: NativeServer; handler: FakeHandler }> {
  const handler = new FakeHandler();
  const server = await startNativeServer({
    network: testNetwork, host: '127.0.0.1', port: 0, handler, logger: silentLogger, clock: testClock, ...options,
  });
  t.after(() => server.close({ drainMs: 0 }));
  return { server, handler };
}

async function client(t: TestContext, server: NativeServer): Promise<TestClient> {
  const connection = await TestClient.open(server.port);
  t.after(() => connection.close());
  return connection;
}

const resultKind = (body: Buffer) => body.readInt32BE(0);

test('OPTIONS, STARTUP, QUERY: the handshake drivers perform', async (t) => {
  const { server } = await serve(t);
  const c = await client(t, server);
  c.send({ stream: 3, opcode: op.OPTIONS });
  const supported = await c.expect();
  assert.deepEqual([supported.version, supported.stream, supported.opcode], [0x84, 3, op.SUPPORTED]);
  assert.deepEqual(readStringMultimap(supported.body), new Map([
    ['CQL_VERSION', ['3.4.5']], ['COMPRESSION', ['lz4']], ['PROTOCOL_VERSIONS', ['4/v4', '5/v5']],
  ]));
  const ready = await c.startup({ CQL_VERSION: '3.0.0', DRIVER_NAME: 'test' });
  assert.equal(ready.opcode, op.READY);
  c.send({ stream: 7, opcode: op.QUERY, body: queryBody('use flights') });
  const result = await c.expect();
  assert.deepEqual([result.stream, result.opcode, resultKind(result.body)], [7, op.RESULT, 0x0003]);
  assert.equal(readString(result.body, 4).value, 'flights');
});

test('requests before STARTUP, a second STARTUP, bad STARTUP options: ProtocolError on the stream', async (t) => {
  const { server } = await serve(t);
  const c = await client(t, server);
  c.send({ stream: 5, opcode: op.QUERY, body: queryBody('select') });
  const early = await c.expect();
  assert.deepEqual([early.stream, early.opcode, readError(early.body).code], [5, op.ERROR, 0x000a]);
  c.send({ stream: 1, opcode: op.STARTUP, body: stringMapBytes({}) });
  assert.match(readError((await c.expect()).body).message, /CQL_VERSION/);
  c.send({ stream: 2, opcode: op.STARTUP, body: stringMapBytes({ CQL_VERSION: '3.0.0', COMPRESSION: 'snappy' }) });
  assert.match(readError((await c.expect()).body).message, /Unknown compression algorithm: snappy/);
  assert.equal((await c.startup()).opcode, op.READY);
  c.send({ stream: 4, opcode: op.STARTUP, body: stringMapBytes({ CQL_VERSION: '3.0.0' }) });
  assert.equal(readError((await c.expect()).body).code, 0x000a);
});

test('another protocol version: v4 ERROR on the request stream, then close', async (t) => {
  const { server } = await serve(t);
  for (const version of [0x42, 0x06, 0x03]) {
    const c = await client(t, server);
    c.send({ version, stream: 9, opcode: op.STARTUP, body: stringMapBytes({ CQL_VERSION: '3.0.0' }) });
    const error = await c.expect();
    assert.deepEqual([error.version, error.stream, error.opcode], [0x84, 9, op.ERROR]);
    assert.deepEqual(readError(error.body), {
      code: 0x000a, message: `Invalid or unsupported protocol version (${version}); supported versions are (4/v4, 5/v5)`,
    });
    await c.waitClosed();
  }
});

test('LZ4: frames after READY are compressed both ways', async (t) => {
  const { server } = await serve(t);
  const c = await client(t, server);
  const ready = await c.startup({ CQL_VERSION: '3.4.5', COMPRESSION: 'lz4' });
  assert.deepEqual([ready.opcode, ready.flags], [op.READY, 0]);
  c.send({ stream: 1, opcode: op.QUERY, flags: 0x01, body: compressBody(queryBody('use compressed_keyspace_name')) });
  const result = await c.expect();
  assert.equal(result.flags & 0x01, 0x01);
  const body = decompressBody(result.body);
  assert.equal(readString(body, 4).value, 'compressed_keyspace_name');
});

test('many streams in flight, answered as they complete', async (t) => {
  const { server, handler } = await serve(t);
  const c = await client(t, server);
  await c.startup();
  c.send({ stream: 1, opcode: op.QUERY, body: queryBody('sleep 100') });
  for (let stream = 2; stream <= 50; stream++) c.send({ stream, opcode: op.QUERY, body: queryBody('sleep 1') });
  const order: number[] = [];
  for (let index = 0; index < 50; index++) order.push((await c.expect()).stream);
  assert.equal(order.at(-1), 1);
  assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: 50 }, (_, index) => index + 1));
  assert.ok(handler.inFlightPeak > 1);
});

test('in-flight requests per connection are bounded: reading pauses beyond the bound', async (t) => {
  const { server, handler } = await serve(t, { requestsInFlightMax: 3 });
  const c = await client(t, server);
  await c.startup();
  for (let stream = 1; stream <= 12; stream++) c.send({ stream, opcode: op.QUERY, body: queryBody('sleep 10') });
  for (let index = 0; index < 12; index++) assert.equal((await c.expect()).opcode, op.RESULT);
  assert.equal(handler.inFlightPeak, 3);
});

test('handler errors: CqlError keeps its code, any other error is a ServerError logged with its stack', async (t) => {
  const logged: Array<Record<string, unknown> | undefined> = [];
  const logger: Logger = { ...silentLogger, error: (_message, fields) => void logged.push(fields), child: () => logger };
  const { server } = await serve(t, { logger });
  const c = await client(t, server);
  await c.startup();
  c.send({ stream: 1, opcode: op.QUERY, body: queryBody('fail') });
  assert.deepEqual(readError((await c.expect()).body), { code: 0x2200, message: 'no such table' });
  c.send({ stream: 2, opcode: op.QUERY, body: queryBody('bug') });
  const bug = readError((await c.expect()).body);
  assert.equal(bug.code, 0x0000);
  assert.match(bug.message, /TypeError: cannot read properties of undefined/);
  assert.match(String(logged[0]?.['stack']), /TypeError/);
});

test('REGISTER: events of the registered types arrive on stream -1', async (t) => {
  const { server, handler } = await serve(t);
  const c = await client(t, server);
  const other = await client(t, server);
  await c.startup();
  await other.startup();
  c.send({ stream: 2, opcode: op.REGISTER, body: stringListBytes(['SCHEMA_CHANGE', 'STATUS_CHANGE']) });
  assert.equal((await c.expect()).opcode, op.READY);
  c.send({ stream: 3, opcode: op.REGISTER, body: stringListBytes(['NO_SUCH_EVENT']) });
  assert.equal(readError((await c.expect()).body).code, 0x000a);
  handler.emit({ type: 'TOPOLOGY_CHANGE', change: 'NEW_NODE', address: '127.0.0.2', port: 9042 });
  handler.emit({ type: 'SCHEMA_CHANGE', schemaChange: { change: 'CREATED', target: 'KEYSPACE', keyspace: 'flights' } });
  const event = await c.expect();
  assert.deepEqual([event.stream, event.opcode], [-1, op.EVENT]);
  assert.equal(readString(event.body, 0).value, 'SCHEMA_CHANGE');
  assert.equal(await other.next(100).catch(() => 'nothing'), 'nothing');
});

test('an oversized frame gets ProtocolError on its stream before its body is read, then close', async (t) => {
  const { server } = await serve(t, { frameBodyBytesMax: 1024 });
  const c = await client(t, server);
  await c.startup();
  const header = frameBytes({ stream: 11, opcode: op.QUERY, body: Buffer.alloc(0) });
  header.writeInt32BE(1 << 30, 5);
  c.writeRaw(header);
  const error = await c.expect();
  assert.equal(error.stream, 11);
  assert.deepEqual(readError(error.body).code, 0x000a);
  assert.match(readError(error.body).message, /too big/);
  await c.waitClosed();
});

test('garbage: a malformed body is answered and the connection survives; a bad length closes it', async (t) => {
  const { server } = await serve(t);
  const c = await client(t, server);
  await c.startup();
  c.send({ stream: 4, opcode: op.QUERY, body: longStringBytes('select').subarray(0, 5) });
  const malformed = await c.expect();
  assert.deepEqual([malformed.stream, readError(malformed.body).code], [4, 0x000a]);
  c.send({ stream: 5, opcode: 0x66, body: Buffer.alloc(3) });
  assert.deepEqual([(await c.expect()).stream], [5]);
  c.send({ stream: 6, opcode: op.OPTIONS });
  assert.equal((await c.expect()).opcode, op.SUPPORTED);
  const negative = frameBytes({ stream: 8, opcode: op.QUERY });
  negative.writeInt32BE(-5, 5);
  c.writeRaw(negative);
  assert.equal((await c.expect()).stream, 8);
  await c.waitClosed();
});

test('close drains: in-flight requests are answered, new connections refused, then sockets close', async (t) => {
  const { server } = await serve(t);
  const c = await client(t, server);
  await c.startup();
  c.send({ stream: 1, opcode: op.QUERY, body: queryBody('sleep 150') });
  await new Promise((resolve) => setTimeout(resolve, 30));
  const closing = server.close({ drainMs: 2000 });
  const answer = await c.expect();
  assert.deepEqual([answer.stream, answer.opcode], [1, op.RESULT]);
  await closing;
  await c.waitClosed();
  assert.equal(server.connectionCount(), 0);
  await assert.rejects(TestClient.open(server.port));
});

test('close gives up on requests that outlast drainMs', async (t) => {
  const { server } = await serve(t);
  const c = await client(t, server);
  await c.startup();
  c.send({ stream: 1, opcode: op.QUERY, body: queryBody('sleep 800') });
  await new Promise((resolve) => setTimeout(resolve, 30));
  const started = Date.now();
  await server.close({ drainMs: 50 });
  assert.ok(Date.now() - started < 500);
  await c.waitClosed();
});

test('connections beyond connectionsMax are refused', async (t) => {
  const { server } = await serve(t, { connectionsMax: 1 });
  const first = await client(t, server);
  await first.startup();
  const second = await client(t, server);
  await second.waitClosed();
  assert.equal(server.connectionCount(), 1);
});

test('the tracing flag reaches the handler; its session id goes first in the body, with the flag', async (t) => {
  const { server } = await serve(t);
  const c = await client(t, server);
  await c.startup();
  c.send({ stream: 4, opcode: op.QUERY, flags: 0x02, body: queryBody('traced') });
  const traced = await c.expect();
  assert.equal(traced.flags & 0x02, 0x02);
  assert.deepEqual(traced.body.subarray(0, 16), Buffer.alloc(16, 0xab));
  assert.equal(traced.body.readInt32BE(16), 0x0001, 'then the VOID result');
  c.send({ stream: 5, opcode: op.QUERY, body: queryBody('traced') });
  const plain = await c.expect();
  assert.equal(plain.flags & 0x02, 0);
  assert.equal(resultKind(plain.body), 0x0001);
});
