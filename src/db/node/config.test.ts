import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadNodeConfig, parseSeeds, resolveNodeConfig } from './config.js';

const cwd = '/srv/aero';

test('defaults: every field set, paths absolute', () => {
  const config = resolveNodeConfig({}, { cwd });
  assert.equal(config.clusterName, 'Test Cluster');
  assert.equal(config.listenAddress, '127.0.0.1');
  assert.equal(config.rpcAddress, '127.0.0.1');
  assert.equal(config.broadcastRpcAddress, '127.0.0.1');
  assert.equal(config.nativeTransportPort, 9042);
  assert.equal(config.storagePort, 7000);
  assert.deepEqual(config.dataFileDirectories, ['/srv/aero/data/data']);
  assert.equal(config.commitlogDirectory, '/srv/aero/data/commitlog');
  assert.deepEqual(config.seeds, [{ host: '127.0.0.1', port: 7000 }]);
  assert.equal(config.numTokens, 16);
  assert.equal(config.endpointSnitch, 'SimpleSnitch');
  assert.equal(config.dc, 'datacenter1');
  assert.equal(config.rack, 'rack1');
  assert.equal(config.commitlogSync, 'periodic');
  assert.equal(config.nativeTransportMaxFrameSizeBytes, 16 * 1024 * 1024);
  assert.equal(config.authenticator, 'AllowAllAuthenticator');
  assert.equal(config.adminPort, 7199);
  assert.equal(config.logLevel, 'info');
});

test('cassandra.yaml keys, fully qualified class names, blank keys default', () => {
  const config = resolveNodeConfig({
    cluster_name: 'Flights',
    listen_address: 'localhost',
    rpc_address: '127.0.0.2',
    native_transport_port: 9043,
    hints_directory: null,
    data_file_directories: ['/var/lib/aero/data'],
    seed_provider: [{ class_name: 'org.apache.cassandra.locator.SimpleSeedProvider', parameters: [{ seeds: '127.0.0.1:7001, 127.0.0.2' }] }],
    endpoint_snitch: 'org.apache.cassandra.locator.GossipingPropertyFileSnitch',
    dc: 'dc2',
    rack: 'r7',
    commitlog_sync: 'periodic',
    commitlog_sync_period_in_ms: 2000,
    authenticator: 'org.apache.cassandra.auth.PasswordAuthenticator',
    client_encryption_options: { enabled: false, keystore: 'conf/.keystore' },
    log_level: 'DEBUG',
    native_transport_max_frame_size_in_mb: 16,
    native_transport_max_concurrent_connections: 2000,
  }, { cwd });
  assert.equal(config.clusterName, 'Flights');
  assert.equal(config.listenAddress, '127.0.0.1');
  assert.equal(config.rpcAddress, '127.0.0.2');
  assert.equal(config.broadcastAddress, '127.0.0.1');
  assert.equal(config.broadcastRpcAddress, '127.0.0.2');
  assert.equal(config.nativeTransportPort, 9043);
  assert.equal(config.hintsDirectory, '/srv/aero/data/hints');
  assert.deepEqual(config.dataFileDirectories, ['/var/lib/aero/data']);
  assert.deepEqual(config.seeds, [{ host: '127.0.0.1', port: 7001 }, { host: '127.0.0.2', port: 7000 }]);
  assert.equal(config.endpointSnitch, 'GossipingPropertyFileSnitch');
  assert.equal(config.dc, 'dc2');
  assert.equal(config.rack, 'r7');
  assert.equal(config.commitlogSync, 'periodic');
  assert.equal(config.commitlogSyncPeriodMs, 2000);
  assert.equal(config.authenticator, 'PasswordAuthenticator');
  assert.deepEqual(config.clientEncryptionOptions, { enabled: false, keystore: 'conf/.keystore' });
  assert.equal(config.logLevel, 'debug');
  assert.equal(config.nativeTransportMaxFrameSizeBytes, 16 * 1024 * 1024);
  assert.equal(config.nativeTransportMaxConcurrentConnections, 2000);
});

test('native_transport_max_threads: requests running at once, 128 unless set', () => {
  assert.equal(resolveNodeConfig({}, { cwd }).nativeTransportMaxThreads, 128);
  assert.equal(resolveNodeConfig({ native_transport_max_threads: 16 }, { cwd }).nativeTransportMaxThreads, 16);
  assert.throws(() => resolveNodeConfig({ native_transport_max_threads: 0 }, { cwd }), /native_transport_max_threads/);
});

