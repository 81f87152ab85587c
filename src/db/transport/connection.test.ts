// ClientConnection over an in-memory Connection: authentication, back-pressure and handler
// bugs, where a real socket would make the timing hard to control.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { badCredentials } from '../common/errors.js';
import { silentLogger, type Connection } from '../common/world.js';
import type { EventMessage, ResultMessage } from '../protocol/messages.js';
import type { Authenticator } from './authenticator.js';
import { ClientConnection } from './connection.js';
import { EventHub } from './events.js';
import type { ClientState, QueryHandler } from './query-handler.js';
import { RequestLimiter } from './request-limiter.js';
import { RequestScheduler } from './request-scheduler.js';
import { frameBytes, op, queryBody, readError, readString, stringMapBytes, testClock, type RawFrame } from './raw-client.test.js';

class MemoryConnection implements Connection {
  readonly remoteAddress = '127.0.0.9';
  readonly remotePort = 50000;
  readonly localAddress = '127.0.0.1';
  readonly written: Buffer[] = [];
  acceptWrites = true;
  paused = false;
  ended = false;
  private dataListener: (chunk: Buffer) => void = () => undefined;
  private drainListener: () => void = () => undefined;
  write(data: Uint8Array): boolean {
    this.written.push(Buffer.from(data));
    return this.acceptWrites;
  }
  onData(listener: (chunk: Buffer) => void): void {
    this.dataListener = listener;
  }
  onDrain(listener: () => void): void {
    this.drainListener = listener;
  }
  onClose(): void {}
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  end(): void {
    this.ended = true;
  }
  destroy(): void {
    this.ended = true;
  }
  deliver(frame: Parameters<typeof frameBytes>[0]): void {
    this.dataListener(frameBytes(frame));
  }
  /** Delivers raw bytes (part of a frame). */
  deliverBytes(bytes: Buffer): void {
    this.dataListener(bytes);
  }
  drain(): void {
    this.acceptWrites = true;
    this.drainListener();
  }
  /** Frames written so far, parsed. */
  frames(): RawFrame[] {
    // Answers of one turn are coalesced into one write: split them on the frames' lengths.
    const frames: RawFrame[] = [];
    for (const bytes of this.written) {
      for (let at = 0; at < bytes.length; at += 9 + bytes.readInt32BE(at + 5)) {
        const end = at + 9 + bytes.readInt32BE(at + 5);
        frames.push({ version: bytes.readUInt8(at), flags: bytes.readUInt8(at + 1), stream: bytes.readInt16BE(at + 2), opcode: bytes.readUInt8(at + 4), body: bytes.subarray(at + 9, end) });
      }
    }
    return frames;
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function handlerWith(query: (text: string, state: ClientState) => Promise<ResultMessage>): QueryHandler {
  const none = (): Promise<ResultMessage> => Promise.resolve({ kind: 'void' });
  return { query: (text, _parameters, state) => query(text, state), prepare: none, execute: none, batch: none, onEvent: (_listener: (event: EventMessage) => void) => () => undefined };
}

function open(handler: QueryHandler, authenticator?: Authenticator, limiter?: RequestLimiter, scheduler?: RequestScheduler): { socket: MemoryConnection; connection: ClientConnection } {
  const socket = new MemoryConnection();
  const connection = new ClientConnection(socket, {
    handler, clock: testClock, events: new EventHub(handler), logger: silentLogger, frameBodyBytesMax: 1 << 20, requestsInFlightMax: 4, authenticator, onClosed: () => undefined,
    ...(limiter === undefined ? {} : { limiter }), ...(scheduler === undefined ? {} : { scheduler }),
  });
  return { socket, connection };
}

const passwordAuthenticator: Authenticator = {
  className: 'org.apache.cassandra.auth.PasswordAuthenticator',
  newSaslNegotiator: () => {
    let step = 0;
    return {
      evaluateResponse: (token) => {
        step++;
        if (step === 1) return Promise.resolve({ kind: 'challenge', token: Buffer.from('more') });
        if (token?.toString() !== '\0cassandra\0cassandra') return Promise.reject(badCredentials('Provided username cassandra and/or password are incorrect'));
        return Promise.resolve({ kind: 'success', user: 'cassandra', token: null });
      },
    };
  },
};

function authResponse(token: string): Buffer {
  const bytes = Buffer.from(token);
  const length = Buffer.alloc(4);
  length.writeInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

test('authentication: AUTHENTICATE, a challenge, AUTH_SUCCESS; statements wait for it', async () => {
  let seenUser: string | null = null;
  const { socket } = open(handlerWith((_text, state) => {
    seenUser = state.user;
    return Promise.resolve({ kind: 'void' });
  }), passwordAuthenticator);
  socket.deliver({ stream: 0, opcode: op.STARTUP, body: stringMapBytes({ CQL_VERSION: '3.0.0' }) });
  await tick();
  socket.deliver({ stream: 1, opcode: op.QUERY, body: queryBody('select') });
  socket.deliver({ stream: 2, opcode: 0x0f, body: authResponse('first') });
  await tick();
  socket.deliver({ stream: 3, opcode: 0x0f, body: authResponse('\0cassandra\0cassandra') });
  await tick();
  socket.deliver({ stream: 4, opcode: op.QUERY, body: queryBody('select') });
  await tick();
  const frames = socket.frames();
  assert.deepEqual(frames.map((frame) => [frame.stream, frame.opcode]), [[0, op.AUTHENTICATE], [1, op.ERROR], [2, 0x0e], [3, 0x10], [4, op.RESULT]]);
  assert.equal(readString(frames[0]?.body ?? Buffer.alloc(2), 0).value, 'org.apache.cassandra.auth.PasswordAuthenticator');
  assert.match(readError(frames[1]?.body ?? Buffer.alloc(6)).message, /expecting AUTH_RESPONSE/);
  assert.equal(seenUser, 'cassandra');
});

test('authentication: bad credentials answer BadCredentials', async () => {
  const { socket } = open(handlerWith(() => Promise.resolve({ kind: 'void' })), passwordAuthenticator);
  socket.deliver({ stream: 0, opcode: op.STARTUP, body: stringMapBytes({ CQL_VERSION: '3.0.0' }) });
  socket.deliver({ stream: 1, opcode: 0x0f, body: authResponse('first') });
  await tick();
  socket.deliver({ stream: 2, opcode: 0x0f, body: authResponse('\0cassandra\0wrong') });
  await tick();
  assert.equal(readError(socket.frames()[2]?.body ?? Buffer.alloc(6)).code, 0x0100);
});

test('back-pressure: a full write buffer pauses reading until drain', async () => {
  const { socket } = open(handlerWith(() => Promise.resolve({ kind: 'void' })));
  socket.deliver({ stream: 0, opcode: op.STARTUP, body: stringMapBytes({ CQL_VERSION: '3.0.0' }) });
  await tick();
  socket.acceptWrites = false;
  socket.deliver({ stream: 1, opcode: op.QUERY, body: queryBody('select') });
  await tick();
  assert.equal(socket.paused, true);
  socket.drain();
  assert.equal(socket.paused, false);
});

test('a result the codecs refuse becomes a ServerError for that request only', async () => {
  const { socket } = open(handlerWith((text) => Promise.resolve({ kind: 'setKeyspace', keyspace: text === 'huge' ? 'k'.repeat(70_000) : 'ks' })));
  socket.deliver({ stream: 0, opcode: op.STARTUP, body: stringMapBytes({ CQL_VERSION: '3.0.0' }) });
  socket.deliver({ stream: 1, opcode: op.QUERY, body: queryBody('huge') });
  socket.deliver({ stream: 2, opcode: op.QUERY, body: queryBody('small') });
  await tick();
  await tick(); // the answers go out at the end of the turn they completed in
  const frames = socket.frames();
  assert.deepEqual(frames.map((frame) => [frame.stream, frame.opcode]), [[0, op.READY], [1, op.ERROR], [2, op.RESULT]]);
  assert.equal(readError(frames[1]?.body ?? Buffer.alloc(6)).code, 0x0000);
});

test('answers completed in one turn go out in one write, in completion order', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const { socket } = open(handlerWith(async () => { await gate; return { kind: 'void' }; }));
  socket.deliver({ stream: 0, opcode: op.STARTUP, body: stringMapBytes({ CQL_VERSION: '3.0.0' }) });
  await tick();
  const before = socket.written.length;
  for (const stream of [1, 2, 3]) socket.deliver({ stream, opcode: op.QUERY, body: queryBody('q') });
  release();
  await tick();
  assert.equal(socket.written.length, before + 1);
  assert.deepEqual(socket.frames().slice(1).map((frame) => [frame.stream, frame.opcode]), [[1, op.RESULT], [2, op.RESULT], [3, op.RESULT]]);
});

test('end() writes the answers still gathered before closing', async () => {
  const { socket, connection } = open(handlerWith(() => Promise.resolve({ kind: 'void' })));
  socket.deliver({ stream: 0, opcode: op.STARTUP, body: stringMapBytes({ CQL_VERSION: '3.0.0' }) });
  await Promise.resolve();
  await Promise.resolve();
  connection.end();
  assert.equal(socket.ended, true);
  assert.deepEqual(socket.frames().map((frame) => [frame.stream, frame.opcode]), [[0, op.READY]]);
});

/** A handler whose queries finish only when the test says so. */
function heldHandler(): { handler: QueryHandler; started: string[]; finish: () => void } {
  const started: string[] = [];
  const waiting: Array<() => void> = [];
  const handler = handlerWith((text) => {
    started.push(text);
    return new Promise((resolve) => waiting.push(() => resolve({ kind: 'void' })));
  });
  return { handler, started, finish: () => { for (const resolve of waiting.splice(0)) resolve(); } };
}

test('request data in flight: over the bound a connection stops reading until bytes come back, across connections of one address', async () => {
  const big = 'x'.repeat(3000);
  const limiter = new RequestLimiter({ bytesMax: 1 << 20, bytesPerAddressMax: 5000 });
  const held = heldHandler();
  const first = open(held.handler, undefined, limiter);
  const second = open(held.handler, undefined, limiter);
  for (const { socket } of [first, second]) socket.deliver({ stream: 0, opcode: op.STARTUP, body: stringMapBytes({ CQL_VERSION: '3.0.0' }) });
  await tick();
  first.socket.deliver({ stream: 1, opcode: op.QUERY, body: queryBody(big) });
  await tick();
  // Same address (MemoryConnection's 127.0.0.9): 3 KiB held, another 3 KiB does not fit in 5000 bytes.
  second.socket.deliver({ stream: 1, opcode: op.QUERY, body: queryBody(big) });
  await tick();
  assert.equal(held.started.length, 1);
  assert.equal(second.socket.paused, true);
  assert.equal(second.connection.describe().queued, 1);
  assert.ok(limiter.held('127.0.0.9') > 3000 && limiter.held('127.0.0.9') < 5000);
  held.finish();
  await tick();
  assert.equal(held.started.length, 2);
  assert.equal(second.socket.paused, false);
  held.finish();
  await tick();
  assert.equal(limiter.held(), 0);
  assert.equal(limiter.throttled, 1);
});

test('request data in flight: a client that asked for THROW_ON_OVERLOAD gets Overloaded instead of waiting', async () => {
  const limiter = new RequestLimiter({ bytesMax: 4000, bytesPerAddressMax: 1 << 20 });
  const held = heldHandler();
  const { socket } = open(held.handler, undefined, limiter);
  socket.deliver({ stream: 0, opcode: op.STARTUP, body: stringMapBytes({ CQL_VERSION: '3.0.0', THROW_ON_OVERLOAD: 'true' }) });
  await tick();
  socket.deliver({ stream: 1, opcode: op.QUERY, body: queryBody('y'.repeat(3000)) });
  socket.deliver({ stream: 2, opcode: op.QUERY, body: queryBody('z'.repeat(3000)) });
  socket.deliver({ stream: 3, opcode: op.QUERY, body: queryBody('small') });
  await tick();
  const refused = socket.frames().find((frame) => frame.stream === 2);
  if (refused === undefined) assert.fail('stream 2 was not answered');
  assert.equal(readError(refused.body).code, 0x1001);
  assert.match(readError(refused.body).message, /native_transport_max_request_data_in_flight/);
  assert.equal(socket.paused, false);
  assert.deepEqual(held.started.map((text) => text.length), [3000, 5]);
  held.finish();
  await tick();
  assert.equal(limiter.held(), 0);
});

test('request data in flight: one request larger than the bound still runs, alone', async () => {
  const limiter = new RequestLimiter({ bytesMax: 1024, bytesPerAddressMax: 1024 });
  const held = heldHandler();
  const { socket } = open(held.handler, undefined, limiter);
  socket.deliver({ stream: 0, opcode: op.STARTUP, body: stringMapBytes({ CQL_VERSION: '3.0.0' }) });
  await tick();
  socket.deliver({ stream: 1, opcode: op.QUERY, body: queryBody('w'.repeat(5000)) });
  socket.deliver({ stream: 2, opcode: op.QUERY, body: queryBody('small') });
  await tick();
  assert.equal(held.started.length, 1);
  held.finish();
  await tick();
  assert.equal(held.started.length, 2);
  held.finish();
  await tick();
  assert.equal(limiter.held(), 0);
});

test('request data in flight: a frame is reserved from its header on, and a connection whose next frame does not fit stops reading it', async () => {
  const limiter = new RequestLimiter({ bytesMax: 1 << 20, bytesPerAddressMax: 5000 });
  const held = heldHandler();
  const first = open(held.handler, undefined, limiter);
  const second = open(held.handler, undefined, limiter);
  for (const { socket } of [first, second]) socket.deliver({ stream: 0, opcode: op.STARTUP, body: stringMapBytes({ CQL_VERSION: '3.0.0' }) });
  await tick();
  const frame = frameBytes({ stream: 1, opcode: op.QUERY, body: queryBody('x'.repeat(3000)) });
  // The header and a little of the body: the whole frame is held against the bound already.
  first.socket.deliverBytes(frame.subarray(0, 100));
  assert.equal(limiter.held('127.0.0.9'), frame.length);
  // The second connection's frame does not fit beside it: it stops reading in the middle.
  second.socket.deliverBytes(frame.subarray(0, 100));
  assert.equal(second.socket.paused, true);
  assert.equal(limiter.held('127.0.0.9'), frame.length);
  first.socket.deliverBytes(frame.subarray(100));
  await tick();
  assert.equal(held.started.length, 1);
  assert.equal(limiter.held('127.0.0.9'), frame.length);
  held.finish();
  await tick();
  // Bytes came back: the second frame is reserved and reading resumes.
  assert.equal(second.socket.paused, false);
  assert.equal(limiter.held('127.0.0.9'), frame.length);
  second.socket.deliverBytes(frame.subarray(100));
  await tick();
  assert.equal(held.started.length, 2);
  held.finish();
  await tick();
  assert.equal(limiter.held(), 0);
});

test('scheduling: a connection whose answers cannot be written starts nothing, and its place goes to another client', async () => {
  const scheduler = new RequestScheduler(1);
  const held = heldHandler();
  const stuck = open(held.handler, undefined, undefined, scheduler);
  stuck.socket.deliver({ stream: 0, opcode: op.STARTUP, body: stringMapBytes({ CQL_VERSION: '3.0.0' }) });
  await tick();
  stuck.socket.acceptWrites = false;
  stuck.socket.deliver({ stream: 1, opcode: op.QUERY, body: queryBody('first') });
  held.finish(); // its answer fills the write buffer
  await tick();
  stuck.socket.deliver({ stream: 2, opcode: op.QUERY, body: queryBody('second') });
  await tick();
  assert.deepEqual(held.started, ['first']);
  assert.equal(scheduler.runningCount, 0);
  const other = open(held.handler, undefined, undefined, scheduler);
  other.socket.deliver({ stream: 0, opcode: op.STARTUP, body: stringMapBytes({ CQL_VERSION: '3.0.0' }) });
  other.socket.deliver({ stream: 1, opcode: op.QUERY, body: queryBody('polite') });
  await tick();
  assert.deepEqual(held.started, ['first', 'polite']);
  held.finish();
  stuck.socket.drain();
  await tick();
  assert.deepEqual(held.started, ['first', 'polite', 'second']);
  held.finish();
  await tick();
  assert.equal(scheduler.runningCount, 0);
});
