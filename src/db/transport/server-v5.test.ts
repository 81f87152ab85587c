// Protocol v5 end to end over a real socket: the handshake in plain frames, then segments both
// ways (native_protocol_v5.spec 2.1 to 2.3). The client here writes and reads segments from the
// spec on its own (its CRC32 over seed and payload together, its own cutting of envelopes), so
// a bug in protocol/segment.ts cannot hide behind a matching one in the test.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { crc32 } from 'node:zlib';
import { silentLogger } from '../common/world.js';
import { compressBlock, decompressBlock } from '../protocol/lz4.js';
import type { EventMessage, QueryParameters, ResultMessage } from '../protocol/messages.js';
import type { ClientState, QueryHandler } from './query-handler.js';
import { startNativeServer, type NativeServer, type NativeServerOptions } from './server.js';
import { frameBytes, longStringBytes, op, readError, readString, readStringMultimap, stringBytes, stringMapBytes, testClock, testNetwork, type RawFrame } from './raw-client.test.js';

const payloadMax = 131_071;
const seed = Buffer.from([0xfa, 0x2d, 0x55, 0xca]);

function crc24(bytes: Buffer): number {
  let crc = 0x875060;
  for (const byte of bytes) {
    crc ^= byte << 16;
    for (let bit = 0; bit < 8; bit++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1974f0b;
    }
  }
  return crc;
}

/** One segment, as a client writes it; with LZ4 negotiated the payload is always compressed here. */
function segment(payload: Buffer, options: { selfContained: boolean; compressed: boolean }): Buffer {
  const flag = options.selfContained ? 1n : 0n;
  const body = options.compressed ? compressBlock(payload) : payload;
  const fields = options.compressed ? BigInt(body.length) | (BigInt(payload.length) << 17n) | (flag << 34n) : BigInt(body.length) | (flag << 17n);
  const fieldBytes = options.compressed ? 5 : 3;
  const header = Buffer.alloc(fieldBytes + 3);
  for (let index = 0; index < fieldBytes; index++) header[index] = Number((fields >> BigInt(8 * index)) & 0xffn);
  header.writeUIntLE(crc24(header.subarray(0, fieldBytes)), fieldBytes, 3);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32LE(crc32(Buffer.concat([seed, body])));
  return Buffer.concat([header, body, trailer]);
}

interface SegmentSeen { selfContained: boolean; payloadBytes: number; uncompressedBytes: number }

class V5Client {
  private buffer = Buffer.alloc(0);
  private framed = false;
  private large = Buffer.alloc(0);
  private readonly frames: RawFrame[] = [];
  readonly segments: SegmentSeen[] = [];
  closed = false;

