// The framing inside collection, tuple and user type values (v4: [int] counts and [bytes]
// elements). Bounds-checked; bad bytes are an invalid value, so they throw invalidRequest.

import { invalidRequest } from '../common/errors.js';
import { collectionElementsMax } from '../common/limits.js';

export function writeCount(count: number): Buffer {
  if (count > collectionElementsMax) {
    throw invalidRequest(`Collection has ${count} elements, more than the ${collectionElementsMax} allowed`);
  }
  const bytes = Buffer.alloc(4);
  bytes.writeInt32BE(count, 0);
  return bytes;
}

export function writeElement(value: Buffer | null): Buffer {
  const header = Buffer.alloc(4);
  if (value === null) {
    header.writeInt32BE(-1, 0);
    return header;
  }
  header.writeInt32BE(value.length, 0);
  return Buffer.concat([header, value]);
}

/** Reads an [int] element count and checks the bytes left can hold that many elements. */
export function readCollectionCount(bytes: Buffer, itemBytesMin: number): { count: number; offset: number } {
  if (bytes.length < 4) throw invalidRequest(`Not enough bytes to read a collection size (${bytes.length})`);
  const count = bytes.readInt32BE(0);
  if (count < 0) throw invalidRequest(`Invalid negative collection size ${count}`);
  if (count > collectionElementsMax) {
    throw invalidRequest(`Collection has ${count} elements, more than the ${collectionElementsMax} allowed`);
  }
  if (count * itemBytesMin > bytes.length - 4) {
    throw invalidRequest(`Collection size ${count} does not fit in ${bytes.length - 4} bytes`);
  }
  return { count, offset: 4 };
}

/** Reads a [bytes] element at offset; a negative length is null. */
export function readElement(bytes: Buffer, offset: number): { value: Buffer | null; offset: number } {
  if (offset + 4 > bytes.length) throw invalidRequest('Not enough bytes to read an element size');
  const length = bytes.readInt32BE(offset);
  if (length < 0) return { value: null, offset: offset + 4 };
  const end = offset + 4 + length;
  if (end > bytes.length) {
    throw invalidRequest(`Not enough bytes to read an element of ${length} bytes (${bytes.length - offset - 4} left)`);
  }
  return { value: bytes.subarray(offset + 4, end), offset: end };
}
