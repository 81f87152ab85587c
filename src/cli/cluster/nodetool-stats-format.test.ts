// The layouts of nodetool tpstats, proxyhistograms and tablehistograms against fixtures written
// from Cassandra 4.0's format strings (TpStatsPrinter "%-30s%10s%10s%15s%10s%18s", dropped
// messages "%-20s%10s%18s%18s%18s%18s"; ProxyHistograms "%-10s%19s..." with %19.2f;
// TableHistograms "%-10s%10s%18s..." with %10.2f, %18.2f and %18.0f). Values that vary are
// masked: each number becomes '#' run to its width, so headers and column positions must match.

import test from 'node:test';
import assert from 'node:assert/strict';
import { formatProxyHistograms, formatTableHistograms, formatTpStats } from './nodetool-stats-format.js';

/** Replaces each digit of a value with '#' (percentile labels such as 50% stay): the layout stays, the values go. */
const mask = (text: string) => text.replace(/\d+(\.\d+)?%?/g, (m) => (m.endsWith('%') ? m : m.replace(/\d/g, '#')));

// As Cassandra 4.0 prints them (whitespace exact), values masked.
const tpstatsFixture = [
  'Pool Name                         Active   Pending      Completed   Blocked  All time blocked',
  'MutationStage                          #         #            ###         #                 #',
  'Native-Transport-Requests              #         #           ####         #                 #',
  'ReadStage                              #         #             ##         #                 #',
  '',
  'Message type           Dropped                  Latency waiting in queue (micros)                                    ',
  '                                             50%               95%               99%               Max',
  'MUTATION                     #               N/A               N/A               N/A               N/A',
  '',
].join('\n');

const proxyFixture = [
  'proxy histograms',
  'Percentile       Read Latency      Write Latency      Range Latency   CAS Read Latency  CAS Write Latency View Write Latency',
  '                     (micros)           (micros)           (micros)           (micros)           (micros)           (micros)',
  ...['50%', '75%', '95%', '98%', '99%', 'Min', 'Max'].map((name) => `${name.padEnd(10)}${'             ###.##'.repeat(6)}`),
  '',
  '',
].join('\n');

const tableFixture = [
  'ks/kv histograms',
  'Percentile  SSTables     Write Latency      Read Latency    Partition Size        Cell Count',
  '                              (micros)          (micros)           (bytes)                  ',
  ...['50%', '75%', '95%', '98%', '99%', 'Min', 'Max'].map((name) => `${name.padEnd(10)}      #.##            ###.##            ###.##                ##                 #`),
  '',
  '',
].join('\n');

test('tpstats: Cassandra 4.0\'s pool table and dropped-message table', () => {
  const text = formatTpStats({
    pools: [
      { name: 'MutationStage', active: 0, pending: 0, completed: 120, blocked: 0, allTimeBlocked: 0 },
      { name: 'Native-Transport-Requests', active: 1, pending: 0, completed: 4321, blocked: 0, allTimeBlocked: 0 },
      { name: 'ReadStage', active: 0, pending: 0, completed: 42, blocked: 0, allTimeBlocked: 0 },
    ],
    dropped: { MUTATION: 3 },
  });
  assert.equal(mask(text), tpstatsFixture);
});

test('proxyhistograms: seven percentile rows of six latency columns, %19.2f', () => {
  const seven = [123.45, 234.5, 345, 456, 567, 100, 999];
  const text = formatProxyHistograms({ read: seven, write: seven, range: seven, casRead: seven, casWrite: seven });
  // The view column is always 0.00 (no views): mask it to the fixture's width too.
  assert.equal(mask(text).replace(/ {15}#\.##$/gm, '             ###.##'), proxyFixture);
});

test('tablehistograms: the table header, units line and %10.2f / %18.2f / %18.0f rows', () => {
  const text = formatTableHistograms({ tables: [{ keyspace: 'ks', table: 'kv', sstablesPerRead: Array(7).fill(1), writeLatency: Array(7).fill(123.4), readLatency: Array(7).fill(456.7), partitionSize: Array(7).fill(42), cellCount: Array(7).fill(3) }] });
  assert.equal(mask(text), tableFixture);
});

test('tablehistograms before any flush: Cassandra\'s note and NaN sizes', () => {
  const text = formatTableHistograms({ tables: [{ keyspace: 'ks', table: 'kv', sstablesPerRead: Array(7).fill(0), writeLatency: Array(7).fill(10), readLatency: Array(7).fill(0), partitionSize: null, cellCount: null }] });
  const lines = text.split('\n');
  assert.equal(lines[0], 'No SSTables exists, unable to calculate \'Partition Size\' and \'Cell Count\' percentiles');
  assert.equal(lines[1], 'ks/kv histograms');
  assert.equal(lines[4], '50%             0.00             10.00              0.00               NaN               NaN');
});
