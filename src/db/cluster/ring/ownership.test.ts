import { test } from 'node:test';
import assert from 'node:assert/strict';
import { effectiveOwnership, primaryOwnership } from './ownership.js';
import { TokenMetadata } from './token-metadata.js';

const quarter = 2n ** 62n;

function ring(): TokenMetadata {
  // Tokens at -2^63+1 (A), -2^62 (B), 0 (C), 2^62 (A): A holds (2^62, -2^63+1] and (0, 2^62].
  const metadata = new TokenMetadata();
  metadata.updateNormalTokens('A', [-(2n ** 63n) + 1n, quarter]);
  metadata.updateNormalTokens('B', [-quarter]);
  metadata.updateNormalTokens('C', [0n]);
  return metadata;
}

test('primary ownership follows range sizes', () => {
  const shares = primaryOwnership(ring());
  assert.ok(Math.abs((shares.get('A') as number) - 0.5) < 1e-9);
  assert.ok(Math.abs((shares.get('B') as number) - 0.25) < 1e-9);
  assert.ok(Math.abs((shares.get('C') as number) - 0.25) < 1e-9);
  assert.deepEqual(primaryOwnership(new TokenMetadata()), new Map());
});

test('effective ownership sums to the replication factor', () => {
  const shares = effectiveOwnership(ring(), { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '2' });
  const total = [...shares.values()].reduce((sum, share) => sum + share, 0);
  assert.ok(Math.abs(total - 2) < 1e-9);
  // With RF 3 on 3 nodes everyone holds everything.
  for (const share of effectiveOwnership(ring(), { class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '3' }).values()) {
    assert.ok(Math.abs(share - 1) < 1e-9);
  }
});
