// Units of the cell layout of non-frozen collections and UDTs: list ids order appends and
// prepends, whole-value writes become a deletion plus element cells, and reads fold cells
// back into whole values in comparator order, old whole-value cells included.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DataType } from '../protocol/data-type.js';
import { decodeValue, encodeValue } from '../protocol/type-codecs.js';
import { buildTable } from '../schema/table-builder.js';
import { defaultTableOptions } from '../schema/table-options.js';
import { NO_DELETION_TIME, type Cell } from '../storage/types.js';
import { additionCells, foldMultiCellColumns, listElementPath, overwriteCells, sortCells } from './collection-cells.js';

const int: DataType = { kind: 'native', name: 'int' };
const text: DataType = { kind: 'native', name: 'varchar' };
const setOfInt: DataType = { kind: 'set', element: int, frozen: false };
const listOfText: DataType = { kind: 'list', element: text, frozen: false };
const mapOfIntText: DataType = { kind: 'map', key: int, value: text, frozen: false };
const address: DataType = { kind: 'udt', keyspace: 'ks', name: 'address', fields: [{ name: 'street', type: text }, { name: 'zip', type: int }], frozen: false };
const table = buildTable({
  keyspace: 'ks', name: 't', partitionKey: ['k'], clustering: [],
  columns: [{ name: 'k', type: int }, { name: 'l', type: listOfText }, { name: 'm', type: mapOfIntText }, { name: 's', type: setOfInt }, { name: 'u', type: address }],
}, { id: '5a1c395e-b41f-11e5-9f22-ba0be0483c18', options: defaultTableOptions(), virtual: false });
const column = (name: string) => table.columns.get(name)!;
const time = { timestampMicros: 1_000, nowSeconds: 50 };
const options = { time, ttlSeconds: 0, randomBytes: (n: number) => Buffer.alloc(n, 7) };

function folded(cells: Cell[], name: string): unknown {
  const cell = foldMultiCellColumns(table, sortCells(cells)).find((c) => c.column === name);
  return cell === undefined ? null : decodeValue(column(name).type, cell.value!);
}

test('list ids: later appends sort after, later prepends before, statement order kept', () => {
  const random = Buffer.alloc(8);
  const append = (micros: number, index: number) => listElementPath('append', { timestampMicros: micros, index, random });
  const prepend = (micros: number, index: number) => listElementPath('prepend', { timestampMicros: micros, index, random });
  const order = [prepend(20, 0), prepend(20, 1), prepend(10, 0), append(10, 0), append(10, 1), append(20, 0)];
  assert.deepEqual([...order].sort(Buffer.compare), order);
});

test('an overwrite is the column deleted one microsecond earlier plus its elements', () => {
  const cells = sortCells(overwriteCells(column('s'), encodeValue(setOfInt, [3, 1]), options));
  assert.equal(cells[0]!.path, undefined);
  assert.equal(cells[0]!.value, null);
  assert.equal(cells[0]!.timestampMicros, 999);
  assert.deepEqual(cells.slice(1).map((c) => c.path), [encodeValue(int, 1), encodeValue(int, 3)]);
  assert.deepEqual(overwriteCells(column('s'), null, options).length, 1);
});

test('reads fold elements into comparator order; an empty collection is null', () => {
  const negative = additionCells(column('s'), encodeValue(setOfInt, [-5, 10, 2]), options);
  // Bytes order of -5 (0xff...) is last; the int comparator puts it first.
  assert.deepEqual(folded(negative, 's'), [-5, 2, 10]);
  const map = additionCells(column('m'), encodeValue(mapOfIntText, new Map([[2, 'b'], [-1, 'a']])), options);
  assert.deepEqual(folded(map, 'm'), [[-1, 'a'], [2, 'b']]);
  const list = [
    ...additionCells(column('l'), encodeValue(listOfText, ['x', 'y']), options),
    ...additionCells(column('l'), encodeValue(listOfText, ['w']), { ...options, direction: 'prepend' as const }),
  ];
  assert.deepEqual(folded(list, 'l'), ['w', 'x', 'y']);
  assert.equal(folded([{ column: 's', timestampMicros: 1, ttlSeconds: 0, localDeletionTime: 1, value: null }], 's'), null);
});

test('UDT fields by index; unset fields read null', () => {
  const cells = additionCells(column('u'), Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from('a'), Buffer.from([255, 255, 255, 255])]), options);
  assert.equal(cells.length, 1);
  const value = foldMultiCellColumns(table, cells).find((c) => c.column === 'u')!.value!;
  assert.deepEqual(value, Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from('a'), Buffer.from([255, 255, 255, 255])]));
});

test('an old whole-value cell still reads, with elements written since merged in', () => {
  const whole: Cell = { column: 's', timestampMicros: 5, ttlSeconds: 0, localDeletionTime: NO_DELETION_TIME, value: encodeValue(setOfInt, [1, 4]) };
  assert.deepEqual(folded([whole], 's'), [1, 4]);
  assert.deepEqual(folded([whole, ...additionCells(column('s'), encodeValue(setOfInt, [2]), options)], 's'), [1, 2, 4]);
});
