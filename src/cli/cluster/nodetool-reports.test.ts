import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCompactionStats, formatDescribeCluster, formatGossipInfo, formatInfo, formatLoggingLevel, formatTableStats, javaDouble, parseTableFilter, prettyPrintMemory } from './nodetool-reports.js';

const hostId = '6d194555-f6eb-41d0-c000-000000000001';

test('info: Cassandra\'s "Name : value" lines, tokens summarized unless -T', () => {
  const body = { id: hostId, gossipActive: true, nativeTransportActive: true, loadBytes: 48_804, generation: 1_700_000_000, uptimeSeconds: 42, dataCenter: 'datacenter1', rack: 'rack1', mode: 'NORMAL', tokens: ['-9', '3', '7'] };
  const text = formatInfo(body);
  assert.match(text, /^ID {21}: 6d194555-f6eb-41d0-c000-000000000001$/m);
  assert.match(text, /^Gossip active {10}: true$/m);
  assert.match(text, /^Native Transport active: true$/m);
  assert.match(text, /^Load {19}: 47\.66 KiB$/m);
  assert.match(text, /^Generation No {10}: 1700000000$/m);
  assert.match(text, /^Uptime \(seconds\) {7}: 42$/m);
  assert.match(text, /^Token {18}: \(invoke with -T\/--tokens to see all 3 tokens\)$/m);
  const all = formatInfo(body, { tokens: true });
  assert.deepEqual(all.split('\n').filter((line) => line.startsWith('Token')).map((line) => line.split(': ')[1]), ['-9', '3', '7']);
  assert.match(formatInfo({ ...body, tokens: ['5'] }), /^Token {18}: 5$/m);
  // A body of another shape shows question marks, never a crash.
  assert.match(formatInfo('nonsense'), /^ID {21}: \?$/m);
});

const describeBody = {
  name: 'Test Cluster', snitch: 'org.apache.cassandra.locator.SimpleSnitch', partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner',
  schemaVersions: { 'bbcf35fa-5d65-3137-896f-a2866efe3856': ['127.0.0.1:7000', '127.0.0.2:7000'], UNREACHABLE: ['127.0.0.3:7000'] },
  releaseVersions: { '4.0.0': ['127.0.0.1:7000', '127.0.0.2:7000', '127.0.0.3:7000'] },
  live: 2, joining: 0, moving: 0, leaving: 0, unreachable: 1, dataCenters: { datacenter1: { nodes: 3, down: 1 } },
  keyspaces: [
    { name: 'system', replication: { class: 'org.apache.cassandra.locator.LocalStrategy' } },
    { name: 'flights', replication: { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '3' } },
  ],
};

test('describecluster: Cassandra 4.0\'s layout (fixture from a real 4.0.3 output, values masked)', () => {
  // A real `nodetool describecluster` of Cassandra 4.0.3 with one node unreachable (tabs as printed).
  const fixture = [
    'Cluster Information:',
    '\tName: Test Cluster',
    '\tSnitch: org.apache.cassandra.locator.SimpleSnitch',
    '\tDynamicEndPointSnitch: disabled',
    '\tPartitioner: org.apache.cassandra.dht.Murmur#Partitioner',
    '\tSchema versions:',
    '\t\t########-####-####-####-############: [#.#.#.#, #.#.#.#]',
    '',
    '\t\tUNREACHABLE: [#.#.#.#]',
    '',
    'Stats for all nodes:',
    '\tLive: #',
    '\tJoining: #',
    '\tMoving: #',
    '\tLeaving: #',
    '\tUnreachable: #',
    '',
    'Data Centers: ',
    '\tdatacenter# #Nodes: # #Down: #',
    '',
    'Database versions:',
    '\t#.#.#: [#.#.#.#:#, #.#.#.#:#, #.#.#.#:#]',
    '',
    'Keyspaces:',
    '\tsystem -> Replication class: LocalStrategy {}',
    '\tflights -> Replication class: SimpleStrategy {replication_factor=#}',
    '',
  ].join('\n');
  const mask = (value: string) => value.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => id.replace(/[0-9a-f]/g, '#')).replace(/\d+/g, '#');
  assert.equal(mask(formatDescribeCluster(describeBody)), fixture);
  // -pp: the schema versions' endpoints with their ports too.
  assert.match(formatDescribeCluster(describeBody, { printPort: true }), /^\t\tbbcf35fa-5d65-3137-896f-a2866efe3856: \[127\.0\.0\.1:7000, 127\.0\.0\.2:7000\]$/m);
});

