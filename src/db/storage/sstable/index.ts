// The sstable API the storage engine uses.
export { BlockCache, CacheSegment, blockCacheBytesDefault, keyCacheBytesDefault } from './block-cache.js';
export { listSSTables, listTemporarySSTableFiles, nextSSTableGeneration, removeTemporarySSTableFiles, type SSTableFile } from './directory.js';
export { isTemporarySSTableFile, parseSSTableFileName, sstableFileName } from './format.js';
export type { SSTableMetadata } from './metadata.js';
export { SSTableReader, comparePositions, type OpenSSTableOptions, type ReadPartitionOptions, type SSTablePartition } from './reader.js';
export { bloomFalsePositiveChanceDefault, sstableBlockBytesDefault, writeSSTable, type SSTableDescriptor, type WriteSSTableOptions } from './writer.js';
