// [option] type descriptors (spec 4.2.5.2): the wire form of a DataType in result and
// prepared metadata. Nesting is bounded so a hostile descriptor cannot recurse without end.

import { unreachable } from '../common/assert.js';
import { protocolError } from '../common/errors.js';
import { parserDepthMax } from '../common/limits.js';
import { DataTypeId, type DataType, type NativeTypeName } from './data-type.js';
import type { ProtocolReader } from './reader.js';
import { ProtocolWriter, stringSize } from './writer.js';

/** Wire id of every native type; 'text' is sent as varchar (there is no separate id). */
const nativeIds: Readonly<Record<NativeTypeName, number>> = {
  ascii: DataTypeId.ascii,
  bigint: DataTypeId.bigint,
  blob: DataTypeId.blob,
  boolean: DataTypeId.boolean,
  counter: DataTypeId.counter,
  decimal: DataTypeId.decimal,
  double: DataTypeId.double,
  float: DataTypeId.float,
  int: DataTypeId.int,
  timestamp: DataTypeId.timestamp,
  uuid: DataTypeId.uuid,
  text: DataTypeId.varchar,
  varchar: DataTypeId.varchar,
  varint: DataTypeId.varint,
  timeuuid: DataTypeId.timeuuid,
  inet: DataTypeId.inet,
  date: DataTypeId.date,
  time: DataTypeId.time,
  smallint: DataTypeId.smallint,
  tinyint: DataTypeId.tinyint,
  duration: DataTypeId.duration,
};

/** Wire id -> native type name; varchar decodes as 'text', the name CQL shows. */
const nativeById = new Map<number, NativeTypeName>();
for (const [name, id] of Object.entries(nativeIds) as Array<[NativeTypeName, number]>) {
  if (name === 'varchar') continue;
  if (nativeById.has(id)) throw new Error(`duplicate native type id ${id} for ${name}`);
  nativeById.set(id, name);
}

export function writeOption(writer: ProtocolWriter, type: DataType): void {
  switch (type.kind) {
    case 'native':
      writer.writeShort(nativeIds[type.name]);
      return;
    case 'custom':
      writer.writeShort(DataTypeId.custom).writeString(type.className);
      return;
    case 'list':
    case 'set':
      writer.writeShort(type.kind === 'list' ? DataTypeId.list : DataTypeId.set);
      writeOption(writer, type.element);
      return;
    case 'map':
      writer.writeShort(DataTypeId.map);
      writeOption(writer, type.key);
      writeOption(writer, type.value);
      return;
    case 'tuple':
      writer.writeShort(DataTypeId.tuple).writeShort(type.elements.length);
      for (const element of type.elements) writeOption(writer, element);
      return;
    case 'udt':
      writer.writeShort(DataTypeId.udt).writeString(type.keyspace).writeString(type.name).writeShort(type.fields.length);
      for (const field of type.fields) {
        writer.writeString(field.name);
        writeOption(writer, field.type);
      }
      return;
    default:
      unreachable(type, 'data type');
  }
}

/** Encoded size of an [option], without writing it. */
export function optionSize(type: DataType): number {
  switch (type.kind) {
    case 'native': return 2;
    case 'custom': return 2 + stringSize(type.className);
    case 'list':
    case 'set': return 2 + optionSize(type.element);
    case 'map': return 2 + optionSize(type.key) + optionSize(type.value);
    case 'tuple': return type.elements.reduce((total, element) => total + optionSize(element), 4);
    case 'udt':
      return type.fields.reduce((total, field) => total + stringSize(field.name) + optionSize(field.type),
        4 + stringSize(type.keyspace) + stringSize(type.name));
    default: return unreachable(type, 'data type');
  }
}

export function encodeOption(type: DataType): Buffer {
  const writer = new ProtocolWriter(16);
  writeOption(writer, type);
  return writer.finish();
}

/**
 * Reads one [option]. The wire does not say whether a collection or user type is frozen,
 * so decoded collections are unfrozen and decoded user types frozen (what results carry).
 */
export function decodeOption(reader: ProtocolReader, depth = 0): DataType {
  if (depth > parserDepthMax) throw protocolError(`Type descriptor nested deeper than ${parserDepthMax}`);
  const id = reader.readShort('[option] id');
  const nativeName = nativeById.get(id);
  if (nativeName !== undefined) return { kind: 'native', name: nativeName };
  switch (id) {
    case DataTypeId.custom:
      return { kind: 'custom', className: reader.readString('custom type class name') };
    case DataTypeId.list:
      return { kind: 'list', element: decodeOption(reader, depth + 1), frozen: false };
    case DataTypeId.set:
      return { kind: 'set', element: decodeOption(reader, depth + 1), frozen: false };
    case DataTypeId.map: {
      const key = decodeOption(reader, depth + 1);
      return { kind: 'map', key, value: decodeOption(reader, depth + 1), frozen: false };
    }
    case DataTypeId.tuple:
      return decodeTupleOption(reader, depth);
    case DataTypeId.udt:
      return decodeUdtOption(reader, depth);
    default:
      throw protocolError(`Unknown type id 0x${id.toString(16).padStart(4, '0')} in [option]`);
  }
}

function decodeTupleOption(reader: ProtocolReader, depth: number): DataType {
  const count = reader.readShort('tuple element count');
  if (count * 2 > reader.remaining) throw protocolError(`Invalid tuple element count ${count}`);
  const elements: DataType[] = [];
  for (let index = 0; index < count; index++) elements.push(decodeOption(reader, depth + 1));
  return { kind: 'tuple', elements };
}

function decodeUdtOption(reader: ProtocolReader, depth: number): DataType {
  const keyspace = reader.readString('user type keyspace');
  const name = reader.readString('user type name');
  const count = reader.readShort('user type field count');
  if (count * 4 > reader.remaining) throw protocolError(`Invalid user type field count ${count}`);
  const fields: Array<{ name: string; type: DataType }> = [];
  for (let index = 0; index < count; index++) {
    const fieldName = reader.readString('user type field name');
    fields.push({ name: fieldName, type: decodeOption(reader, depth + 1) });
  }
  return { kind: 'udt', keyspace, name, fields, frozen: true };
}

/** [option list]: a [short] count and that many [option]. */
export function decodeOptionList(reader: ProtocolReader): DataType[] {
  const count = reader.readShort('[option list] count');
  if (count * 2 > reader.remaining) throw protocolError(`Invalid [option list] count ${count}`);
  const types: DataType[] = [];
  for (let index = 0; index < count; index++) types.push(decodeOption(reader));
  return types;
}

export function writeOptionList(writer: ProtocolWriter, types: readonly DataType[]): void {
  writer.writeShort(types.length);
  for (const type of types) writeOption(writer, type);
}