test('info: Cassandra 4.0\'s lines in its order (fixture, values masked)', () => {
  const body = {
    id: hostId, gossipActive: true, nativeTransportActive: true, loadBytes: 48_804, generation: 1_700_000_000, uptimeSeconds: 42, dataCenter: 'datacenter1', rack: 'rack1',
    mode: 'NORMAL', tokens: ['-9', '3', '7'], heapUsedBytes: 52_428_800, heapMaxBytes: 4_345_298_944, offHeapBytes: 3_145_728, exceptions: 2, percentRepaired: 100,
    caches: [
      { name: 'chunks', capacityBytes: 134_217_728, sizeBytes: 65_536, entries: 16, hits: 30, misses: 10 },
      { name: 'keys', capacityBytes: 33_554_432, sizeBytes: 2048, entries: 20, hits: 5, misses: 15 },
    ],
  };
  const fixture = [
    'ID                     : ########-####-####-####-############',
    'Gossip active          : true',
    'Native Transport active: true',
    'Load                   : ##.## KiB',
    'Generation No          : ##########',
    'Uptime (seconds)       : ##',
    'Heap Memory (MB)       : ##.## / ####.##',
    'Off Heap Memory (MB)   : #.##',
    'Data Center            : datacenter#',
    'Rack                   : rack#',
    'Exceptions             : #',
    'Key Cache              : entries ##, size # KiB, capacity ## MiB, # hits, ## requests, #.### recent hit rate, # save period in seconds',
    'Row Cache              : entries #, size # bytes, capacity # bytes, # hits, # requests, NaN recent hit rate, # save period in seconds',
    'Counter Cache          : entries #, size # bytes, capacity # bytes, # hits, # requests, NaN recent hit rate, # save period in seconds',
    'Chunk Cache            : entries ##, size ## KiB, capacity ### MiB, ## misses, ## requests, #.### recent hit rate, NaN microseconds miss latency',
    'Percent Repaired       : ###.#%',
    'Token                  : (invoke with -T/--tokens to see all # tokens)',
    '',
  ].join('\n');
  const mask = (value: string) => value.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => id.replace(/[0-9a-f]/g, '#')).replace(/\d/g, '#');
  assert.equal(mask(formatInfo(body)), fixture);
  assert.match(formatInfo(body), /^Key Cache {14}: entries 20, size 2 KiB, capacity 32 MiB, 5 hits, 20 requests, 0\.250 recent hit rate/m);
  assert.match(formatInfo({ ...body, tokens: [] }), /^Token {18}: \(node is not joined to the cluster\)$/m);
  assert.match(formatInfo(body), /^Exceptions {13}: 2$/m);
  assert.match(formatInfo({ ...body, percentRepaired: 0 }), /^Percent Repaired {7}: 0\.0%$/m);
});

const tables = { tables: [
  {
    keyspace: 'flights', table: 'status', tableId: 'x', memtableBytes: 1024, memtableCells: 12, memtableSwitches: 3, flushingMemtables: 1, sstableCount: 2, sstableBytes: 4096,
    bloomFilterBytes: 96, partitionsEstimate: 40, readCount: 4, readTotalMicros: 1000, writeCount: 8, writeTotalMicros: 4000, bloomFalsePositives: 1, bloomFalseRatio: 0.25,
    partitionBytes: { min: 42, max: 310, mean: 100 }, liveRowsPerRead: { count: 4, mean: 1.5, max: 2 }, tombstonesPerRead: { count: 4, mean: 0, max: 0 }, repairedBytes: 0, unrepairedBytes: 4096,
  },
  { keyspace: 'flights', table: 'airports', tableId: 'y', memtableBytes: 0, flushingMemtables: 0, sstableCount: 0, sstableBytes: 0, readCount: 1, readTotalMicros: 3000, writeCount: 0, writeTotalMicros: 0 },
  { keyspace: 'system', table: 'local', tableId: 'z', memtableBytes: 10, flushingMemtables: 0, sstableCount: 1, sstableBytes: 99 },
] };