test('native_transport_max_concurrent_connections: -1 (Cassandra\'s unlimited) and absent take the built-in bound; 0 and too many are refused', () => {
  assert.equal(resolveNodeConfig({}, { cwd }).nativeTransportMaxConcurrentConnections, 1024);
  assert.equal(resolveNodeConfig({ native_transport_max_concurrent_connections: -1 }, { cwd }).nativeTransportMaxConcurrentConnections, 1024);
  assert.equal(resolveNodeConfig({ native_transport_max_concurrent_connections: '5' }, { cwd }).nativeTransportMaxConcurrentConnections, 5);
  for (const bad of [0, -2, 65_537, 1.5, 'many']) {
    assert.throws(() => resolveNodeConfig({ native_transport_max_concurrent_connections: bad }, { cwd }), /'native_transport_max_concurrent_connections': expected -1 or an integer between 1 and 65536/);
  }
});

test('flags override the file; --data-dir places every directory under it', () => {
  const config = resolveNodeConfig({ native_transport_port: 9043, cluster_name: 'A' }, {
    cwd,
    flags: {
      nativePort: '9050', storagePort: '7005', dataDir: 'nodes/n1', clusterName: 'B', seeds: '127.0.0.1,127.0.0.2',
      numTokens: '8', dc: 'east', rack: 'r1', logLevel: 'warn', memtableFlushBytes: '1048576', listenAddress: '127.0.0.3',
    },
  });
  assert.equal(config.nativeTransportPort, 9050);
  assert.equal(config.storagePort, 7005);
  assert.equal(config.clusterName, 'B');
  assert.deepEqual(config.dataFileDirectories, ['/srv/aero/nodes/n1/data']);
  assert.equal(config.commitlogDirectory, '/srv/aero/nodes/n1/commitlog');
  assert.equal(config.hintsDirectory, '/srv/aero/nodes/n1/hints');
  assert.equal(config.logDirectory, '/srv/aero/nodes/n1/logs');
  assert.deepEqual(config.seeds.map((seed) => seed.port), [7005, 7005]);
  assert.equal(config.numTokens, 8);
  assert.equal(config.endpointSnitch, 'GossipingPropertyFileSnitch');
  assert.equal(config.dc, 'east');
  assert.equal(config.logLevel, 'warn');
  assert.equal(config.memtableFlushBytes, 1048576);
  assert.equal(config.listenAddress, '127.0.0.3');
  assert.equal(config.rpcAddress, '127.0.0.3');
});

test('bad values name the key, the problem and the value', () => {
  assert.throws(() => resolveNodeConfig({ native_transport_port: 'abc' }, { cwd }), {
    message: "configuration error in 'native_transport_port': expected an integer between 1 and 65535, got 'abc'",
  });
  assert.throws(() => resolveNodeConfig({ storage_port: 70000 }, { cwd }), /'storage_port': expected an integer between 1 and 65535, got 70000/);
  assert.throws(() => resolveNodeConfig({ listen_address: 'nowhere' }, { cwd }), /'listen_address': expected an IP address/);
  assert.throws(() => resolveNodeConfig({ commitlog_sync: 'group' }, { cwd }), /'commitlog_sync': expected batch or periodic, got 'group'/);
  assert.throws(() => resolveNodeConfig({ disk_access_mode: 'direct' }, { cwd }), /'disk_access_mode': expected auto, mmap, mmap_index_only or standard, got 'direct'/);
  assert.throws(() => resolveNodeConfig({ endpoint_snitch: 'Ec2Snitch' }, { cwd }), /'endpoint_snitch': expected one of SimpleSnitch, GossipingPropertyFileSnitch/);
  assert.throws(() => resolveNodeConfig({ num_tokens: 0 }, { cwd }), /'num_tokens': expected an integer between 1 and 1536, got 0/);
  assert.throws(() => resolveNodeConfig({ hinted_handoff_enabled: 'yes' }, { cwd }), /'hinted_handoff_enabled': expected true or false/);
  assert.throws(() => resolveNodeConfig({ data_file_directories: 'data' }, { cwd }), /'data_file_directories': expected a list of directory paths/);
  assert.throws(
    () => resolveNodeConfig({ seed_provider: [{ class_name: 'x', parameters: [{ seeds: 'a.b.c' }] }] }, { cwd }),
    /'seed_provider\[0\]\.parameters\[0\]\.seeds': expected IP addresses with optional ports, got 'a\.b\.c'/,
  );
  assert.throws(() => resolveNodeConfig({ endpoint_snitch: 'SimpleSnitch', dc: 'x' }, { cwd }), /'dc': requires endpoint_snitch/);
  assert.throws(() => resolveNodeConfig({ rpc_address: '0.0.0.0' }, { cwd }), /'broadcast_rpc_address': must be set/);
});

