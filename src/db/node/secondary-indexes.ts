// Native secondary indexes on a node (Cassandra's CassandraIndex and SecondaryIndexManager):
// each index keeps a local storage table whose partitions are the indexed values and whose
// rows name the base rows holding them (token, partition key, clustering), so that an index
// query reads only the partitions listed for its value.
//
// - Writes: every mutation of an indexed table is applied with its index entries, written
//   first (a crash in between leaves an extra entry, never a missing one). An entry carries
//   the timestamp and TTL of the cell it indexes.
// - Deletes, overwrites and expiry write nothing to the index: as in Cassandra, stale entries
//   are filtered at read time. Here the replica returns the whole listed partitions (within
//   the query's slices) and the coordinator evaluates the restriction on the merged rows.
// - Building: an index created on a table with data is built in the background by scanning
//   the local base table; a marker row in the index table records it built, so a restart
//   does not build again. Until built, index queries on this node scan the range instead.

import { invalidRequest } from '../common/errors.js';
import type { Logger } from '../common/world.js';
import type { ReplicaStore } from '../cluster/replica-verbs.js';
import { entryIndexValue } from '../cql/restrictions.js';
import { murmur3Token } from '../dht/murmur3.js';
import { MIN_TOKEN } from '../dht/token.js';
import { CLUSTERING_RANGE_END, CLUSTERING_RANGE_START, decodeClustering } from '../schema/clustering-key.js';
import { indexTableId, tableIndexList } from '../schema/indexes.js';
import type { IndexMetadata, TableMetadata } from '../schema/metadata.js';
import { splitPartitionKey } from '../schema/partition-key.js';
import type { Schema } from '../schema/schema.js';
import type { StorageEngine } from '../storage/engine.js';
import {
  NO_DELETION_TIME, type Cell, type FlushHold, type LivenessInfo, type Mutation, type Partition, type PartitionPosition, type PartitionRangeReadCommand,
  type ReadCommand, type ReadResult, type Row,
} from '../storage/types.js';

/** Index rows sort inside the full clustering slice: the built marker, then the entries. */
const MARKER_PREFIX = 0x30;
const ENTRY_PREFIX = 0x40;
const BUILT_MARKER = Buffer.from([MARKER_PREFIX, 0x62, 0x75, 0x69, 0x6c, 0x74]);
/** The partition of the built marker; entry partitions start with 0x01 (an indexed value may be empty). */
const MARKER_PARTITION = Buffer.from([0x00]);
const FULL_SLICE = [{ start: CLUSTERING_RANGE_START, end: CLUSTERING_RANGE_END }];
/** Base partitions read per step while building an index. */
const buildPagePartitions = 256;

type Store = ReplicaStore & Pick<StorageEngine, 'hasTable' | 'scan' | 'cleanup'>;

interface Entry {
  value: Buffer;
  clustering: Buffer;
  liveness: LivenessInfo;
}

export class SecondaryIndexes implements ReplicaStore {
  /** Index tables known built (marker read or written). */
  private readonly built = new Set<string>();
  private readonly building = new Map<string, Promise<void>>();

  constructor(private readonly options: { storage: Store; schema: Schema; logger: Logger; nowSeconds: () => number }) {}

  async apply(mutations: Mutation[], encoded?: Buffer, flushHold?: FlushHold): Promise<void> {
    const entries: Mutation[] = [];
    for (const mutation of mutations) {
      const table = this.options.schema.findTableById(mutation.tableId);
      if (table?.indexes !== undefined && table.indexes.size > 0) entries.push(...this.indexMutations(table, mutation));
    }
    if (entries.length > 0) await this.options.storage.apply(entries);
    await this.options.storage.apply(mutations, encoded, flushHold);
  }

  /** The base table's partitions as stored (repair and streaming read through here). */
  scan(tableId: string, start: PartitionPosition, end: PartitionPosition): AsyncIterable<Partition> {
    return this.options.storage.scan(tableId, start, end);
  }

