// Serialized partition keys, as Cassandra hashes and stores them. One component: the value's
// bytes themselves. Several: CompositeType layout, for each component
// [unsigned short length][bytes][end-of-component byte 0x00].

import { assert } from '../common/assert.js';
import { invalidRequest } from '../common/errors.js';
import { partitionKeyBytesMax } from '../common/limits.js';

const COMPONENT_HEADER_BYTES = 2;
const END_OF_COMPONENT = 0x00;

/** Builds the partition key from component values (wire bytes), in partition key order. */
export function serializePartitionKey(components: readonly Buffer[]): Buffer {
  assert(components.length > 0, 'a partition key has at least one component');
  if (components.length === 1) {
    const only = components[0] as Buffer;
    checkKeySize(only.length);
    return only;
  }
  let size = 0;
  for (const component of components) {
    if (component.length > 0xffff) throw keyTooLong(component.length);
    size += COMPONENT_HEADER_BYTES + component.length + 1;
  }
  checkKeySize(size);
  const key = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const component of components) {
    offset = key.writeUInt16BE(component.length, offset);
    offset += component.copy(key, offset);
    key[offset++] = END_OF_COMPONENT;
  }
  return key;
}

/**
 * Splits a serialized key back into `count` components. Throws Invalid when the bytes are
 * not a well-formed composite of exactly that many components.
 */
export function splitPartitionKey(key: Buffer, count: number): Buffer[] {
  assert(count > 0, 'a partition key has at least one component');
  if (count === 1) return [key];
  const components: Buffer[] = [];
  let offset = 0;
  while (offset < key.length) {
    if (components.length === count) throw malformed(key, 'trailing bytes');
    if (offset + COMPONENT_HEADER_BYTES > key.length) throw malformed(key, 'truncated component length');
    const length = key.readUInt16BE(offset);
    offset += COMPONENT_HEADER_BYTES;
    if (offset + length + 1 > key.length) throw malformed(key, 'truncated component');
    components.push(key.subarray(offset, offset + length));
    offset += length;
    if (key[offset] !== END_OF_COMPONENT) throw malformed(key, 'bad end-of-component byte');
    offset += 1;
  }
  if (components.length !== count) throw malformed(key, `expected ${count} components, found ${components.length}`);
  return components;
}

function checkKeySize(size: number): void {
  if (size > partitionKeyBytesMax) throw keyTooLong(size);
}

function keyTooLong(size: number): Error {
  return invalidRequest(`Key length of ${size} is longer than maximum of ${partitionKeyBytesMax}`);
}

function malformed(key: Buffer, detail: string): Error {
  return invalidRequest(`Malformed composite partition key 0x${key.subarray(0, 64).toString('hex')}: ${detail}`);
}