test('bad flags name the flag', () => {
  assert.throws(() => resolveNodeConfig({}, { cwd, flags: { nativePort: 'abc' } }), {
    message: "configuration error in '--native-port': expected an integer between 1 and 65535, got 'abc'",
  });
  assert.throws(() => resolveNodeConfig({}, { cwd, flags: { logLevel: 'loud' } }), /'--log-level': expected one of debug, info, warn, error, got 'loud'/);
  assert.throws(() => resolveNodeConfig({}, { cwd, flags: { seeds: ' , ' } }), /'--seeds': expected at least one seed/);
  assert.throws(() => resolveNodeConfig({}, { cwd, flags: { dataDir: '' } }), /'--data-dir'/);
});

test('unknown keys warn once and do not fail', () => {
  const warnings: string[] = [];
  const config = resolveNodeConfig({ concurrent_reads: 32, row_cache_size_in_mb: 0, cluster_name: 'X' }, { cwd, onWarning: (m) => warnings.push(m) });
  assert.equal(config.clusterName, 'X');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /2 unknown configuration key\(s\): concurrent_reads, row_cache_size_in_mb/);
});

test('seeds: ports, IPv6 in brackets, localhost', () => {
  assert.deepEqual(parseSeeds('[::1]:7001,::2,localhost', 7000, 'seeds'), [
    { host: '::1', port: 7001 }, { host: '::2', port: 7000 }, { host: '127.0.0.1', port: 7000 },
  ]);
  assert.throws(() => parseSeeds('127.0.0.1:0', 7000, 'seeds'), /port between 1 and 65535/);
});