  /**
   * nodetool cleanup of one table and its indexes: the base partitions whose token `keep`
   * refuses are dropped, and so are the index entries naming them (Cassandra's cleanup removes
   * a dropped partition's rows from its indexes). Returns how many of each were dropped.
   */
  async cleanup(tableId: string, keep: (token: bigint) => boolean): Promise<{ partitions: number; indexEntries: number }> {
    const partitions = await this.options.storage.cleanup(tableId, keep);
    let indexEntries = 0;
    const table = this.options.schema.findTableById(tableId);
    for (const index of table === undefined ? [] : tableIndexList(table)) {
      const id = indexTableId(table!.id, index.name);
      if (!this.options.storage.hasTable(id)) continue;
      // Index partitions are values: every one is kept, and its entries are filtered by the token they name.
      indexEntries += await this.options.storage.cleanup(id, () => true, {
        keepRow: (row) => {
          const entry = decodeEntry(row.clustering);
          return entry === null || keep(entry.token);
        },
      });
    }
    return { partitions, indexEntries };
  }

  async truncate(tableId: string): Promise<void> {
    await this.options.storage.truncate(tableId);
    const table = this.options.schema.findTableById(tableId);
    for (const index of table === undefined ? [] : tableIndexList(table)) {
      const id = indexTableId(table!.id, index.name);
      if (!this.options.storage.hasTable(id)) continue;
      await this.options.storage.truncate(id);
      await this.markBuilt(table!, id);
    }
  }

  async read(command: ReadCommand): Promise<ReadResult> {
    if (command.kind !== 'range' || command.index === undefined) return this.options.storage.read(command);
    const plain: PartitionRangeReadCommand = { ...command };
    delete plain.index;
    const table = this.options.schema.findTableById(command.tableId);
    const index = table?.indexes?.get(command.index.name);
    if (table === undefined || index === undefined) throw invalidRequest(`Index '${command.index.name}' could not be found`);
    const id = indexTableId(table.id, index.name);
    // Not built here yet, or resuming inside a partition: the plain range read is as correct.
    if (command.afterClustering !== undefined || !(await this.isBuilt(id))) return this.options.storage.read(plain);
    return this.readIndexed(plain, { id, value: command.index.value });
  }

  /** Starts building every index whose table exists and is not built yet (after schema changes and at start). */
  buildMissing(): void {
    for (const keyspace of this.options.schema.allKeyspaces()) {
      if (keyspace.virtual) continue;
      for (const table of keyspace.tables.values()) {
        for (const index of tableIndexList(table)) {
          const id = indexTableId(table.id, index.name);
          if (this.built.has(id) || this.building.has(id) || !this.options.storage.hasTable(id)) continue;
          const work = this.build(table, index, id).catch((error: unknown) => {
            this.options.logger.warn('secondary index build failed; index queries scan until it is built', { index: index.name, error: String(error) });
          }).finally(() => this.building.delete(id));
          this.building.set(id, work);
        }
      }
    }
  }

  /** The indexes built on this node (system."IndexInfo"), as far as this process has seen their markers. */
  builtIndexes(): Array<{ keyspace: string; index: string }> {
    const out: Array<{ keyspace: string; index: string }> = [];
    for (const keyspace of this.options.schema.allKeyspaces()) {
      for (const table of keyspace.virtual ? [] : keyspace.tables.values()) {
        for (const index of tableIndexList(table)) if (this.built.has(indexTableId(table.id, index.name))) out.push({ keyspace: keyspace.name, index: index.name });
      }
    }
    return out;
  }

  /** Resolves when every build under way has ended. */
  async idle(): Promise<void> {
    while (this.building.size > 0) await Promise.all([...this.building.values()]);
  }

  private async isBuilt(id: string): Promise<boolean> {
    if (this.built.has(id)) return true;
    if (!this.options.storage.hasTable(id)) return false;
    const result = await this.options.storage.read({
      kind: 'single', tableId: id, key: MARKER_PARTITION, token: murmur3Token(MARKER_PARTITION), slices: FULL_SLICE, reversed: false,
      columns: 'all', rowLimit: 1, perPartitionRowLimit: 1, nowSeconds: this.options.nowSeconds(), includeTombstones: false,
    });
    const marked = (result.partitions[0]?.rows.length ?? 0) > 0;
    if (marked) this.built.add(id);
    return marked;
  }