test('tablestats: TableStatsPrinter\'s layout of 4.0 (fixture), keyspace sums over all its tables, -H, filters', () => {
  const one = formatTableStats(tables, [{ keyspace: 'flights', table: 'status' }]);
  const fixture = [
    'Total number of tables: 1',
    '----------------',
    'Keyspace : flights',
    // Over both tables of flights though one is shown: (1000 + 3000) µs / 5 reads = 0.8 ms.
    '\tRead Count: 5',
    '\tRead Latency: 0.8 ms',
    '\tWrite Count: 8',
    '\tWrite Latency: 0.5 ms',
    '\tPending Flushes: 1',
    '\t\tTable: status',
    '\t\tSSTable count: 2',
    '\t\tOld SSTable count: 0',
    '\t\tSpace used (live): 4096',
    '\t\tSpace used (total): 4096',
    '\t\tSpace used by snapshots (total): 0',
    '\t\tOff heap memory used (total): 96',
    '\t\tSSTable Compression Ratio: -1.0',
    '\t\tNumber of partitions (estimate): 40',
    '\t\tMemtable cell count: 12',
    '\t\tMemtable data size: 1024',
    '\t\tMemtable off heap memory used: 0',
    '\t\tMemtable switch count: 3',
    '\t\tLocal read count: 4',
    '\t\tLocal read latency: 0.250 ms',
    '\t\tLocal write count: 8',
    '\t\tLocal write latency: 0.500 ms',
    '\t\tPending flushes: 1',
    '\t\tPercent repaired: 0.0',
    '\t\tBytes repaired: 0.000KiB',
    '\t\tBytes unrepaired: 4.000KiB',
    '\t\tBytes pending repair: 0.000KiB',
    '\t\tBloom filter false positives: 1',
    '\t\tBloom filter false ratio: 0.25000',
    '\t\tBloom filter space used: 96',
    '\t\tBloom filter off heap memory used: 96',
    '\t\tIndex summary off heap memory used: 0',
    '\t\tCompression metadata off heap memory used: 0',
    '\t\tCompacted partition minimum bytes: 42',
    '\t\tCompacted partition maximum bytes: 310',
    '\t\tCompacted partition mean bytes: 100',
    '\t\tAverage live cells per slice (last five minutes): 1.5',
    '\t\tMaximum live cells per slice (last five minutes): 2',
    '\t\tAverage tombstones per slice (last five minutes): 0.0',
    '\t\tMaximum tombstones per slice (last five minutes): 0',
    '\t\tDropped Mutations: 0',
    '',
    '----------------',
    '',
  ].join('\n');
  assert.equal(one, fixture);
  // A table never read, written or flushed: Cassandra's NaN latencies and slices, 100.0 % repaired (no sstable), zeros.
  const idle = formatTableStats(tables, [{ keyspace: 'flights', table: 'airports' }]) as string;
  assert.match(idle, /^\t\tLocal write count: 0\n\t\tLocal write latency: NaN ms$/m);
  assert.match(idle, /^\t\tLocal read latency: 3\.000 ms$/m);
  assert.match(idle, /^\t\tPercent repaired: 100\.0$/m);
  assert.match(idle, /^\t\tAverage live cells per slice \(last five minutes\): NaN$/m);
  assert.match(idle, /^\t\tCompacted partition maximum bytes: 0$/m);
  const system = formatTableStats(tables, [{ keyspace: 'system' }]) as string;
  assert.match(system, /^\tRead Latency: NaN ms$/m);
  // -H: sizes as KiB, MiB ..., Dropped Mutations too (as TableStatsHolder formats it).
  const human = formatTableStats(tables, [{ keyspace: 'flights', table: 'status' }], { humanReadable: true }) as string;
  assert.match(human, /^\t\tSpace used \(live\): 4 KiB$/m);
  assert.match(human, /^\t\tMemtable data size: 1 KiB$/m);
  assert.match(human, /^\t\tBloom filter space used: 96 bytes$/m);
  assert.match(human, /^\t\tDropped Mutations: 0 bytes$/m);
  assert.match(human, /^\t\tNumber of partitions \(estimate\): 40$/m);

  const all = formatTableStats(tables) as string;
  assert.match(all, /^Total number of tables: 3\n----------------\nKeyspace : flights\n/);
  assert.ok(all.indexOf('\t\tTable: airports') < all.indexOf('\t\tTable: status') && all.indexOf('\t\tTable: status') < all.indexOf('Keyspace : system'));
  const filter = parseTableFilter(['flights.status']);
  assert.deepEqual(filter, [{ keyspace: 'flights', table: 'status' }]);
  assert.deepEqual(formatTableStats(tables, [{ keyspace: 'nope' }]), { error: 'Unknown keyspace: nope' });
  assert.deepEqual(formatTableStats(tables, [{ keyspace: 'flights', table: 'nope' }]), { error: 'Unknown table: flights.nope' });
  assert.equal(typeof parseTableFilter(['a.b.c']), 'string');
  assert.equal(typeof parseTableFilter(['.b']), 'string');
  // Another shape of body: an empty report, not a crash.
  assert.equal(formatTableStats('nonsense'), 'Total number of tables: 0\n----------------\n');
});

