import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCompactionStats, formatDescribeCluster, formatGossipInfo, formatInfo, formatLoggingLevel, formatTableStats, parseTableFilter } from './nodetool-reports.js';

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

test('describecluster: schema versions, counts, datacenters, keyspaces with their replication', () => {
  const text = formatDescribeCluster({
    name: 'Test Cluster', snitch: 'org.apache.cassandra.locator.SimpleSnitch', partitioner: 'org.apache.cassandra.dht.Murmur3Partitioner',
    schemaVersions: { 'aaaa-bbbb': ['127.0.0.1:7000', '127.0.0.2:7000'] }, releaseVersions: { '4.0.0': ['127.0.0.1:7000', '127.0.0.2:7000'] },
    live: 2, joining: 0, moving: 0, leaving: 0, unreachable: 0, dataCenters: { datacenter1: { nodes: 2, down: 0 } },
    keyspaces: [{ name: 'flights', replication: { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '3' } }],
  });
  assert.match(text, /^Cluster Information:\n\tName: Test Cluster\n\tSnitch: org\.apache\.cassandra\.locator\.SimpleSnitch\n/);
  assert.match(text, /^\t\taaaa-bbbb: \[127\.0\.0\.1:7000, 127\.0\.0\.2:7000\]$/m);
  assert.match(text, /^\tLive: 2$/m);
  assert.match(text, /^\tUnreachable: 0$/m);
  assert.match(text, /^\tdatacenter1 #Nodes: 2 #Down: 0$/m);
  assert.match(text, /^\t4\.0\.0: \[127\.0\.0\.1:7000, 127\.0\.0\.2:7000\]$/m);
  assert.match(text, /^\tflights -> Replication class: SimpleStrategy \{replication_factor=3\}$/m);
});

const tables = { tables: [
  { keyspace: 'flights', table: 'status', tableId: 'x', memtableBytes: 1024, flushingMemtables: 1, sstableCount: 2, sstableBytes: 4096 },
  { keyspace: 'flights', table: 'airports', tableId: 'y', memtableBytes: 0, flushingMemtables: 0, sstableCount: 0, sstableBytes: 0 },
  { keyspace: 'system', table: 'local', tableId: 'z', memtableBytes: 10, flushingMemtables: 0, sstableCount: 1, sstableBytes: 99 },
] };

test('tablestats: keyspaces in order, tables indented under them, filters by keyspace and keyspace.table', () => {
  const all = formatTableStats(tables);
  assert.equal(typeof all, 'string');
  assert.match(all as string, /^Total number of tables: 3\n----------------\nKeyspace : flights\n\tPending Flushes: 1\n\t\tTable: airports\n/);
  assert.match(all as string, /\t\tTable: status\n\t\tSSTable count: 2\n\t\tSpace used \(live\): 4096\n\t\tSpace used \(total\): 4096\n\t\tSpace used by snapshots \(total\): 0\n\t\tMemtable data size: 1024\n\t\tPending flushes: 1\n/);
  const filter = parseTableFilter(['flights.status']);
  assert.deepEqual(filter, [{ keyspace: 'flights', table: 'status' }]);
  const one = formatTableStats(tables, filter as Array<{ keyspace: string; table?: string }>) as string;
  assert.match(one, /^Total number of tables: 1$/m);
  assert.doesNotMatch(one, /airports|system/);
  assert.deepEqual(formatTableStats(tables, [{ keyspace: 'nope' }]), { error: 'Unknown keyspace: nope' });
  assert.deepEqual(formatTableStats(tables, [{ keyspace: 'flights', table: 'nope' }]), { error: 'Unknown table: flights.nope' });
  assert.equal(typeof parseTableFilter(['a.b.c']), 'string');
  assert.equal(typeof parseTableFilter(['.b']), 'string');
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

test('gossipinfo: /endpoint, generation, heartbeat, then KEY:version:value', () => {
  const text = formatGossipInfo({ endpoints: [{ endpoint: '127.0.0.1:7000', generation: 1700000000, heartbeat: 12, states: [{ key: 'STATUS', version: 3, value: 'NORMAL,-9' }, { key: 'LOAD', version: 9, value: '4096.0' }] }] });
  assert.equal(text, '/127.0.0.1:7000\n  generation:1700000000\n  heartbeat:12\n  STATUS:3:NORMAL,-9\n  LOAD:9:4096.0\n');
});

test('getlogginglevel: Cassandra\'s Logger Name / Log Level columns', () => {
  assert.equal(formatLoggingLevel({ level: 'debug' }), `\nLogger Name${' '.repeat(39)} Log Level\nROOT${' '.repeat(46)}     DEBUG\n`);
});
