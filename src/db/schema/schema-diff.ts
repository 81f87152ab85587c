// The SCHEMA_CHANGE events that turn one set of keyspaces into another: what a node emits
// when it adopts a schema pulled from a peer (schema agreement), as if it had run the DDL.

import type { SchemaChange } from '../protocol/messages.js';
import type { KeyspaceMetadata } from './metadata.js';
import { toDocument } from './schema-document.js';
import type { DataType } from '../protocol/data-type.js';
import { argumentTypeText } from './schema-functions.js';

function keyed<T extends { name: string }>(items: readonly T[]): Map<string, string> {
  return new Map(items.map((item) => [item.name, JSON.stringify(item)]));
}

function diffNamed(before: Map<string, string>, after: Map<string, string>, { emit }: { emit: (change: SchemaChange['change'], name: string) => void }): void {
  for (const [name, text] of after) {
    const previous = before.get(name);
    if (previous === undefined) emit('CREATED', name);
    else if (previous !== text) emit('UPDATED', name);
  }
  for (const name of before.keys()) if (!after.has(name)) emit('DROPPED', name);
}

/** Changes from `before` to `after` (both non-virtual keyspaces), keyspaces first, then types, then tables. */
export function schemaChanges(before: readonly KeyspaceMetadata[], after: readonly KeyspaceMetadata[]): SchemaChange[] {
  const old = new Map(toDocument(before).keyspaces.map((keyspace) => [keyspace.name, keyspace]));
  const changes: SchemaChange[] = [];
  for (const keyspace of toDocument(after).keyspaces) {
    const previous = old.get(keyspace.name);
    old.delete(keyspace.name);
    if (previous === undefined) changes.push({ change: 'CREATED', target: 'KEYSPACE', keyspace: keyspace.name });
    else if (JSON.stringify([previous.replication, previous.durableWrites]) !== JSON.stringify([keyspace.replication, keyspace.durableWrites])) {
      changes.push({ change: 'UPDATED', target: 'KEYSPACE', keyspace: keyspace.name });
    }
    const name = keyspace.name;
    diffNamed(keyed(previous?.types ?? []), keyed(keyspace.types), { emit: (change, type) => changes.push({ change, target: 'TYPE', keyspace: name, name: type }) });
    diffNamed(keyed(previous?.tables ?? []), keyed(keyspace.tables), { emit: (change, table) => changes.push({ change, target: 'TABLE', keyspace: name, name: table }) });
    for (const [target, list, old] of [['FUNCTION', keyspace.functions, previous?.functions], ['AGGREGATE', keyspace.aggregates, previous?.aggregates]] as const) {
      const bySignature = (items: ReadonlyArray<{ signature: string; name: string; argumentTypes: DataType[] }> | undefined) =>
        new Map((items ?? []).map((item) => [item.signature, JSON.stringify(item)]));
      const items = new Map([...(old ?? []), ...(list ?? [])].map((item) => [item.signature, item]));
      diffNamed(bySignature(old), bySignature(list), { emit: (change, signature) => {
        const item = items.get(signature)!;
        changes.push({ change, target, keyspace: name, name: item.name, argumentTypes: item.argumentTypes.map(argumentTypeText) });
      } });
    }
  }
  for (const name of old.keys()) changes.push({ change: 'DROPPED', target: 'KEYSPACE', keyspace: name });
  return changes;
}
