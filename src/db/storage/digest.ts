// The digest of a read result (for digest reads and read repair): MD5, as Cassandra uses, over
// a canonical encoding of the partitions (the mutation serializer's partition layout, which is
// deterministic for equal results), so replicas holding the same data agree.

import { createHash } from 'node:crypto';
import { ByteWriter, writePartition } from './mutation-serializer.js';
import type { ReadResult } from './types.js';

export function digestReadResult(result: ReadResult): Buffer {
  const writer = new ByteWriter();
  writer.u32(result.partitions.length);
  for (const partition of result.partitions) writePartition(writer, partition);
  return createHash('md5').update(writer.finish()).digest();
}
