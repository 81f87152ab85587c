// Repair's Merkle trees (Cassandra's MerkleTree, simplified to a fixed depth): a token range
// (left, right] is cut into 2^depth equal leaves; each partition's hash is XORed into the
// leaf that holds its token, so a tree is built in one pass over a token-ordered scan without
// holding the data. Inner nodes hash their two children; two replicas compare top-down and
// only the leaves under differing nodes are streamed.

import { createHash } from 'node:crypto';
import { assert, fail } from '../../common/assert.js';
import { rangeSize, type Token, type TokenRange } from '../../dht/token.js';

export const hashBytes = 16;
/** Deepest tree a VALIDATION may ask for: 2^12 leaves of 16 bytes is 64 KiB per message. */
export const merkleDepthMax = 12;
const RING_SIZE = 2n ** 64n;

export class MerkleTree {
  /** Leaf hashes, leaf i covering the i-th of 2^depth equal slices of the range. */
  readonly leaves: Buffer[];

  constructor(readonly range: TokenRange, readonly depth: number, leaves?: Buffer[]) {
    if (!(Number.isInteger(depth) && depth >= 0 && depth <= merkleDepthMax)) fail(`merkle depth out of range: ${depth}`);
    const count = 2 ** depth;
    if (leaves !== undefined) {
      assert(leaves.length === count && leaves.every((leaf) => leaf.length === hashBytes), 'merkle leaves do not match the depth');
      this.leaves = leaves;
    } else {
      this.leaves = Array.from({ length: count }, () => Buffer.alloc(hashBytes));
    }
  }

  /** Index of the leaf that holds token (which must lie in the range). */
  leafIndex(token: Token): number {
    const offset = (token - this.range.left - 1n + RING_SIZE) % RING_SIZE;
    const size = rangeSize(this.range);
    if (!(offset < size)) fail(`token ${token} is outside the tree's range`);
    // The largest i with floor(i * size / n) <= offset, so leafRange(i) holds the token.
    return Number(((offset + 1n) * BigInt(this.leaves.length) - 1n) / size);
  }

  /** XORs a partition's hash into its leaf (order-independent, as Cassandra's). */
  add(token: Token, partitionHash: Buffer): void {
    assert(partitionHash.length === hashBytes, 'a partition hash is 16 bytes');
    const leaf = this.leaves[this.leafIndex(token)] as Buffer;
    for (let i = 0; i < hashBytes; i++) leaf[i] = (leaf[i] as number) ^ (partitionHash[i] as number);
  }

  /** The range leaf i covers: (left + i*size/n, left + (i+1)*size/n]. */
  leafRange(index: number): TokenRange {
    const size = rangeSize(this.range);
    const count = BigInt(this.leaves.length);
    const at = (i: bigint): Token => BigInt.asIntN(64, this.range.left + (size * i) / count);
    return { left: at(BigInt(index)), right: at(BigInt(index) + 1n) };
  }

  /** The root hash: the hash of the two children, down to the leaves. */
  root(): Buffer {
    let level = this.leaves;
    while (level.length > 1) {
      const next: Buffer[] = [];
      for (let i = 0; i < level.length; i += 2) next.push(hashPair(level[i] as Buffer, level[i + 1] as Buffer));
      level = next;
    }
    return level[0] as Buffer;
  }
}

function hashPair(a: Buffer, b: Buffer): Buffer {
  return createHash('md5').update(a).update(b).digest();
}

/** Indexes of the leaves where two trees over the same range differ (top-down: none when the roots agree). */
export function differingLeaves(a: MerkleTree, b: MerkleTree): number[] {
  assert(a.range.left === b.range.left && a.range.right === b.range.right && a.depth === b.depth, 'trees over different ranges');
  if (a.root().equals(b.root())) return [];
  const leaves: number[] = [];
  for (let i = 0; i < a.leaves.length; i++) if (!(a.leaves[i] as Buffer).equals(b.leaves[i] as Buffer)) leaves.push(i);
  return leaves;
}

/** The ranges of these leaves (sorted indexes), adjacent ones coalesced so a SYNC streams a few ranges, not one per leaf. */
export function leafRanges(tree: MerkleTree, leaves: readonly number[]): TokenRange[] {
  const ranges: TokenRange[] = [];
  for (const index of leaves) {
    const range = tree.leafRange(index);
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last.right === range.left) last.right = range.right;
    else ranges.push(range);
  }
  return ranges;
}

/** The ranges where two trees over the same range differ, coalesced. Empty when the replicas agree. */
export function differences(a: MerkleTree, b: MerkleTree): TokenRange[] {
  return leafRanges(a, differingLeaves(a, b));
}

/** Serialized leaves (depth byte, then the hashes), the VALIDATION response's tree. */
export function encodeTree(tree: MerkleTree): Buffer {
  return Buffer.concat([Buffer.from([tree.depth]), ...tree.leaves]);
}

export function decodeTree(range: TokenRange, bytes: Buffer): MerkleTree {
  assert(bytes.length >= 1, 'empty merkle tree');
  const depth = bytes[0] as number;
  assert(depth <= merkleDepthMax && bytes.length === 1 + hashBytes * 2 ** depth, 'malformed merkle tree');
  const leaves: Buffer[] = [];
  for (let i = 0; i < 2 ** depth; i++) leaves.push(Buffer.from(bytes.subarray(1 + i * hashBytes, 1 + (i + 1) * hashBytes)));
  return new MerkleTree(range, depth, leaves);
}
