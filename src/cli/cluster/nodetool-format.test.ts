import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeStatusReport, RingEndpoint } from './node-status.js';
import { compareAddresses, formatLoad, formatNodetoolRing, formatNodetoolStatus, tokenOwnership } from './nodetool-format.js';

function endpoint(address: string, fields: Partial<RingEndpoint> = {}): RingEndpoint {
  return { address, storagePort: null, hostId: `00000000-0000-4000-8000-00000000000${address.slice(-1)}`, dataCenter: 'datacenter1', rack: 'rack1', status: 'UP', state: 'NORMAL', loadBytes: 48_804, tokens: null, owns: null, ...fields };
}

function report(local: RingEndpoint, peers: RingEndpoint[] | null): NodeStatusReport {
  return { clusterName: 'Test Cluster', nativePort: 9042, schemaVersion: null, ownershipKeyspace: null, local, peers };
}

test('loads print as nodetool prints them', () => {
  assert.equal(formatLoad(null), '?');
  assert.equal(formatLoad(0), '0 bytes');
  assert.equal(formatLoad(1023), '1023 bytes');
  assert.equal(formatLoad(1024), '1 KiB');
  assert.equal(formatLoad(48_804), '47.66 KiB');
  assert.equal(formatLoad(1.5 * 2 ** 30), '1.5 GiB');
  assert.equal(formatLoad(3 * 2 ** 40), '3 TiB');
});

test('addresses sort numerically', () => {
  assert.deepEqual(['127.0.0.10', '127.0.0.9', '127.0.0.2'].sort(compareAddresses), ['127.0.0.2', '127.0.0.9', '127.0.0.10']);
});

test('ownership: each token owns the range from the previous one, wrapping around', () => {
  const quarter = 1n << 62n;
  const min = -(1n << 63n);
  // Tokens at min, min+q, min+2q, min+3q alternate between a and b: each owns half.
  const a = endpoint('127.0.0.1', { tokens: [String(min), String(min + 2n * quarter)] });
  const b = endpoint('127.0.0.2', { tokens: [String(min + quarter), String(min + 3n * quarter)] });
  assert.deepEqual([...(tokenOwnership([a, b]) ?? [])], [['127.0.0.1', 0.5], ['127.0.0.2', 0.5]]);
  // a owns (min+3q, min] (the wrap, one quarter); b owns (min, min+3q] (three quarters).
  const c = endpoint('127.0.0.1', { tokens: [String(min)] });
  const d = endpoint('127.0.0.2', { tokens: [String(min + 3n * quarter)] });
  assert.deepEqual([...(tokenOwnership([c, d]) ?? [])], [['127.0.0.1', 0.25], ['127.0.0.2', 0.75]]);
  assert.deepEqual([...(tokenOwnership([endpoint('127.0.0.1', { tokens: ['42'] })]) ?? [])], [['127.0.0.1', 1]]);
  assert.equal(tokenOwnership([a, endpoint('127.0.0.3')]), null);
});

test('ownership the node reports for every endpoint wins over the tokens', () => {
  const a = endpoint('127.0.0.1', { tokens: ['1'], owns: 0.7 });
  const b = endpoint('127.0.0.2', { tokens: ['2'], owns: 0.3 });
  assert.deepEqual([...(tokenOwnership([a, b]) ?? [])], [['127.0.0.1', 0.7], ['127.0.0.2', 0.3]]);
  assert.notEqual(tokenOwnership([a, endpoint('127.0.0.2', { tokens: ['2'] })])?.get('127.0.0.1'), 0.7);
});

