// A minimal native-protocol client for the server's tests. Frames are built and read here
// byte by byte from the spec, independently of the protocol module's codecs, so that a bug in
// those codecs cannot hide in a matching bug in the tests. (Named *.test.ts because it is
// test-only code: it may use sockets and timers, which the lint rules allow in tests alone.)

import { connect, createServer, type Socket } from 'node:net';
import type { Clock, Connection, Network } from '../common/world.js';

export interface RawFrame {
  version: number;
  flags: number;
  stream: number;
  opcode: number;
  body: Buffer;
}

export const op = {
  ERROR: 0x00, STARTUP: 0x01, READY: 0x02, AUTHENTICATE: 0x03, OPTIONS: 0x05, SUPPORTED: 0x06, QUERY: 0x07,
  RESULT: 0x08, PREPARE: 0x09, EXECUTE: 0x0a, REGISTER: 0x0b, EVENT: 0x0c, BATCH: 0x0d,
} as const;

export function frameBytes(frame: { version?: number; flags?: number; stream: number; opcode: number; body?: Buffer }): Buffer {
  const body = frame.body ?? Buffer.alloc(0);
  const header = Buffer.alloc(9);
  header.writeUInt8(frame.version ?? 4, 0);
  header.writeUInt8(frame.flags ?? 0, 1);
  header.writeInt16BE(frame.stream, 2);
  header.writeUInt8(frame.opcode, 4);
  header.writeInt32BE(body.length, 5);
  return Buffer.concat([header, body]);
}

export function stringBytes(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

export function longStringBytes(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function shortBytes(value: number): Buffer {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(value);
  return bytes;
}

export function stringMapBytes(entries: Record<string, string>): Buffer {
  const parts = [shortBytes(Object.keys(entries).length)];
  for (const [key, value] of Object.entries(entries)) parts.push(stringBytes(key), stringBytes(value));
  return Buffer.concat(parts);
}

export function stringListBytes(items: string[]): Buffer {
  return Buffer.concat([shortBytes(items.length), ...items.map(stringBytes)]);
}

/** QUERY body: the text, consistency ONE, no flags. */
export function queryBody(query: string): Buffer {
  return Buffer.concat([longStringBytes(query), shortBytes(0x0001), Buffer.from([0])]);
}

export function readString(body: Buffer, offset: number): { value: string; offset: number } {
  const length = body.readUInt16BE(offset);
  return { value: body.toString('utf8', offset + 2, offset + 2 + length), offset: offset + 2 + length };
}

export function readError(body: Buffer): { code: number; message: string } {
  return { code: body.readInt32BE(0), message: readString(body, 4).value };
}

export function readStringMultimap(body: Buffer): Map<string, string[]> {
  const map = new Map<string, string[]>();
  let offset = 2;
  for (let entry = body.readUInt16BE(0); entry > 0; entry--) {
    const key = readString(body, offset);
    const count = body.readUInt16BE(key.offset);
    offset = key.offset + 2;
    const values: string[] = [];
    for (let index = 0; index < count; index++) {
      const value = readString(body, offset);
      values.push(value.value);
      offset = value.offset;
    }
    map.set(key.value, values);
  }
  return map;
}

export class TestClient {
  private buffer = Buffer.alloc(0);
  private readonly frames: RawFrame[] = [];
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.cut();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port }, () => resolve(new TestClient(socket)));
      socket.once('error', reject);
    });
  }

  send(frame: Parameters<typeof frameBytes>[0]): void {
    this.socket.write(frameBytes(frame));
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next frame, or null if the server closed the connection first. */
  async next(timeoutMs = 2000): Promise<RawFrame | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.closed) return null;
      if (Date.now() > deadline) throw new Error('no frame in time');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 20);
      });
    }
    return this.frames.shift() ?? null;
  }

  async expect(timeoutMs = 2000): Promise<RawFrame> {
    const frame = await this.next(timeoutMs);
    if (frame === null) throw new Error('connection closed before a frame arrived');
    return frame;
  }

  /** Resolves when the server has closed the connection. */
  async waitClosed(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection not closed in time');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** STARTUP and READY. */
  async startup(options: Record<string, string> = { CQL_VERSION: '3.0.0' }): Promise<RawFrame> {
    this.send({ stream: 0, opcode: op.STARTUP, body: stringMapBytes(options) });
    return this.expect();
  }

  close(): void {
    this.socket.destroy();
  }

  private cut(): void {
    while (this.buffer.length >= 9) {
      const length = this.buffer.readInt32BE(5);
      if (this.buffer.length < 9 + length) break;
      this.frames.push({
        version: this.buffer.readUInt8(0),
        flags: this.buffer.readUInt8(1),
        stream: this.buffer.readInt16BE(2),
        opcode: this.buffer.readUInt8(4),
        body: this.buffer.subarray(9, 9 + length),
      });
      this.buffer = this.buffer.subarray(9 + length);
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

// The layering rules keep platform/ out of transport's reach, tests included, so the server
// tests run on these small stand-ins for the real Clock and Network.

export const testClock: Clock = {
  nowMs: () => Date.now(),
  nowMicros: () => Date.now() * 1000,
  monotonicMs: () => performance.now(),
  setTimer(delayMs, fn) {
    const timer = setTimeout(fn, delayMs);
    return { cancel: () => clearTimeout(timer) };
  },
  sleep: (delayMs) => new Promise((resolve) => setTimeout(resolve, delayMs)),
  yieldToEventLoop: () => new Promise((resolve) => setImmediate(resolve)),
};

function socketConnection(socket: Socket): Connection {
  return {
    remoteAddress: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
    localAddress: socket.localAddress ?? '',
    write: (data) => socket.write(data),
    onData: (listener) => void socket.on('data', listener),
    onDrain: (listener) => void socket.on('drain', listener),
    onClose: (listener) => void socket.on('close', () => listener()),
    pause: () => void socket.pause(),
    resume: () => void socket.resume(),
    end: () => void socket.end(),
    destroy: () => void socket.destroy(),
  };
}

export const testNetwork: Network = {
  listen: (options, onConnection) =>
    new Promise((resolve) => {
      const server = createServer((socket) => {
        socket.on('error', () => undefined);
        onConnection(socketConnection(socket));
      });
      server.listen(options.port, options.host, () => {
        const address = server.address();
        const port = typeof address === 'object' && address !== null ? address.port : 0;
        resolve({ host: options.host, port, close: () => new Promise<void>((done) => done(void server.close())) });
      });
    }),
  connect: () => Promise.reject(new Error('not used by the server tests')),
};