test('javaDouble and prettyPrintMemory print as Java and FBUtilities do', () => {
  assert.deepEqual([0, 100, 0.8, 1.5, Number.NaN, 0.0001, 12_345_678.9, -2].map(javaDouble), ['0.0', '100.0', '0.8', '1.5', 'NaN', '1.0E-4', '1.23456789E7', '-2.0']);
  assert.deepEqual([0, 1023, 4096, 3 * 2 ** 20, 2 ** 31].map(prettyPrintMemory), ['0.000KiB', '0.999KiB', '4.000KiB', '3.000MiB', '2.000GiB']);
});

test('compactionstats: Cassandra 4.0\'s layout, idle and with compactions running (fixture, values masked)', () => {
  assert.equal(formatCompactionStats({ pending: 0, pendingByTable: [], tasks: [] }), 'pending tasks: 0\n\n');
  const report = {
    pending: 2, pendingByTable: [{ keyspace: 'flights', table: 'status', pending: 1 }, { keyspace: 'system', table: 'local', pending: 1 }],
    tasks: [
      { id: '0e3f3a40-9b1c-11ee-8000-000000000000', kind: 'compaction', keyspace: 'flights', table: 'status', completed: 1_234_567, total: 4_567_890, unit: 'bytes' },
      { id: '0e3f3a40-9b1c-11ee-8000-000000000001', kind: 'cleanup', keyspace: 'system', table: 'local', completed: 10, total: 0, unit: 'bytes' },
    ],
    throughputBytesPerSecond: 64 * 1024 * 1024,
  };
  // As CompactionStats.java and TableBuilder print it (columns left-aligned to their widest cell, one space apart).
  const fixture = [
    'pending tasks: #',
    '- flights.status: #',
    '- system.local: #',
    '',
    'id                                   compaction type keyspace table  completed total   unit  progress',
    '########-####-####-####-############ Compaction      flights  status #######   ####### bytes ##.##%  ',
    '########-####-####-####-############ Cleanup         system   local  ##        #       bytes n/a     ',
    'Active compaction remaining time :   #h##m##s',
    '',
  ].join('\n');
  const mask = (value: string) => value.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => id.replace(/[0-9a-f]/g, '#')).replace(/\d/g, '#');
  assert.equal(mask(formatCompactionStats(report)), fixture);
  const text = formatCompactionStats(report);
  assert.match(text, / 27\.03% {2}\n/);
  assert.match(text, /^Active compaction remaining time : {3}0h00m00s$/m);
  const human = formatCompactionStats(report, { humanReadable: true });
  assert.match(human, / Compaction {6}flights {2}status 1\.18 MiB {2}4\.36 MiB bytes 27\.03%/);
  assert.match(formatCompactionStats({ ...report, throughputBytesPerSecond: 0 }), /^Active compaction remaining time : {8}n\/a$/m);
  assert.match(formatCompactionStats({ ...report, throughputBytesPerSecond: 1024 }), /^Active compaction remaining time : {3}0h54m15s$/m);
});

test('gossipinfo: Cassandra 4.0\'s layout, TOKENS last and hidden, ports only with -pp', () => {
  const body = { endpoints: [{ endpoint: '127.0.0.1:7000', generation: 1700000000, heartbeat: 12, states: [
    { key: 'STATUS', version: 3, value: 'NORMAL,-9' }, { key: 'LOAD', version: 9, value: '4096.0' }, { key: 'TOKENS', version: 2, value: '-9' },
  ] }, { endpoint: '127.0.0.2:7000', generation: 1700000001, heartbeat: 1, states: [] }] };
  assert.equal(formatGossipInfo(body), [
    '/127.0.0.1', '  generation:1700000000', '  heartbeat:12', '  STATUS:3:NORMAL,-9', '  LOAD:9:4096.0', '  TOKENS:2:<hidden>',
    '/127.0.0.2', '  generation:1700000001', '  heartbeat:1', '  TOKENS: not present', '',
  ].join('\n'));
  assert.match(formatGossipInfo(body, { printPort: true }), /^\/127\.0\.0\.1:7000\n/);
});

test('getlogginglevel: Cassandra\'s Logger Name / Log Level columns', () => {
  assert.equal(formatLoggingLevel({ level: 'debug' }), `\nLogger Name${' '.repeat(39)} Log Level\nROOT${' '.repeat(46)}     DEBUG\n`);
});