  private async build(table: TableMetadata, index: IndexMetadata, id: string): Promise<void> {
    if (await this.isBuilt(id)) return;
    this.options.logger.info('building secondary index', { keyspace: table.keyspace, table: table.name, index: index.name });
    let start: PartitionPosition = { token: MIN_TOKEN };
    for (;;) {
      const current = this.options.schema.findTableById(table.id);
      if (current?.indexes?.get(index.name) === undefined || !this.options.storage.hasTable(id)) return; // dropped meanwhile
      const result = await this.options.storage.read({
        kind: 'range', tableId: table.id, start, end: { token: MIN_TOKEN }, partitionLimit: buildPagePartitions,
        slices: FULL_SLICE, reversed: false, columns: 'all', rowLimit: Number.MAX_SAFE_INTEGER, perPartitionRowLimit: Number.MAX_SAFE_INTEGER,
        nowSeconds: this.options.nowSeconds(), includeTombstones: false,
      });
      const entries = result.partitions.flatMap((partition) => this.indexMutations(current, {
        ...partition, keyspace: table.keyspace, tableId: table.id,
      }, { only: index }));
      if (entries.length > 0) await this.options.storage.apply(entries);
      const last = result.partitions[result.partitions.length - 1];
      if (last === undefined || result.partitions.length < buildPagePartitions) break;
      start = { token: last.token, key: last.key };
    }
    await this.markBuilt(table, id);
    this.options.logger.info('secondary index built', { keyspace: table.keyspace, table: table.name, index: index.name });
  }

  private async markBuilt(table: TableMetadata, id: string): Promise<void> {
    const nowMicros = this.options.nowSeconds() * 1_000_000;
    await this.options.storage.apply([{
      keyspace: table.keyspace, tableId: id, key: MARKER_PARTITION, token: murmur3Token(MARKER_PARTITION), partitionDeletion: null, rangeTombstones: [],
      rows: [{ clustering: BUILT_MARKER, liveness: { timestampMicros: nowMicros, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME }, deletion: null, cells: [] }],
    }]);
    this.built.add(id);
  }

  /** The partitions the index lists for the value, in ring order within the command's bounds, each read whole within its slices. */
  private async readIndexed(command: PartitionRangeReadCommand, { id, value }: { id: string; value: Buffer }): Promise<ReadResult> {
    const key = indexPartitionKey(value);
    const listed = await this.options.storage.read({
      kind: 'single', tableId: id, key, token: murmur3Token(key), slices: FULL_SLICE, reversed: false, columns: 'all',
      rowLimit: Number.MAX_SAFE_INTEGER, perPartitionRowLimit: Number.MAX_SAFE_INTEGER, nowSeconds: command.nowSeconds, includeTombstones: false,
    });
    const candidates = new Map<string, { key: Buffer; token: bigint }>();
    for (const row of listed.partitions[0]?.rows ?? []) {
      const entry = decodeEntry(row.clustering);
      if (entry === null || !inRange(entry, command.start, command.end)) continue;
      candidates.set(entry.key.toString('hex'), entry);
    }
    const partitions: ReadResult['partitions'] = [];
    let rowsLeft = command.rowLimit;
    let partitionsLeft = command.partitionLimit;
    for (const { key: baseKey, token } of candidates.values()) {
      if (rowsLeft <= 0 || partitionsLeft <= 0) break;
      const result = await this.options.storage.read({
        kind: 'single', tableId: command.tableId, key: baseKey, token, slices: command.slices, reversed: command.reversed, columns: command.columns,
        rowLimit: rowsLeft, perPartitionRowLimit: command.perPartitionRowLimit, nowSeconds: command.nowSeconds, includeTombstones: command.includeTombstones,
      });
      for (const partition of result.partitions) {
        partitions.push(partition);
        rowsLeft -= partition.rows.length;
        if (partition.rows.length > 0) partitionsLeft--;
      }
    }
    return { partitions };
  }

  /** The index entries of one mutation, grouped into one mutation per index partition. */
  private indexMutations(table: TableMetadata, mutation: Mutation, { only }: { only?: IndexMetadata } = {}): Mutation[] {
    const out: Mutation[] = [];
    for (const index of only === undefined ? tableIndexList(table) : [only]) {
      const id = indexTableId(table.id, index.name);
      if (!this.options.storage.hasTable(id)) continue;
      const byValue = new Map<string, Map<string, Entry>>();
      for (const row of mutation.rows) {
        for (const entry of entriesOf(table, index, { key: mutation.key, token: mutation.token, row })) {
          const partitionId = entry.value.toString('hex');
          let rows = byValue.get(partitionId);
          if (rows === undefined) byValue.set(partitionId, rows = new Map());
          const previous = rows.get(entry.clustering.toString('hex'));
          if (previous === undefined || previous.liveness.timestampMicros < entry.liveness.timestampMicros) rows.set(entry.clustering.toString('hex'), entry);
        }
      }
      for (const rows of byValue.values()) {
        const entries = [...rows.values()].sort((a, b) => Buffer.compare(a.clustering, b.clustering));
        const key = indexPartitionKey(entries[0]!.value);
        out.push({
          keyspace: table.keyspace, tableId: id, key, token: murmur3Token(key), partitionDeletion: null, rangeTombstones: [],
          rows: entries.map((entry) => ({ clustering: entry.clustering, liveness: entry.liveness, deletion: null, cells: [] })),
        });
      }
    }
    return out;
  }
}