  private constructor(private readonly socket: Socket, private compressed = false) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.cut();
    });
    socket.on('close', () => void (this.closed = true));
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<V5Client> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new V5Client(socket)));
      socket.once('error', reject);
    });
  }

  sendPlain(frame: Parameters<typeof frameBytes>[0]): void {
    this.socket.write(frameBytes({ version: 5, ...frame }));
  }

  /** Envelopes in one self-contained segment, or one envelope cut over several. */
  send(...frames: Array<Parameters<typeof frameBytes>[0]>): void {
    const envelopes = Buffer.concat(frames.map((frame) => frameBytes({ version: 5, ...frame })));
    if (envelopes.length <= payloadMax) {
      this.socket.write(segment(envelopes, { selfContained: true, compressed: this.compressed }));
      return;
    }
    for (let at = 0; at < envelopes.length; at += payloadMax) {
      this.socket.write(segment(envelopes.subarray(at, at + payloadMax), { selfContained: false, compressed: this.compressed }));
    }
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** STARTUP v5, READY in plain, then segments. */
  async startup(options: Record<string, string> = { CQL_VERSION: '3.0.0' }): Promise<RawFrame> {
    this.sendPlain({ stream: 0, opcode: op.STARTUP, body: stringMapBytes(options) });
    const ready = await this.expect();
    if (ready.opcode === op.READY || ready.opcode === op.AUTHENTICATE) {
      this.framed = true;
      this.compressed = options['COMPRESSION'] === 'lz4';
      this.cut();
    }
    return ready;
  }

  async expect(timeoutMs = 3000): Promise<RawFrame> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.closed) throw new Error('connection closed before a frame arrived');
      if (Date.now() > deadline) throw new Error('no frame in time');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.frames.shift() as RawFrame;
  }

  async waitClosed(timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection not closed in time');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private cut(): void {
    if (!this.framed) {
      // Plain frames until READY: only the handshake's answers arrive so.
      while (this.buffer.length >= 9 && this.buffer.length >= 9 + this.buffer.readInt32BE(5) && !this.framed) {
        const length = 9 + this.buffer.readInt32BE(5);
        this.frames.push(...envelopesIn(this.buffer.subarray(0, length)));
        this.buffer = this.buffer.subarray(length);
        if (this.frames.at(-1)?.opcode === op.READY || this.frames.at(-1)?.opcode === op.AUTHENTICATE) return;
      }
      return;
    }
    for (;;) {
      const fieldBytes = this.compressed ? 5 : 3;
      if (this.buffer.length < fieldBytes + 3) return;
      let fields = 0n;
      for (let index = fieldBytes - 1; index >= 0; index--) fields = (fields << 8n) | BigInt(this.buffer[index] ?? 0);
      assert.equal(crc24(this.buffer.subarray(0, fieldBytes)), this.buffer.readUIntLE(fieldBytes, 3), 'header CRC24');
      const payloadBytes = Number(fields & 0x1ffffn);
      const uncompressedBytes = this.compressed ? Number((fields >> 17n) & 0x1ffffn) : 0;
      const selfContained = ((fields >> (this.compressed ? 34n : 17n)) & 1n) === 1n;
      const end = fieldBytes + 3 + payloadBytes;
      if (this.buffer.length < end + 4) return;
      const body = this.buffer.subarray(fieldBytes + 3, end);
      assert.equal(crc32(Buffer.concat([seed, body])), this.buffer.readUInt32LE(end), 'payload CRC32');
      this.buffer = this.buffer.subarray(end + 4);
      this.segments.push({ selfContained, payloadBytes, uncompressedBytes });
      const payload = uncompressedBytes > 0 ? decompressBlock(body, uncompressedBytes) : body;
      if (selfContained) {
        this.frames.push(...envelopesIn(payload));
        continue;
      }
      this.large = Buffer.concat([this.large, payload]);
      if (this.large.length >= 9 && this.large.length === 9 + this.large.readInt32BE(5)) {
        this.frames.push(...envelopesIn(this.large));
        this.large = Buffer.alloc(0);
      }
    }
  }
}

function envelopesIn(bytes: Buffer): RawFrame[] {
  const frames: RawFrame[] = [];
  for (let at = 0; at < bytes.length;) {
    const end = at + 9 + bytes.readInt32BE(at + 5);
    assert.ok(end <= bytes.length, 'a segment holds whole envelopes');
    frames.push({ version: bytes.readUInt8(at), flags: bytes.readUInt8(at + 1), stream: bytes.readInt16BE(at + 2), opcode: bytes.readUInt8(at + 4), body: bytes.subarray(at + 9, end) });
    at = end;
  }
  return frames;
}

/** "echo N": a Rows result of one blob of N bytes; "where": the session's keyspace; "use KS". */
class EchoHandler implements QueryHandler {
  readonly seen: Array<{ query: string; keyspace: string | null; parameters: QueryParameters }> = [];
  query(query: string, parameters: QueryParameters, state: ClientState): Promise<ResultMessage> {
    this.seen.push({ query, keyspace: state.keyspace, parameters });
    const [command, argument = ''] = query.split(' ');
    if (command === 'use') {
      state.keyspace = argument;
      return Promise.resolve({ kind: 'setKeyspace', keyspace: argument });
    }
    if (command === 'where') return Promise.resolve({ kind: 'setKeyspace', keyspace: state.keyspace ?? '' });
    if (command === 'echo') {
      const cell = Buffer.alloc(Number(argument), 0x61);
      return Promise.resolve({ kind: 'rows', metadata: { columns: null, columnCount: 1, pagingState: null }, rows: [[cell]] });
    }
    return Promise.resolve({ kind: 'void' });
  }
  prepare = (): Promise<ResultMessage> => Promise.resolve({ kind: 'void' });
  execute = (): Promise<ResultMessage> => Promise.resolve({ kind: 'void' });
  batch = (): Promise<ResultMessage> => Promise.resolve({ kind: 'void' });
  onEvent = (_listener: (event: EventMessage) => void) => () => undefined;
}

