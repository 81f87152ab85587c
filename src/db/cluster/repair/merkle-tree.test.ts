import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { MAX_TOKEN, MIN_TOKEN, rangeContains, type TokenRange } from '../../dht/token.js';
import { decodeTree, differences, encodeTree, MerkleTree } from './merkle-tree.js';

const hashOf = (text: string) => createHash('md5').update(text).digest();

test('every token falls in the leaf whose range contains it, also for wrapping and tiny ranges', () => {
  const ranges: TokenRange[] = [
    { left: MIN_TOKEN, right: MIN_TOKEN },
    { left: 100n, right: -100n },
    { left: -5n, right: 3n },
    { left: 0n, right: 1000n },
    { left: MAX_TOKEN - 10n, right: MIN_TOKEN + 10n },
  ];
  for (const range of ranges) {
    const tree = new MerkleTree(range, 4);
    const probes = [range.left + 1n, range.right, range.left + 2n, range.right - 1n, 0n, 7n, MAX_TOKEN, MIN_TOKEN + 1n, 999n];
    for (const raw of probes) {
      const token = BigInt.asIntN(64, raw);
      if (token === MIN_TOKEN || !rangeContains(range, token)) continue;
      const leaf = tree.leafIndex(token);
      assert.ok(rangeContains(tree.leafRange(leaf), token), `token ${token} in leaf ${leaf} of (${range.left}, ${range.right}]`);
    }
  }
});

test('leaves tile the range without gaps', () => {
  const range = { left: -1000n, right: 12345n };
  const tree = new MerkleTree(range, 3);
  assert.equal(tree.leafRange(0).left, range.left);
  assert.equal(tree.leafRange(7).right, range.right);
  for (let i = 1; i < 8; i++) assert.equal(tree.leafRange(i).left, tree.leafRange(i - 1).right);
});

test('equal contents in any order give equal trees; a difference is found and coalesced', () => {
  const range = { left: 0n, right: 1600n };
  const a = new MerkleTree(range, 4);
  const b = new MerkleTree(range, 4);
  const tokens = Array.from({ length: 200 }, (_, i) => BigInt(i * 8 + 1));
  for (const token of tokens) a.add(token, hashOf(String(token)));
  for (const token of [...tokens].reverse()) b.add(token, hashOf(String(token)));
  assert.deepEqual(differences(a, b), []);
  assert.ok(a.root().equals(b.root()));
  // Partitions in adjacent leaves 2 and 3 ((200, 300] and (300, 400]) differ: one coalesced range.
  b.add(250n, hashOf('extra'));
  b.add(350n, hashOf('other'));
  assert.deepEqual(differences(a, b), [{ left: 200n, right: 400n }]);
  b.add(1550n, hashOf('late'));
  assert.deepEqual(differences(a, b), [{ left: 200n, right: 400n }, { left: 1500n, right: 1600n }]);
});

test('a tree survives its encoding and a malformed one is refused', () => {
  const range = { left: 10n, right: 20n };
  const tree = new MerkleTree(range, 2);
  tree.add(15n, hashOf('x'));
  const copy = decodeTree(range, encodeTree(tree));
  assert.deepEqual(differences(tree, copy), []);
  assert.throws(() => decodeTree(range, encodeTree(tree).subarray(0, 10)));
  assert.throws(() => new MerkleTree(range, 13));
});
