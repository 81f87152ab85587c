import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { MIN_TOKEN } from '../../dht/token.js';
import type { Mutation, Partition, PartitionPosition } from '../../storage/types.js';
import { scanBounds } from './range-positions.js';
import { decodeSyncRequest, decodeSyncResponse, decodeValidationRequest, encodeSyncRequest, encodeValidationRequest } from './repair-payloads.js';
import { buildTree, syncPage, type RepairStore } from './repair-verbs.js';
import { differences } from './merkle-tree.js';

const partition = (token: bigint, bytes = 10): Partition => ({
  key: Buffer.from(String(token)), token, partitionDeletion: null, rangeTombstones: [],
  rows: [{ clustering: Buffer.alloc(0), liveness: null, deletion: null, cells: [{ column: 'v', timestampMicros: 1, ttlSeconds: 0, localDeletionTime: 0x7fffffff, value: Buffer.alloc(bytes) }] }],
});

/** A store over sorted partitions, honouring storage's (start, end] positions by token (keys unique per token here). */
function store(partitions: Partition[]): RepairStore {
  // A bare token sorts before every key with that token; a start is exclusive, an end inclusive.
  const after = (p: Partition, start: PartitionPosition) =>
    start.key === undefined ? p.token >= start.token : p.token > start.token || (p.token === start.token && Buffer.compare(p.key, start.key) > 0);
  const within = (p: Partition, end: PartitionPosition) => (end.token === MIN_TOKEN && end.key === undefined) || p.token < end.token || (end.key !== undefined && p.token === end.token);
  return {
    async *scan(_tableId, start, end) { for (const p of partitions) if (after(p, start) && within(p, end)) yield p; },
    apply: (_mutations: Mutation[]) => Promise.resolve(),
  };
}

test('a range becomes scan positions that hold exactly its tokens', () => {
  assert.deepEqual(scanBounds({ left: 10n, right: 20n }), [{ start: { token: 11n }, end: { token: 21n } }]);
  assert.deepEqual(scanBounds({ left: 20n, right: 10n }), [{ start: { token: 21n }, end: { token: MIN_TOKEN } }, { start: { token: MIN_TOKEN }, end: { token: 11n } }]);
});

test('trees of replicas with the same partitions agree; a missing partition is found in its leaf', async () => {
  const range = { left: 0n, right: 1024n };
  const partitions = Array.from({ length: 100 }, (_, i) => partition(BigInt(i * 10 + 1)));
  const full = await buildTree(store(partitions), { tableId: 't', range, depth: 4 });
  assert.deepEqual(differences(full, await buildTree(store([...partitions]), { tableId: 't', range, depth: 4 })), []);
  const missing = await buildTree(store(partitions.filter((p) => p.token !== 501n)), { tableId: 't', range, depth: 4 });
  assert.deepEqual(differences(full, missing), [{ left: 448n, right: 512n }]);
});

test('sync pages are bounded by bytes and resume after their last partition', async () => {
  const partitions = Array.from({ length: 10 }, (_, i) => partition(BigInt(i + 1), 300 * 1024));
  const source = store(partitions);
  let after: PartitionPosition = { token: 1n };
  const seen: bigint[] = [];
  for (let pages = 0; ; pages++) {
    assert.ok(pages < 10);
    const page = decodeSyncResponse(await syncPage(source, { tableId: 't', after, end: { token: MIN_TOKEN } }), 'test');
    assert.ok(page.partitions.length <= 4, 'a page holds about repairSyncBytesMax');
    seen.push(...page.partitions.map((p) => p.token));
    const last = page.partitions[page.partitions.length - 1];
    if (!page.more || last === undefined) break;
    after = { token: last.token, key: last.key };
  }
  assert.deepEqual(seen, partitions.map((p) => p.token));
});

test('repair requests survive their encoding; trailing bytes are refused', () => {
  const validation = { tableId: 'abc', range: { left: -5n, right: 7n }, depth: 10 };
  assert.deepEqual(decodeValidationRequest(encodeValidationRequest(validation), 'test'), validation);
  const sync = { tableId: 'abc', after: { token: 3n, key: Buffer.from('k') }, end: { token: MIN_TOKEN } };
  assert.deepEqual(decodeSyncRequest(encodeSyncRequest(sync), 'test'), sync);
  assert.throws(() => decodeSyncRequest(Buffer.concat([encodeSyncRequest(sync), Buffer.from([0])]), 'test'));
});
