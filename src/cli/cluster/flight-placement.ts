// Where a flight's partitions live, computed as the database does (pure): the Murmur3 token of
// the partition key (flight_number text, date date), serialized as Cassandra's CompositeType,
// and the replicas the keyspace's replication places on the ring for that token. The cluster
// panel shows it for the selected flight, with the consistency each table is used at.

import { murmur3Token } from '../../db/dht/murmur3.js';
import type { Token } from '../../db/dht/token.js';
import { networkTopologyReplicas, simpleStrategyReplicas, type RingView } from '../../db/cluster/ring/replication-strategy.js';
import { serializePartitionKey } from '../../db/schema/partition-key.js';
import type { ReplicationOptions } from '../../flights/model/schema.js';

/** One node's place in the ring, as gossip reports it. */
export interface RingMember {
  address: string;
  dataCenter: string;
  rack: string;
  tokens: readonly string[];
}

const msPerDay = 86_400_000;
/** CQL `date`: days since the epoch as an unsigned 32-bit integer centred on 2^31. */
const dateEpochOffsetDays = 2 ** 31;

export function cqlDateBytes(date: string): Buffer {
  const days = Math.floor(Date.parse(`${date}T00:00:00Z`) / msPerDay);
  if (!Number.isSafeInteger(days)) throw new RangeError(`not a date: ${date}`);
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(days + dateEpochOffsetDays);
  return bytes;
}

/** The token of a (flight_number, date) partition: flight_status and flight_tracking share it. */
export function flightPartitionToken(flight: { flightNumber: string; date: string }): Token {
  return murmur3Token(serializePartitionKey([Buffer.from(flight.flightNumber, 'utf8'), cqlDateBytes(flight.date)]));
}

/** A RingView over gossip's members; null when no member reports tokens. */
export function ringOf(members: readonly RingMember[]): RingView | null {
  const owners = new Map<Token, string>();
  for (const member of members) for (const token of member.tokens) owners.set(BigInt(token), member.address);
  if (owners.size === 0) return null;
  const sorted = [...owners.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const locations = new Map(members.map((member) => [member.address, { dataCenter: member.dataCenter, rack: member.rack }]));
  return {
    sortedTokens: () => sorted,
    tokenOwner: (token) => owners.get(token) ?? '',
    endpoints: () => members.filter((member) => member.tokens.length > 0).map((member) => member.address),
    location: (endpoint) => locations.get(endpoint) ?? { dataCenter: 'datacenter1', rack: 'rack1' },
  };
}

/** The replicas of a token under the app keyspace's replication, primary first. */
export function replicasOf(ring: RingView, options: { token: Token; replication: ReplicationOptions }): string[] {
  const { replication, token } = options;
  if (replication.strategy === 'SimpleStrategy') return simpleStrategyReplicas(ring, { token, factor: replication.replicationFactor });
  const factors = new Map([[replication.dataCenter ?? 'datacenter1', replication.replicationFactor]]);
  return networkTopologyReplicas(ring, { token, factors });
}

export function describeReplication(replication: ReplicationOptions): string {
  return replication.strategy === 'SimpleStrategy'
    ? `SimpleStrategy, replication_factor ${replication.replicationFactor}`
    : `NetworkTopologyStrategy, ${replication.dataCenter ?? 'datacenter1'}: ${replication.replicationFactor}`;
}
