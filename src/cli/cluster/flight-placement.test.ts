// The flight's token agrees with the one the DataStax driver computes for token-aware routing
// (its own date encoder and Murmur3 tokenizer), and replicas walk the ring as SimpleStrategy does.

import test from 'node:test';
import assert from 'node:assert/strict';
import cassandra from 'cassandra-driver';
// @ts-expect-error: the driver ships no types for its tokenizer module.
import tokenizers from 'cassandra-driver/lib/tokenizer.js';
import { flightPartitionToken, replicasOf, ringOf } from './flight-placement.js';

interface DriverTokenizer { hash(value: Buffer): { getValue(): { toString(): string } } }
const driverTokenizer = new (tokenizers as { Murmur3Tokenizer: new () => DriverTokenizer }).Murmur3Tokenizer();
// The driver's encoder is public at run time but not in its typings.
const encoder = new (cassandra as unknown as { Encoder: new (version: number, options: object) => { encode(value: unknown, type: number): Buffer } }).Encoder(4, {});

/** CompositeType as the driver's routing key: [u16 length][bytes][0x00] per component. */
function composite(parts: Buffer[]): Buffer {
  return Buffer.concat(parts.flatMap((part) => [Buffer.from([part.length >> 8, part.length & 0xff]), part, Buffer.from([0])]));
}

test('the token of (flight_number, date) is the driver\'s', () => {
  for (const [flightNumber, date] of [['TS1', '2026-07-01'], ['AR1234', '1970-01-01'], ['IBE6251', '1969-12-31'], ['LA800', '2099-02-28']] as const) {
    const dateBytes = encoder.encode(cassandra.types.LocalDate.fromString(date), cassandra.types.dataTypes.date);
    const expected = driverTokenizer.hash(composite([Buffer.from(flightNumber), dateBytes])).getValue().toString();
    assert.equal(flightPartitionToken({ flightNumber, date }).toString(), expected, `${flightNumber} ${date}`);
  }
});

test('replicas are the distinct owners clockwise from the token', () => {
  const ring = ringOf([
    { address: '127.0.0.1', dataCenter: 'datacenter1', rack: 'rack1', tokens: ['-100', '300'] },
    { address: '127.0.0.2', dataCenter: 'datacenter1', rack: 'rack1', tokens: ['0', '400'] },
    { address: '127.0.0.3', dataCenter: 'datacenter1', rack: 'rack1', tokens: ['100'] },
    { address: '127.0.0.4', dataCenter: 'datacenter1', rack: 'rack1', tokens: ['200'] },
  ]);
  assert.ok(ring !== null);
  const simple = (token: bigint, factor: number) => replicasOf(ring, { token, replication: { strategy: 'SimpleStrategy', replicationFactor: factor } });
  assert.deepEqual(simple(50n, 3), ['127.0.0.3', '127.0.0.4', '127.0.0.1']);
  assert.deepEqual(simple(350n, 3), ['127.0.0.2', '127.0.0.1', '127.0.0.3'], 'wraps past the last token');
  assert.deepEqual(simple(0n, 1), ['127.0.0.2'], 'a token owns (previous, token]');
  assert.deepEqual(replicasOf(ring, { token: 50n, replication: { strategy: 'NetworkTopologyStrategy', replicationFactor: 2, dataCenter: 'datacenter1' } }), ['127.0.0.3', '127.0.0.4']);
  assert.equal(ringOf([{ address: '127.0.0.1', dataCenter: 'dc', rack: 'r', tokens: [] }]), null);
});
