import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CorruptionError } from '../../common/errors.js';
import { silentLogger, type Logger } from '../../common/world.js';
import { MemoryNetwork } from '../../../../test/harness/memory-network.js';
import { SeededRandom } from '../../../../test/harness/seeded-random.js';
import { SimulatedClock, settle } from '../../../../test/harness/simulated-clock.js';
import { internodeCoalesceBytesMax } from '../../common/limits.js';
import { encodeFrame, encodeFrameParts } from './frame.js';
import { MessagingService } from './messaging-service.js';
import { decodePreamble, encodePreamble, TcpTransport } from './tcp-transport.js';

function setup(seed = 1) {
  const clock = new SimulatedClock();
  const network = new MemoryNetwork(new SeededRandom(seed));
  const make = (endpoint: string, options: { logger?: Logger; outboundMessagesMax?: number } = {}) => {
    const transport = new TcpTransport({ network, clock, logger: options.logger ?? silentLogger, localEndpoint: endpoint, ...(options.outboundMessagesMax === undefined ? {} : { outboundMessagesMax: options.outboundMessagesMax }) });
    return { transport, messaging: new MessagingService({ transport, clock, logger: silentLogger }) };
  };
  return { clock, network, make };
}

test('preamble codec: round trip, every split point, corrupt input', () => {
  const preamble = encodePreamble('10.1.2.3:7000');
  assert.deepEqual(decodePreamble(preamble, 't'), { endpoint: '10.1.2.3:7000', length: preamble.length });
  for (let length = 0; length < preamble.length; length++) assert.equal(decodePreamble(preamble.subarray(0, length), 't'), undefined);
  const badMagic = Buffer.from(preamble);
  badMagic[0] = 0;
  assert.throws(() => decodePreamble(badMagic, 't'), CorruptionError);
  const badVersion = Buffer.from(preamble);
  badVersion[4] = 9;
  assert.throws(() => decodePreamble(badVersion, 't'), /unsupported internode version 9/);
  const longLength = Buffer.from(preamble);
  longLength.writeUInt16BE(60000, 5);
  assert.throws(() => decodePreamble(longLength, 't'), /exceeds/);
  assert.throws(() => decodePreamble(encodePreamble('not an endpoint'), 't'), /bad endpoint/);
});

test('requests and responses travel over stream connections cut at random points', async () => {
  const { clock, make } = setup();
  const a = make('10.0.0.1:7000');
  const b = make('10.0.0.2:7000');
  b.messaging.registerHandler('READ', (message) => Buffer.concat([message.payload, message.payload]));
  await a.messaging.start();
  await b.messaging.start();
  const payloads = Array.from({ length: 50 }, (_, index) => Buffer.alloc(index * 37, index));
  const responses = Promise.all(payloads.map((payload) => a.messaging.sendRequest('10.0.0.2:7000', 'READ', payload)));
  await clock.advance(10);
  const answered = await responses;
  answered.forEach((response, index) => assert.equal(response.payload.length, index * 74));
  assert.equal(answered[0]?.from, '10.0.0.2:7000', 'the peer is named by its preamble, not its source port');
});

test('frames wait while the peer is unreachable and flow after reconnecting with backoff', async () => {
  const { clock, network, make } = setup(2);
  const a = make('10.0.0.1:7000');
  const b = make('10.0.0.2:7000');
  const seen: string[] = [];
  b.messaging.registerHandler('GOSSIP_DIGEST_SYN', (message) => { seen.push(message.payload.toString()); return undefined; });
  await a.messaging.start();
  network.setReachable('10.0.0.2', false);
  await b.messaging.start();
  assert.ok(a.messaging.send('10.0.0.2:7000', 'GOSSIP_DIGEST_SYN', Buffer.from('one')));
  assert.ok(a.messaging.send('10.0.0.2:7000', 'GOSSIP_DIGEST_SYN', Buffer.from('two')));
  await clock.advance(1_000);
  assert.deepEqual(seen, []);
  network.setReachable('10.0.0.2', true);
  await clock.advance(5_000);
  assert.deepEqual(seen, ['one', 'two']);
  network.breakAll();
  await settle();
  assert.ok(a.messaging.send('10.0.0.2:7000', 'GOSSIP_DIGEST_SYN', Buffer.from('three')));
  await clock.advance(1_000);
  assert.deepEqual(seen, ['one', 'two', 'three']);
});

test('the outbound queue is bounded per peer', async () => {
  const { network, make } = setup(3);
  const a = make('10.0.0.1:7000', { outboundMessagesMax: 2 });
  await a.messaging.start();
  network.setReachable('10.0.0.9', false);
  const frame = encodeFrame({ verb: 'GOSSIP_DIGEST_SYN', id: 0, flags: 0, payload: Buffer.alloc(1) });
  assert.equal(a.transport.send('10.0.0.9:7000', [frame]), true);
  assert.equal(a.transport.send('10.0.0.9:7000', [frame]), true);
  assert.equal(a.transport.send('10.0.0.9:7000', [frame]), false);
  assert.equal(a.transport.send('not an endpoint', [frame]), false);
  await a.transport.close();
  assert.equal(a.transport.send('10.0.0.9:7000', [frame]), false);
});

test('a connection sending garbage is closed and logged; others keep working', async () => {
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (message) => { warnings.push(message); }, child: () => logger };
  const { clock, network, make } = setup(4);
  const b = make('10.0.0.2:7000', { logger });
  b.messaging.registerHandler('ECHO', () => undefined);
  await b.messaging.start();
  const rogue = await network.connect({ host: '10.0.0.2', port: 7000 });
  let closed = false;
  rogue.onClose(() => { closed = true; });
  rogue.write(Buffer.concat([encodePreamble('10.0.0.66:7000'), Buffer.from('this is not a frame at all')]));
  await clock.advance(10);
  assert.ok(closed);
  assert.deepEqual(warnings, ['closing bad internode connection']);
  const a = make('10.0.0.1:7000');
  await a.messaging.start();
  const response = clock.advance(10).then(() => undefined);
  await Promise.all([a.messaging.sendRequest('10.0.0.2:7000', 'ECHO', Buffer.alloc(0)), response]);
});

