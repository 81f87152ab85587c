// The digest of a read result (for digest reads and read repair): MD5, as Cassandra uses, over
// a canonical encoding of the partitions (the mutation serializer's partition layout, which is
// deterministic for equal results), so replicas holding the same data agree.

import { createHash, hash } from 'node:crypto';
import { ByteWriter, writePartition } from './mutation-serializer.js';
import type { ReadResult } from './types.js';

// One-shot hashing (Node >= 20.12) costs a fraction of a Hash object per digest; every QUORUM
// read makes one on each digest replica and one on the coordinator.
const md5: (bytes: Buffer) => Buffer = typeof hash === 'function'
  ? (bytes) => hash('md5', bytes, 'buffer')
  : (bytes) => createHash('md5').update(bytes).digest();

export function digestReadResult(result: ReadResult): Buffer {
  const writer = new ByteWriter();
  writer.u32(result.partitions.length);
  for (const partition of result.partitions) writePartition(writer, partition);
  return md5(writer.finish());
}