test('nodetool status: datacenter header, legend, UN/DN lines in address order', () => {
  const local = endpoint('127.0.0.2', { tokens: ['-4611686018427387904'] });
  const peers = [
    endpoint('127.0.0.3', { status: 'DOWN', loadBytes: null, tokens: ['4611686018427387904'] }),
    endpoint('127.0.0.1', { state: 'JOINING', loadBytes: 700, tokens: ['0'] }),
  ];
  const expected = [
    'Datacenter: datacenter1',
    '=======================',
    'Status=Up/Down',
    '|/ State=Normal/Leaving/Joining/Moving',
    // Cassandra 4.0's TableBuilder: each column as wide as its widest cell, two spaces apart, the last padded too.
    '--  Address    Load       Tokens  Owns   Host ID                               Rack ',
    'UJ  127.0.0.1  700 bytes  1       25.0%  00000000-0000-4000-8000-000000000001  rack1',
    'UN  127.0.0.2  47.66 KiB  1       50.0%  00000000-0000-4000-8000-000000000002  rack1',
    'DN  127.0.0.3  ?          1       25.0%  00000000-0000-4000-8000-000000000003  rack1',
    '',
  ].join('\n');
  assert.equal(formatNodetoolStatus(report(local, peers)), expected);
});

test('nodetool status of a node that does not gossip: itself, with notes', () => {
  const text = formatNodetoolStatus(report(endpoint('127.0.0.1'), null));
  assert.match(text, /^UN {2}127\.0\.0\.1 {2}47\.66 KiB {2}\? {7}\? {5}0000/m);
  assert.match(text, /Note: this node does not gossip yet/);
  assert.match(text, /Note: tokens are not reported/);
});

test('nodetool status: one block per datacenter', () => {
  const text = formatNodetoolStatus(report(endpoint('127.0.0.1', { tokens: ['1'] }), [endpoint('127.0.0.2', { dataCenter: 'dc2', rack: 'r2', tokens: ['2'] })]));
  const headers = text.split('\n').filter((line) => line.startsWith('Datacenter:'));
  assert.deepEqual(headers, ['Datacenter: datacenter1', 'Datacenter: dc2']);
  assert.match(text, /UN {2}127\.0\.0\.2 .* r2 {3}$/m);
  // The datacenters share one table's column widths, with a blank line between them.
  assert.match(text, /rack1\n\nDatacenter: dc2\n/);
});

test('nodetool ring: the last token first, then every token in ring order', () => {
  const local = endpoint('127.0.0.1', { tokens: ['100', '-100'] });
  const peer = endpoint('127.0.0.2', { status: 'DOWN', tokens: ['0'] });
  const lines = formatNodetoolRing(report(local, [peer])).split('\n');
  assert.deepEqual(lines.slice(0, 8), [
    '',
    'Datacenter: datacenter1',
    '==========',
    'Address    Rack        Status State   Load            Owns                Token',
    '                                                                          100',
    '127.0.0.1  rack1       Up     Normal  47.66 KiB       100.00%             -100',
    '127.0.0.2  rack1       Down   Normal  47.66 KiB       0.00%               0',
    '127.0.0.1  rack1       Up     Normal  47.66 KiB       100.00%             100',
  ].map((line) => (line.length > 74 ? line.padEnd(74 + 44) : line)));
  assert.ok(lines.includes('  Warning: "nodetool ring" is used to output all the tokens of a node.'));
});

test('nodetool status <keyspace>: "Owns (effective)" when the node computed it for that keyspace', () => {
  const local = endpoint('127.0.0.1', { tokens: ['1'], owns: 1 });
  const peer = endpoint('127.0.0.2', { tokens: ['2'], owns: 1 });
  const effective = formatNodetoolStatus({ ...report(local, [peer]), ownershipKeyspace: 'flights' }, { keyspace: 'flights' });
  assert.match(effective, /^--  Address    Load       Tokens  Owns \(effective\)  Host ID {31}Rack $/m);
  assert.match(effective, /^UN  127\.0\.0\.2  47\.66 KiB  1 {7}100\.0% {12}0000/m);
  assert.doesNotMatch(effective, /Note:/);
  const raw = formatNodetoolStatus(report(endpoint('127.0.0.1', { tokens: ['1'] }), []), { keyspace: 'flights' });
  assert.match(raw, /^--  Address    Load       Tokens  Owns    Host ID/m);
  assert.match(raw, /Note: the node does not report effective ownership for keyspace flights/);
});

