// The <change_type><target><options> body shared by the Schema_change result and the
// SCHEMA_CHANGE event (spec 4.2.6, v4 layout with functions and aggregates).

import { fail } from '../common/assert.js';
import { protocolError } from '../common/errors.js';
import type { SchemaChange, SchemaChangeTarget, SchemaChangeType } from './messages.js';
import type { ProtocolReader } from './reader.js';
import { stringListSize, stringSize, type ProtocolWriter } from './writer.js';

const changeTypes: ReadonlySet<string> = new Set<SchemaChangeType>(['CREATED', 'UPDATED', 'DROPPED']);
const targets: ReadonlySet<string> = new Set<SchemaChangeTarget>(['KEYSPACE', 'TABLE', 'TYPE', 'FUNCTION', 'AGGREGATE']);

export function encodeSchemaChange(change: SchemaChange, writer: ProtocolWriter): void {
  writer.writeString(change.change).writeString(change.target).writeString(change.keyspace);
  if (change.target === 'KEYSPACE') return;
  if (!(change.name !== undefined)) fail(`schema change of a ${change.target} needs a name`);
  writer.writeString(change.name);
  if (change.target === 'TABLE' || change.target === 'TYPE') return;
  writer.writeStringList(change.argumentTypes ?? []);
}

export function decodeSchemaChange(reader: ProtocolReader): SchemaChange {
  const change = reader.readString('schema change type');
  if (!changeTypes.has(change)) throw protocolError(`Unknown schema change type ${change}`);
  const target = reader.readString('schema change target');
  if (!targets.has(target)) throw protocolError(`Unknown schema change target ${target}`);
  const result: SchemaChange = {
    change: change as SchemaChangeType,
    target: target as SchemaChangeTarget,
    keyspace: reader.readString('schema change keyspace'),
  };
  if (target === 'KEYSPACE') return result;
  result.name = reader.readString('schema change name');
  if (target === 'TABLE' || target === 'TYPE') return result;
  result.argumentTypes = reader.readStringList('schema change argument types');
  return result;
}

export function schemaChangeSize(change: SchemaChange): number {
  let total = stringSize(change.change) + stringSize(change.target) + stringSize(change.keyspace);
  if (change.target === 'KEYSPACE') return total;
  total += stringSize(change.name ?? '');
  if (change.target === 'TABLE' || change.target === 'TYPE') return total;
  return total + stringListSize(change.argumentTypes ?? []);
}