async function serve(t: TestContext, options: Partial<NativeServerOptions> = {}): Promise<{ server: NativeServer; handler: EchoHandler }> {
  const handler = new EchoHandler();
  const server = await startNativeServer({ network: testNetwork, host: '127.0.0.1', port: 0, handler, logger: silentLogger, clock: testClock, ...options });
  t.after(() => server.close({ drainMs: 0 }));
  return { server, handler };
}

async function client(t: TestContext, server: NativeServer): Promise<V5Client> {
  const connection = await V5Client.open(server.port);
  t.after(() => connection.close());
  return connection;
}

/** QUERY body at v5: the text, consistency ONE, [int] flags, and the v5 keyspace when given. */
function queryV5(text: string, keyspace?: string): Buffer {
  const flags = Buffer.alloc(4);
  flags.writeInt32BE(keyspace === undefined ? 0 : 0x80);
  return Buffer.concat([longStringBytes(text), Buffer.from([0, 1]), flags, keyspace === undefined ? Buffer.alloc(0) : stringBytes(keyspace)]);
}

/** The blob of an "echo" Rows result: after kind, flags, column count and row count. */
function echoed(body: Buffer): Buffer {
  assert.equal(body.readInt32BE(0), 0x0002);
  const length = body.readInt32BE(16);
  return body.subarray(20, 20 + length);
}

test('v5 handshake: OPTIONS and STARTUP in plain v5 frames, then queries in segments', async (t) => {
  const { server } = await serve(t);
  const c = await client(t, server);
  c.sendPlain({ stream: 3, opcode: op.OPTIONS });
  const supported = await c.expect();
  assert.deepEqual([supported.version, supported.stream, supported.opcode], [0x85, 3, op.SUPPORTED]);
  assert.deepEqual(readStringMultimap(supported.body).get('PROTOCOL_VERSIONS'), ['4/v4', '5/v5']);
  const ready = await c.startup();
  assert.deepEqual([ready.version, ready.opcode], [0x85, op.READY]);
  c.send({ stream: 1, opcode: op.QUERY, body: queryV5('use flights') }, { stream: 2, opcode: op.QUERY, body: queryV5('echo 3') });
  const answers = [await c.expect(), await c.expect()];
  assert.deepEqual(answers.map((frame) => [frame.version, frame.stream, frame.opcode]), [[0x85, 1, op.RESULT], [0x85, 2, op.RESULT]]);
  assert.equal(readString(answers[0]?.body ?? Buffer.alloc(0), 4).value, 'flights');
  assert.equal(echoed(answers[1]?.body ?? Buffer.alloc(0)).toString(), 'aaa');
  assert.ok(c.segments.length >= 1 && c.segments.every((seen) => seen.selfContained), 'small answers come in self-contained segments');
});

test('v5 large envelopes: a request and an answer over 128 KiB are cut over segments and joined', async (t) => {
  const { server, handler } = await serve(t);
  const c = await client(t, server);
  await c.startup();
  const longText = `echo 300000 ${'x'.repeat(200_000)}`;
  c.send({ stream: 5, opcode: op.QUERY, body: queryV5(longText) });
  const answer = await c.expect();
  assert.equal(handler.seen.at(-1)?.query, longText);
  assert.deepEqual([answer.stream, answer.opcode], [5, op.RESULT]);
  assert.deepEqual(echoed(answer.body), Buffer.alloc(300_000, 0x61));
  assert.deepEqual(c.segments.map((seen) => [seen.selfContained, seen.payloadBytes]), [[false, payloadMax], [false, payloadMax], [false, 300_029 - 2 * payloadMax]]);
  // The connection goes on with small envelopes afterwards.
  c.send({ stream: 6, opcode: op.QUERY, body: queryV5('echo 1') });
  assert.equal((await c.expect()).stream, 6);
});

test('v5 with LZ4: segments compressed both ways, envelopes never flagged', async (t) => {
  const { server } = await serve(t);
  const c = await client(t, server);
  const ready = await c.startup({ CQL_VERSION: '3.0.0', COMPRESSION: 'lz4' });
  assert.deepEqual([ready.opcode, ready.flags], [op.READY, 0]);
  c.send({ stream: 1, opcode: op.QUERY, body: queryV5('echo 50000') });
  const answer = await c.expect();
  assert.equal(answer.flags & 0x01, 0);
  assert.deepEqual(echoed(answer.body), Buffer.alloc(50_000, 0x61));
  const seen = c.segments.at(-1);
  assert.ok(seen !== undefined && seen.uncompressedBytes > 50_000 && seen.payloadBytes < 1000, `compressed: ${JSON.stringify(seen)}`);
});