test('nodetool status -pp: addresses with their storage port, the Address column widened to the longest', () => {
  const local = endpoint('127.0.0.2', { storagePort: 7000, tokens: ['-4611686018427387904'] });
  const peers = [
    endpoint('127.0.0.10', { storagePort: 7012, status: 'DOWN', loadBytes: null, tokens: ['4611686018427387904'] }),
    endpoint('127.0.0.1', { storagePort: 7000, tokens: ['0'] }),
  ];
  // Written out by hand: Address is 15 wide ("127.0.0.10:7012"), every other column as without -pp.
  const expected = [
    'Datacenter: datacenter1',
    '=======================',
    'Status=Up/Down',
    '|/ State=Normal/Leaving/Joining/Moving',
    '--  Address          Load       Tokens  Owns   Host ID                               Rack ',
    'UN  127.0.0.1:7000   47.66 KiB  1       25.0%  00000000-0000-4000-8000-000000000001  rack1',
    'UN  127.0.0.2:7000   47.66 KiB  1       50.0%  00000000-0000-4000-8000-000000000002  rack1',
    'DN  127.0.0.10:7012  ?          1       25.0%  00000000-0000-4000-8000-000000000000  rack1',
    '',
  ].join('\n');
  assert.equal(formatNodetoolStatus(report(local, peers), { printPort: true }), expected);
  // Without -pp the same report prints as before: addresses alone, the column as wide as 127.0.0.10.
  assert.match(formatNodetoolStatus(report(local, peers)), /^UN {2}127\.0\.0\.1 {3}47\.66 KiB/m);
});

test('nodetool status -pp: IPv6 bracketed; a node whose port is unknown is shown without it, with a note', () => {
  const text = formatNodetoolStatus(report(endpoint('::1', { storagePort: 7000, tokens: ['1'] }), [endpoint('127.0.0.2', { tokens: ['2'] })]), { printPort: true });
  assert.match(text, /^UN {2}\[::1\]:7000 {2}47\.66 KiB/m);
  assert.match(text, /^UN {2}127\.0\.0\.2 {3}47\.66 KiB/m);
  assert.match(text, /^Note: the storage port of 127\.0\.0\.2 is not reported: shown without it$/m);
  assert.doesNotMatch(formatNodetoolStatus(report(endpoint('::1', { tokens: ['1'] }), [])), /storage port/);
});

test('nodetool ring -pp: host:port in the Address column, which widens; the other columns keep their widths', () => {
  const local = endpoint('127.0.0.1', { storagePort: 7000, tokens: ['100', '-100'] });
  const peer = endpoint('127.0.0.2', { storagePort: 7000, status: 'DOWN', tokens: ['0'] });
  const lines = formatNodetoolRing(report(local, [peer]), { printPort: true }).split('\n');
  // Address is 14 wide ("127.0.0.1:7000"), then two spaces; Rack 12, Status 7, State 8, Load 16, Owns 20, Token 44.
  assert.deepEqual(lines.slice(0, 8), [
    '',
    'Datacenter: datacenter1',
    '==========',
    'Address         Rack        Status State   Load            Owns                Token',
    '                                                                               100',
    '127.0.0.1:7000  rack1       Up     Normal  47.66 KiB       100.00%             -100',
    '127.0.0.2:7000  rack1       Down   Normal  47.66 KiB       0.00%               0',
    '127.0.0.1:7000  rack1       Up     Normal  47.66 KiB       100.00%             100',
  ].map((line) => (line.length > 79 ? line.padEnd(79 + 44) : line)));
  assert.ok(formatNodetoolRing(report(local, [peer])).split('\n').includes('127.0.0.1  rack1       Up     Normal  47.66 KiB       100.00%             -100'.padEnd(74 + 44)));
});
