// Counters, Cassandra's way: a counter's value is the sum of shards, one per replica that has
// led an increment (counter id = its host id), each with a clock and that replica's running
// total. An increment goes to a leader replica (this node when it replicates the key, else the
// closest live one, COUNTER_MUTATION): under a per-partition lock, the leader reads its own
// shard from its storage, adds the delta, writes the new total at a newer clock to itself,
// then replicates that shard through the ordinary write path at the request's level. Replicas
// reconcile shards by the highest clock per counter id, and a read sums the shards.
//
// The storage engine knows nothing of counters: a shard is a cell of its own, named
// `<column>\0<counter id>`, whose timestamp is the shard's clock and whose value the 8-byte
// total, so last-write-wins per cell is exactly "the highest clock per counter id wins", and
// read repair, hints, streaming and repair move shards as any cells. Reads fold the shards of
// a column into one cell holding their sum (foldCounterShards).

import { KeyedQueue } from '../common/keyed-queue.js';
import { CqlError, InternodeError, invalidRequest, unavailable, writeTimeout } from '../common/errors.js';
import { ConsistencyLevel, isConsistencyLevel } from '../common/consistency.js';
import type { Clock, Logger } from '../common/world.js';
import type { Endpoint } from '../cluster/endpoint.js';
import type { MessagingService } from '../cluster/messaging/messaging-service.js';
import type { ReplicaStore } from '../cluster/replica-verbs.js';
import { ByteReader, ByteWriter, decodeMutation, encodeMutation } from '../storage/mutation-serializer.js';
import { mutationBytesMax } from '../common/limits.js';
import { rowSlice } from '../schema/clustering-key.js';
import { NO_DELETION_TIME, type Cell, type Mutation, type ReadResult, type Row, type SinglePartitionReadCommand } from '../storage/types.js';

const SHARD_SEPARATOR = '\u0000';

export function shardColumn(column: string, counterId: string): string {
  return `${column}${SHARD_SEPARATOR}${counterId}`;
}

/** The column a shard cell belongs to, or undefined for an ordinary cell. */
function shardOwner(cellColumn: string): string | undefined {
  const at = cellColumn.indexOf(SHARD_SEPARATOR);
  return at < 0 ? undefined : cellColumn.slice(0, at);
}

function int64(value: bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigInt64BE(BigInt.asIntN(64, value), 0);
  return out;
}

function readInt64(value: Buffer | null): bigint {
  return value === null || value.length !== 8 ? 0n : value.readBigInt64BE(0);
}

/** A row's cells with each counter column's shards folded into one cell: their sum, at the newest clock. */
export function foldCounterShards(cells: readonly Cell[]): Cell[] {
  if (!cells.some((cell) => shardOwner(cell.column) !== undefined)) return [...cells];
  const sums = new Map<string, { total: bigint; timestampMicros: number }>();
  const out: Cell[] = [];
  for (const cell of cells) {
    const owner = shardOwner(cell.column);
    if (owner === undefined) { out.push(cell); continue; }
    if (cell.value === null) continue;
    const sum = sums.get(owner) ?? { total: 0n, timestampMicros: 0 };
    sum.total += readInt64(cell.value);
    sum.timestampMicros = Math.max(sum.timestampMicros, cell.timestampMicros);
    sums.set(owner, sum);
  }
  for (const [column, sum] of sums) {
    out.push({ column, timestampMicros: sum.timestampMicros, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: int64(sum.total) });
  }
  return out.sort((a, b) => (a.column < b.column ? -1 : a.column > b.column ? 1 : 0));
}

/** COUNTER_MUTATION := consistency u16 | mutation (storage layout; cells hold 8-byte deltas). */
export function encodeCounterMutation(mutation: Mutation, level: ConsistencyLevel): Buffer {
  const writer = new ByteWriter();
  writer.u16(level);
  writer.bytes(encodeMutation(mutation));
  return writer.finish();
}

export function decodeCounterMutation(payload: Buffer, source: string): { mutation: Mutation; level: ConsistencyLevel } {
  const reader = new ByteReader(payload, source);
  const level = reader.u16('consistency');
  if (!isConsistencyLevel(level)) throw reader.corrupt(`unknown consistency ${level}`);
  if (payload.length - 2 > mutationBytesMax) throw reader.corrupt('counter mutation too large');
  return { level, mutation: decodeMutation(payload.subarray(2), { source, offset: 2 }) };
}

/** What the leader needs of the coordinator. */
export interface CounterWritePath {
  mutate(mutations: readonly Mutation[], level: ConsistencyLevel, options: { writeType?: 'COUNTER' }): Promise<void>;
}

export interface CounterLeaderOptions {
  clock: Clock;
  logger: Logger;
  /** This node's host id: the counter id of the shards it leads. */
  counterId: string;
  store: Pick<ReplicaStore, 'apply' | 'read'>;
  writePath: CounterWritePath;
  /** A read through the coordinator at a level (the first increment of a partition after a start recovers the shard from the replicas). */
  read(command: SinglePartitionReadCommand, level: ConsistencyLevel): Promise<ReadResult>;
}

/** Partitions remembered as led since the start; past it the set is cleared (they are recovered again, only slower). */
const ledPartitionsMax = 100_000;

