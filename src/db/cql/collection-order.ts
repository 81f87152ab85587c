// The canonical form of a collection value, as Cassandra stores it: a set's elements sorted by
// the element type's order without duplicates, a map's entries sorted by key (the last of equal
// keys kept), and the same inside nested collections. Literals and bound values (whatever order
// a driver encoded them in) are normalised before they are written or compared.

import type { DataType } from '../protocol/data-type.js';
import { readCollectionCount, readElement, writeCount, writeElement } from '../protocol/value-bytes.js';
import { compareValues } from '../schema/value-order.js';
import { invalidRequest } from '../common/errors.js';

export function encodeCollection(elements: Buffer[]): Buffer {
  return Buffer.concat([writeCount(elements.length), ...elements.map((e) => writeElement(e))]);
}

export function sortedUnique(elements: Buffer[], type: DataType): Buffer[] {
  const sorted = [...elements].sort((a, b) => compareValues(type, a, { b }));
  return sorted.filter((e, i) => i === 0 || compareValues(type, sorted[i - 1]!, { b: e }) !== 0);
}

export function encodeMapValue(entries: Array<[Buffer, Buffer]>, keyType: DataType): Buffer {
  // A stable sort keeps equal keys in their given order; the last of them wins.
  const sorted = [...entries].sort((a, b) => compareValues(keyType, a[0], { b: b[0] }));
  const unique = sorted.filter((e, i) => i === sorted.length - 1 || compareValues(keyType, e[0], { b: sorted[i + 1]![0] }) !== 0);
  return Buffer.concat([writeCount(unique.length), ...unique.flatMap(([k, v]) => [writeElement(k), writeElement(v)])]);
}

function hasCollection(type: DataType): boolean {
  return type.kind === 'set' || type.kind === 'map' || type.kind === 'list';
}

function readAll(bytes: Buffer, { perItem }: { perItem: number }): Buffer[] {
  const { count, offset: start } = readCollectionCount(bytes, 4 * perItem);
  const out: Buffer[] = [];
  let offset = start;
  for (let i = 0; i < count * perItem; i++) {
    const { value, offset: next } = readElement(bytes, offset);
    if (value === null) throw invalidRequest('null is not supported inside collections');
    out.push(value);
    offset = next;
  }
  return out;
}

/** The canonical bytes of a value of type (unchanged unless it is or holds a set or map). */
export function canonicalValue(type: DataType, bytes: Buffer): Buffer {
  if (!hasCollection(type) || bytes.length === 0) return bytes;
  if (type.kind === 'list') {
    if (!hasCollection(type.element)) return bytes;
    return encodeCollection(readAll(bytes, { perItem: 1 }).map((e) => canonicalValue(type.element, e)));
  }
  if (type.kind === 'set') {
    return encodeCollection(sortedUnique(readAll(bytes, { perItem: 1 }).map((e) => canonicalValue(type.element, e)), type.element));
  }
  if (type.kind !== 'map') return bytes;
  const flat = readAll(bytes, { perItem: 2 });
  const entries: Array<[Buffer, Buffer]> = [];
  for (let i = 0; i < flat.length; i += 2) entries.push([canonicalValue(type.key, flat[i]!), canonicalValue(type.value, flat[i + 1]!)]);
  return encodeMapValue(entries, type.key);
}