test('files: missing, syntax error with line, not a mapping, valid', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aero-config-'));
  try {
    const missing = join(dir, 'missing.yaml');
    await assert.rejects(loadNodeConfig({ file: missing }), { message: `configuration error in '${missing}': file not found` });
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, 'cluster_name: A\nnative_transport_port: [9042\nstorage_port: 7000\n');
    await assert.rejects(loadNodeConfig({ file: broken }), new RegExp(`'${broken}': YAML syntax error at line \\d+, column \\d+`));
    const list = join(dir, 'list.yaml');
    await writeFile(list, '- a\n- b\n');
    await assert.rejects(loadNodeConfig({ file: list }), /expected a mapping of settings/);
    const good = join(dir, 'good.yaml');
    await writeFile(good, '# comment\ncluster_name: Good\nnative_transport_port: 9100\nhints_directory:\n');
    const config = await loadNodeConfig({ file: good, flags: { storagePort: 7100 }, cwd: dir });
    assert.equal(config.clusterName, 'Good');
    assert.equal(config.nativeTransportPort, 9100);
    assert.equal(config.storagePort, 7100);
    const empty = join(dir, 'empty.yaml');
    await writeFile(empty, '');
    assert.equal((await loadNodeConfig({ file: empty })).clusterName, 'Test Cluster');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('storage caches and compaction throughput take Cassandra names and defaults', () => {
  const defaults = resolveNodeConfig({}, { cwd });
  assert.deepEqual(defaults.storageTuning, { keyCacheBytes: 32 * 1024 * 1024, blockCacheBytes: 128 * 1024 * 1024, compactionThroughputBytesPerSecond: 64 * 1024 * 1024, commitLogTotalBytes: 1024 * 1024 * 1024 });
  const set = resolveNodeConfig({ key_cache_size_in_mb: 8, file_cache_size_in_mb: 0, compaction_throughput_mb_per_sec: 16 }, { cwd });
  assert.deepEqual(set.storageTuning, { keyCacheBytes: 8 * 1024 * 1024, blockCacheBytes: 0, compactionThroughputBytesPerSecond: 16 * 1024 * 1024, commitLogTotalBytes: 1024 * 1024 * 1024 });
  assert.equal(resolveNodeConfig({ commitlog_total_space: '256MiB' }, { cwd }).storageTuning.commitLogTotalBytes, 256 * 1024 * 1024);
  assert.equal(resolveNodeConfig({ commitlog_total_space_in_mb: 512 }, { cwd }).storageTuning.commitLogTotalBytes, 512 * 1024 * 1024);
  assert.throws(() => resolveNodeConfig({ commitlog_total_space: '1MiB' }, { cwd }), /commitlog_total_space/);
  // Cassandra 4.1's form wins over the older key when both are present.
  assert.equal(resolveNodeConfig({ compaction_throughput: '512KiB/s', compaction_throughput_mb_per_sec: 16 }, { cwd }).storageTuning.compactionThroughputBytesPerSecond, 512 * 1024);
  assert.equal(resolveNodeConfig({ compaction_throughput: '0' }, { cwd }).storageTuning.compactionThroughputBytesPerSecond, 0);
  assert.equal(resolveNodeConfig({ compaction_throughput: 32 }, { cwd }).storageTuning.compactionThroughputBytesPerSecond, 32 * 1024 * 1024);
  assert.throws(() => resolveNodeConfig({ compaction_throughput: 'fast' }, { cwd }), /'compaction_throughput': expected a rate such as 64MiB\/s, 512KiB\/s or 0, got 'fast'/);
  assert.throws(() => resolveNodeConfig({ key_cache_size_in_mb: -1 }, { cwd }), /'key_cache_size_in_mb': expected an integer between 0 and 65536/);
});

test('join and leave settings: auto_bootstrap, initial_token, ring_delay_ms, stream_throughput_outbound', () => {
  const defaults = resolveNodeConfig({}, { cwd });
  assert.equal(defaults.autoBootstrap, true);
  assert.deepEqual(defaults.initialTokens, []);
  assert.equal(defaults.ringDelayMs, 30_000);
  assert.equal(defaults.streamThroughputOutboundBytesPerSecond, 24 * 1024 * 1024);
  const set = resolveNodeConfig({ auto_bootstrap: false, initial_token: '100, -5,9223372036854775807', ring_delay_ms: 2000, stream_throughput_outbound: '512KiB/s' }, { cwd });
  assert.equal(set.autoBootstrap, false);
  assert.deepEqual(set.initialTokens, [-5n, 100n, 9223372036854775807n]);
  assert.equal(set.ringDelayMs, 2000);
  assert.equal(set.streamThroughputOutboundBytesPerSecond, 512 * 1024);
  assert.equal(resolveNodeConfig({ stream_throughput_outbound: 0 }, { cwd }).streamThroughputOutboundBytesPerSecond, 0);
  assert.throws(() => resolveNodeConfig({ initial_token: '1, x' }, { cwd }), /initial_token'?: expected comma-separated integer tokens, got 'x'/);
  assert.throws(() => resolveNodeConfig({ initial_token: '-9223372036854775808' }, { cwd }), /outside the Murmur3 range/);
  assert.throws(() => resolveNodeConfig({ initial_token: '7,7' }, { cwd }), /listed twice/);
  assert.throws(() => resolveNodeConfig({ ring_delay_ms: -1 }, { cwd }), /ring_delay_ms/);
  assert.throws(() => resolveNodeConfig({ stream_throughput_outbound: 'fast' }, { cwd }), /stream_throughput_outbound/);
});

test('auth caches: roles, permissions and credentials validity and update intervals take Cassandra names and defaults', () => {
  const defaults = resolveNodeConfig({}, { cwd });
  assert.deepEqual(defaults.authCaches, { roles: { validityMs: 2000 }, permissions: { validityMs: 2000 }, credentials: { validityMs: 2000 } });
  const set = resolveNodeConfig({ roles_validity_in_ms: 0, permissions_validity_in_ms: 60_000, permissions_update_interval_in_ms: 5000, credentials_validity_in_ms: '30000' }, { cwd });
  assert.deepEqual(set.authCaches, { roles: { validityMs: 0 }, permissions: { validityMs: 60_000, updateIntervalMs: 5000 }, credentials: { validityMs: 30_000 } });
  assert.throws(() => resolveNodeConfig({ permissions_validity_in_ms: -1 }, { cwd }), /'permissions_validity_in_ms': expected an integer between 0 and 86400000/);
});

test('memory bounds: frame size, request data in flight and memtable space take Cassandra 4.1 sizes, 4.0 names, and defaults', () => {
  const defaults = resolveNodeConfig({}, { cwd });
  assert.deepEqual(defaults.nativeTransportRequestData, { bytesMax: 128 * 1024 * 1024, bytesPerAddressMax: 32 * 1024 * 1024 });
  assert.equal(defaults.memtableSpaceBytes, undefined);
  const sized = resolveNodeConfig({
    native_transport_max_frame_size: '32MiB', native_transport_max_request_data_in_flight: '64MiB',
    native_transport_max_request_data_in_flight_per_ip: '512KiB', memtable_heap_space: '256MiB',
  }, { cwd });
  assert.equal(sized.nativeTransportMaxFrameSizeBytes, 32 * 1024 * 1024);
  assert.deepEqual(sized.nativeTransportRequestData, { bytesMax: 64 * 1024 * 1024, bytesPerAddressMax: 512 * 1024 });
  assert.equal(sized.memtableSpaceBytes, 256 * 1024 * 1024);
  const old = resolveNodeConfig({
    native_transport_max_concurrent_requests_in_bytes: 10_000_000, native_transport_max_concurrent_requests_in_bytes_per_ip: 2_000_000, memtable_heap_space_in_mb: 100,
  }, { cwd });
  assert.deepEqual(old.nativeTransportRequestData, { bytesMax: 10_000_000, bytesPerAddressMax: 2_000_000 });
  assert.equal(old.memtableSpaceBytes, 100 * 1024 * 1024);
  assert.throws(() => resolveNodeConfig({ native_transport_max_frame_size: '1TiB' }, { cwd }), /'native_transport_max_frame_size': expected a size such as 16MiB/);
  assert.throws(() => resolveNodeConfig({ native_transport_max_frame_size: '512MiB' }, { cwd }), /'native_transport_max_frame_size': expected a size/);
  assert.throws(() => resolveNodeConfig({ native_transport_max_request_data_in_flight: 'lots' }, { cwd }), /'native_transport_max_request_data_in_flight': expected a size/);
});

test('request timeouts: Cassandra 4.1 durations, 4.0 *_in_ms names, defaults, and bad values refused', () => {
  const defaults = resolveNodeConfig({}, { cwd });
  assert.deepEqual(defaults.requestTimeouts, { writeMs: 2_000, readMs: 5_000, rangeMs: 10_000, counterWriteMs: 5_000, truncateMs: 60_000 });
  assert.equal(defaults.casContentionTimeoutMs, 1_000);
  const durations = resolveNodeConfig({
    write_request_timeout: '30s', read_request_timeout: '7000ms', range_request_timeout: '1m', counter_write_request_timeout: 9000, cas_contention_timeout: '3s',
    truncate_request_timeout: '2m', truncate_request_timeout_in_ms: 1_000,
  }, { cwd });
  assert.deepEqual(durations.requestTimeouts, { writeMs: 30_000, readMs: 7_000, rangeMs: 60_000, counterWriteMs: 9_000, truncateMs: 120_000 });
  assert.equal(durations.casContentionTimeoutMs, 3_000);
  const old = resolveNodeConfig({
    write_request_timeout_in_ms: 4_000, read_request_timeout_in_ms: 6_000, range_request_timeout_in_ms: 12_000, counter_write_request_timeout_in_ms: 8_000,
    truncate_request_timeout_in_ms: 30_000,
  }, { cwd });
  assert.deepEqual(old.requestTimeouts, { writeMs: 4_000, readMs: 6_000, rangeMs: 12_000, counterWriteMs: 8_000, truncateMs: 30_000 });
  assert.throws(() => resolveNodeConfig({ write_request_timeout: 'soon' }, { cwd }), /'write_request_timeout': expected a duration such as 2000ms/);
  assert.throws(() => resolveNodeConfig({ read_request_timeout: '0s' }, { cwd }), /'read_request_timeout': expected a duration/);
  assert.throws(() => resolveNodeConfig({ range_request_timeout_in_ms: -5 }, { cwd }), /'range_request_timeout_in_ms': expected an integer/);
  assert.throws(() => resolveNodeConfig({ truncate_request_timeout: '1h' }, { cwd }), /'truncate_request_timeout': expected a duration/);
});

test('disk_access_mode: auto by default, Cassandra\'s mmap modes read as auto, standard uses the thread pool', () => {
  assert.equal(resolveNodeConfig({}, { cwd }).diskAccessMode, 'auto');
  assert.equal(resolveNodeConfig({ disk_access_mode: 'mmap' }, { cwd }).diskAccessMode, 'auto');
  assert.equal(resolveNodeConfig({ disk_access_mode: 'mmap_index_only' }, { cwd }).diskAccessMode, 'auto');
  assert.equal(resolveNodeConfig({ disk_access_mode: 'standard' }, { cwd }).diskAccessMode, 'standard');
});