test('v5 per-query keyspace: the request runs in it, the session keeps its own', async (t) => {
  const { server, handler } = await serve(t);
  const c = await client(t, server);
  await c.startup();
  c.send({ stream: 1, opcode: op.QUERY, body: queryV5('use home') });
  await c.expect();
  c.send({ stream: 2, opcode: op.QUERY, body: queryV5('where', 'elsewhere') });
  assert.equal(readString((await c.expect()).body, 4).value, 'elsewhere');
  c.send({ stream: 3, opcode: op.QUERY, body: queryV5('use other', 'elsewhere') });
  await c.expect();
  c.send({ stream: 4, opcode: op.QUERY, body: queryV5('where') });
  assert.equal(readString((await c.expect()).body, 4).value, 'home', 'a USE with the keyspace flag changes only its copy');
  assert.equal(handler.seen[1]?.parameters.keyspace, 'elsewhere');
});

test('v5 bad CRCs: a ProtocolError in a segment, then the connection closes', async (t) => {
  const { server } = await serve(t);
  for (const corrupt of [1, 4, 12]) {
    const c = await client(t, server);
    await c.startup();
    const bytes = segment(frameBytes({ version: 5, stream: 1, opcode: op.QUERY, body: queryV5('echo 1') }), { selfContained: true, compressed: false });
    bytes[corrupt] = (bytes[corrupt] ?? 0) ^ 0x20;
    c.writeRaw(bytes);
    const error = await c.expect();
    assert.deepEqual([error.version, error.opcode], [0x85, op.ERROR]);
    const { code, message } = readError(error.body);
    assert.equal(code, 0x000a);
    assert.match(message, corrupt < 6 ? /^CRC mismatch on the header of a protocol v5 segment/ : /^CRC mismatch on the payload of a protocol v5 segment/);
    await c.waitClosed();
  }
});

test('v5 refused STARTUP: the handshake goes on in plain frames', async (t) => {
  const { server } = await serve(t);
  const c = await client(t, server);
  c.sendPlain({ stream: 0, opcode: op.STARTUP, body: stringMapBytes({ CQL_VERSION: '3.0.0', COMPRESSION: 'snappy' }) });
  const refused = await c.expect();
  assert.deepEqual([refused.version, refused.opcode], [0x85, op.ERROR]);
  assert.match(readError(refused.body).message, /Unknown compression algorithm: snappy/);
  const ready = await c.startup();
  assert.equal(ready.opcode, op.READY);
  c.send({ stream: 1, opcode: op.QUERY, body: queryV5('echo 2') });
  assert.equal((await c.expect()).stream, 1);
});

test('v5 connection: a v4 envelope inside a segment is refused, then close', async (t) => {
  const { server } = await serve(t);
  const c = await client(t, server);
  await c.startup();
  c.writeRaw(segment(frameBytes({ version: 4, stream: 7, opcode: op.OPTIONS }), { selfContained: true, compressed: false }));
  const error = await c.expect();
  assert.deepEqual([error.version, error.stream, error.opcode], [0x85, 7, op.ERROR]);
  assert.equal(readError(error.body).message, 'Invalid message version. Got 4 but previous messages on this connection had version 5');
  await c.waitClosed();
});

test('v5 with authentication: AUTHENTICATE in plain, the SASL exchange in segments', async (t) => {
  const authenticator: NativeServerOptions['authenticator'] = {
    className: 'org.apache.cassandra.auth.PasswordAuthenticator',
    newSaslNegotiator: () => ({ evaluateResponse: () => Promise.resolve({ kind: 'success', user: 'cassandra', token: null }) }),
  };
  const { server } = await serve(t, { authenticator });
  const c = await client(t, server);
  const authenticate = await c.startup();
  assert.deepEqual([authenticate.version, authenticate.opcode], [0x85, op.AUTHENTICATE]);
  const token = Buffer.alloc(4);
  token.writeInt32BE(-1);
  c.send({ stream: 1, opcode: 0x0f, body: token });
  const success = await c.expect();
  assert.deepEqual([success.stream, success.opcode], [1, 0x10]);
  assert.equal(c.segments.length, 1);
});