function indexPartitionKey(value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x01]), value]);
}

/** Entry clustering: prefix, token (sign-flipped, so bytes sort as tokens), u16 key length, key, base clustering. */
function entryClustering(token: bigint, key: Buffer, clustering: Buffer): Buffer {
  const head = Buffer.alloc(11);
  head[0] = ENTRY_PREFIX;
  head.writeBigUInt64BE(BigInt.asUintN(64, token) ^ 0x8000000000000000n, 1);
  head.writeUInt16BE(key.length, 9);
  return Buffer.concat([head, key, clustering]);
}

function decodeEntry(clustering: Buffer): { token: bigint; key: Buffer } | null {
  if (clustering.length < 11 || clustering[0] !== ENTRY_PREFIX) return null;
  const token = BigInt.asIntN(64, clustering.readBigUInt64BE(1) ^ 0x8000000000000000n);
  const length = clustering.readUInt16BE(9);
  if (clustering.length < 11 + length) return null;
  return { token, key: clustering.subarray(11, 11 + length) };
}

/** start < (token, key) <= end, with storage's conventions (a bare token sorts before its keys; a bare MIN_TOKEN end is the ring's end). */
function inRange(entry: { token: bigint; key: Buffer }, start: PartitionPosition, end: PartitionPosition): boolean {
  const compare = (position: PartitionPosition): number => {
    if (entry.token !== position.token) return entry.token < position.token ? -1 : 1;
    if (position.key === undefined) return 1;
    return Buffer.compare(entry.key, position.key);
  };
  if (compare(start) <= 0) return false;
  if (end.key === undefined && end.token === MIN_TOKEN) return true;
  return compare(end) <= 0;
}

function cellLiveness(cell: Cell): LivenessInfo {
  return {
    timestampMicros: cell.timestampMicros, ttlSeconds: cell.ttlSeconds,
    localExpirationTime: cell.ttlSeconds > 0 ? cell.localDeletionTime : NO_DELETION_TIME,
  };
}

/** What a row write contributes to an index: one entry per indexed value it makes live. */
function entriesOf(table: TableMetadata, index: IndexMetadata, { key, token, row }: { key: Buffer; token: bigint; row: Row }): Entry[] {
  const column = table.columns.get(index.column);
  if (column === undefined) return [];
  const clustering = entryClustering(token, key, row.clustering);
  if (column.kind === 'partition_key' || column.kind === 'clustering') {
    // A primary key column is indexed whenever the row is written (marker or a live cell).
    const live = row.cells.filter((cell) => cell.value !== null);
    const newest = [row.liveness?.timestampMicros ?? Number.NEGATIVE_INFINITY, ...live.map((cell) => cell.timestampMicros)].reduce((a, b) => Math.max(a, b));
    if (!Number.isFinite(newest)) return [];
    const value = column.kind === 'partition_key'
      ? splitPartitionKey(key, table.partitionKey.length)[column.position]
      : decodeClustering(table, row.clustering)[column.position];
    if (value === undefined) return [];
    const liveness = row.liveness !== null && row.liveness.timestampMicros === newest ? row.liveness : { timestampMicros: newest, ttlSeconds: 0, localExpirationTime: NO_DELETION_TIME };
    return [{ value, clustering, liveness }];
  }
  const entries: Entry[] = [];
  for (const cell of row.cells) {
    if (cell.column !== column.name || cell.value === null) continue;
    let value: Buffer | undefined;
    switch (index.type) {
      case 'simple': case 'full': value = cell.path === undefined ? cell.value : undefined; break;
      case 'values': value = cell.path === undefined ? undefined : column.type.kind === 'set' ? cell.path : cell.value; break;
      case 'keys': value = cell.path; break;
      case 'entries': value = cell.path === undefined ? undefined : entryIndexValue(cell.path, cell.value); break;
    }
    if (value !== undefined) entries.push({ value, clustering, liveness: cellLiveness(cell) });
  }
  return entries;
}