/** The leader's part: turn deltas into this node's new shards, apply them here, replicate them. */
export class CounterLeader {
  private readonly queue = new KeyedQueue();
  private lastClockMicros = 0;
  /**
   * Partitions this node led since it started. Its own shard is read from its storage only for
   * these: a crash can lose the last writes of a periodic commit log, but every acknowledged
   * increment's shard is on the replicas the level counted, so the first increment after a
   * start reads the shard through the coordinator (QUORUM, or LOCAL_QUORUM for local levels).
   */
  private readonly led = new Set<string>();

  constructor(private readonly options: CounterLeaderOptions) {}

  async apply(deltas: Mutation, level: ConsistencyLevel): Promise<void> {
    const id = `${deltas.tableId}:${deltas.key.toString('hex')}`;
    const shards = await this.serially(id, async () => {
      const recover = !this.led.has(id);
      const rows: Row[] = [];
      for (const row of deltas.rows) rows.push(await this.nextShards(deltas, row, { recover, level }));
      const shardMutation: Mutation = { ...deltas, partitionDeletion: null, rangeTombstones: [], rows };
      await this.options.store.apply([shardMutation]);
      if (this.led.size >= ledPartitionsMax) this.led.clear();
      this.led.add(id);
      return shardMutation;
    });
    await this.options.writePath.mutate([shards], level, { writeType: 'COUNTER' });
  }

  private async currentRow(command: SinglePartitionReadCommand, { recover, level }: { recover: boolean; level: ConsistencyLevel }): Promise<ReadResult> {
    if (!recover) return this.options.store.read(command);
    const local = level === ConsistencyLevel.LOCAL_ONE || level === ConsistencyLevel.LOCAL_QUORUM;
    try {
      return await this.options.read(command, local ? ConsistencyLevel.LOCAL_QUORUM : ConsistencyLevel.QUORUM);
    } catch (error) {
      // Too few replicas for a quorum: this node's own storage is all there is (as with ONE writes).
      if (!(error instanceof CqlError)) throw error;
      this.options.logger.debug('counter shard not recovered from the replicas; using the local one', { reason: error.message });
      return this.options.store.read(command);
    }
  }

  private async nextShards(deltas: Mutation, row: Row, how: { recover: boolean; level: ConsistencyLevel }): Promise<Row> {
    const current = await this.currentRow({
      kind: 'single', tableId: deltas.tableId, key: deltas.key, token: deltas.token, reversed: false, columns: 'all',
      slices: [rowSlice(row.clustering)],
      rowLimit: 1, perPartitionRowLimit: 1, nowSeconds: Math.floor(this.options.clock.nowMs() / 1000), includeTombstones: false,
    }, how);
    const existing = current.partitions[0]?.rows.find((r) => r.clustering.equals(row.clustering))?.cells ?? [];
    const cells: Cell[] = row.cells.map((delta) => {
      const column = shardColumn(delta.column, this.options.counterId);
      const mine = existing.find((cell) => cell.column === column);
      const clock = Math.max(this.options.clock.nowMicros(), (mine?.timestampMicros ?? 0) + 1, this.lastClockMicros + 1);
      this.lastClockMicros = clock;
      const total = readInt64(mine?.value ?? null) + readInt64(delta.value);
      return { column, timestampMicros: clock, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: int64(total) };
    });
    return { clustering: row.clustering, liveness: null, deletion: null, cells: cells.sort((a, b) => (a.column < b.column ? -1 : 1)) };
  }

  private serially<T>(id: string, work: () => Promise<T>): Promise<T> {
    return this.queue.run(id, work);
  }
}

export function registerCounterVerbs(messaging: Pick<MessagingService, 'registerHandler'>, leader: CounterLeader): void {
  messaging.registerHandler('COUNTER_MUTATION', async (message) => {
    const { mutation, level } = decodeCounterMutation(message.payload, `COUNTER_MUTATION from ${message.from}`);
    await leader.apply(mutation, level);
    return undefined;
  });
}

/** The coordinator's part: send each partition's deltas to a leader replica. */
export async function sendToLeader(
  mutation: Mutation,
  { level, blockFor, replicas, localEndpoint, leader, messaging, logger, timeoutMs }: {
    level: ConsistencyLevel; blockFor: number; replicas: readonly Endpoint[]; localEndpoint: Endpoint; leader: CounterLeader | undefined;
    messaging: Pick<MessagingService, 'sendRequest'>; logger: Logger; timeoutMs: number;
  },
): Promise<void> {
  if (level === ConsistencyLevel.ANY) throw invalidRequest(`Consistency level ANY is not yet supported for counter table ${mutation.tableId}`);
  if (replicas.length === 0) throw unavailable(level, 1, 0);
  const chosen = replicas[0]!;
  if (chosen === localEndpoint) {
    if (leader === undefined) throw invalidRequest('Counters are not available on this node');
    await leader.apply(mutation, level);
    return;
  }
  try {
    await messaging.sendRequest(chosen, 'COUNTER_MUTATION', encodeCounterMutation(mutation, level), { timeoutMs });
  } catch (error) {
    if (!(error instanceof InternodeError)) throw error;
    // The leader may have applied its shard before failing: the outcome is unknown, a timeout.
    logger.debug('counter leader failed', { endpoint: chosen, reason: error.message });
    throw writeTimeout(level, 0, blockFor, 'COUNTER');
  }
}