test('a connect that never completes times out and is retried', async () => {
  const clock = new SimulatedClock();
  const network = new MemoryNetwork(new SeededRandom(5));
  let hangs = 1;
  const hanging = {
    listen: network.listen.bind(network),
    connect: (options: { host: string; port: number }) => (hangs-- > 0 ? new Promise<never>(() => undefined) : network.connect(options)),
  };
  const a = new TcpTransport({ network: hanging, clock, logger: silentLogger, localEndpoint: '10.0.0.1:7000' });
  const b = new TcpTransport({ network, clock, logger: silentLogger, localEndpoint: '10.0.0.2:7000' });
  const received: string[] = [];
  await a.start(() => undefined);
  await b.start((from) => { received.push(from); });
  const frame = encodeFrame({ verb: 'GOSSIP_DIGEST_SYN', id: 0, flags: 0, payload: Buffer.alloc(1) });
  assert.ok(a.send('10.0.0.2:7000', [frame]));
  await clock.advance(1_999);
  assert.deepEqual(received, []);
  await clock.advance(200);
  assert.deepEqual(received, ['10.0.0.1:7000']);
});

test('socket back-pressure holds frames in the queue until the drain, in order', async () => {
  const clock = new SimulatedClock();
  const network = new MemoryNetwork(new SeededRandom(6), { writeBufferBytes: 100 });
  const a = new TcpTransport({ network, clock, logger: silentLogger, localEndpoint: '10.0.0.1:7000' });
  const b = new TcpTransport({ network, clock, logger: silentLogger, localEndpoint: '10.0.0.2:7000' });
  const received: number[] = [];
  await a.start(() => undefined);
  await b.start((_from, frame) => { received.push(frame.readUInt8(20)); });
  for (let index = 0; index < 50; index++) {
    assert.ok(a.send('10.0.0.2:7000', [encodeFrame({ verb: 'GOSSIP_DIGEST_SYN', id: 0, flags: 0, payload: Buffer.alloc(60, index) })]));
  }
  await clock.advance(10);
  assert.deepEqual(received, Array.from({ length: 50 }, (_, index) => index));
});

/** Two transports over a memory network; the sizes of a's socket writes are recorded. */
function countingWrites(seed: number) {
  const clock = new SimulatedClock();
  const network = new MemoryNetwork(new SeededRandom(seed));
  const writes: number[] = [];
  const counting = {
    listen: network.listen.bind(network),
    connect: async (options: { host: string; port: number }) => {
      const connection = await network.connect(options);
      const write = connection.write.bind(connection);
      return Object.assign(connection, { write: (data: Uint8Array) => { writes.push(data.length); return write(data); } });
    },
  };
  const a = new TcpTransport({ network: counting, clock, logger: silentLogger, localEndpoint: '10.0.0.1:7000' });
  const b = new TcpTransport({ network, clock, logger: silentLogger, localEndpoint: '10.0.0.2:7000' });
  return { clock, writes, a, b };
}

test('the frames of one turn leave in one socket write; a later turn writes again', async () => {
  const { clock, writes, a, b } = countingWrites(7);
  const received: number[] = [];
  await a.start(() => undefined);
  await b.start((_from, frame) => { received.push(frame.readUInt8(20)); });
  const frame = (index: number) => encodeFrameParts({ verb: 'GOSSIP_DIGEST_SYN', id: 0, flags: 0, payload: Buffer.alloc(10, index) });
  assert.ok(a.send('10.0.0.2:7000', frame(0)));
  await clock.advance(10);
  assert.deepEqual(received, [0]);
  writes.length = 0;
  // A frame sent by work already queued in this turn (a microtask ahead of the flush) joins the batch.
  queueMicrotask(() => assert.ok(a.send('10.0.0.2:7000', frame(21))));
  for (let index = 1; index <= 20; index++) assert.ok(a.send('10.0.0.2:7000', frame(index)));
  await clock.advance(10);
  assert.deepEqual(writes, [21 * 34], 'one write of 21 frames of 34 bytes');
  assert.ok(a.send('10.0.0.2:7000', frame(22)));
  await clock.advance(10);
  assert.deepEqual(writes, [21 * 34, 34]);
  assert.deepEqual(received, Array.from({ length: 23 }, (_, index) => index));
  await a.close();
  await b.close();
});

test('a batch past the coalescing bound is written at once, without waiting for the turn to end', async () => {
  const { clock, writes, a, b } = countingWrites(8);
  let received = 0;
  await a.start(() => undefined);
  await b.start(() => { received++; });
  assert.ok(a.send('10.0.0.2:7000', encodeFrameParts({ verb: 'GOSSIP_DIGEST_SYN', id: 0, flags: 0, payload: Buffer.alloc(1) })));
  await clock.advance(10);
  writes.length = 0;
  const big = Buffer.alloc(internodeCoalesceBytesMax / 2);
  for (let index = 0; index < 3; index++) assert.ok(a.send('10.0.0.2:7000', encodeFrameParts({ verb: 'GOSSIP_DIGEST_SYN', id: 0, flags: 0, payload: big })));
  assert.equal(writes.length, 1, 'the second frame took the batch past the bound: written synchronously');
  await clock.advance(10);
  assert.equal(writes.length, 2);
  assert.equal(received, 4);
  await a.close();
  await b.close();
});
