// CQL data types as the native protocol names them ([option] in spec section 4.2.5.2),
// with their wire ids. Value codecs for each type live in type-codecs.ts.

export const DataTypeId = {
  custom: 0x0000,
  ascii: 0x0001,
  bigint: 0x0002,
  blob: 0x0003,
  boolean: 0x0004,
  counter: 0x0005,
  decimal: 0x0006,
  double: 0x0007,
  float: 0x0008,
  int: 0x0009,
  timestamp: 0x000b,
  uuid: 0x000c,
  varchar: 0x000d,
  varint: 0x000e,
  timeuuid: 0x000f,
  inet: 0x0010,
  date: 0x0011,
  time: 0x0012,
  smallint: 0x0013,
  tinyint: 0x0014,
  duration: 0x0015,
  list: 0x0020,
  map: 0x0021,
  set: 0x0022,
  udt: 0x0030,
  tuple: 0x0031,
} as const;

{
  const seen = new Set<number>();
  for (const [name, id] of Object.entries(DataTypeId)) {
    if (seen.has(id)) throw new Error(`duplicate data type id for ${name}`);
    seen.add(id);
  }
}

/** Scalar type names as CQL spells them ('text' is an alias of 'varchar' on the wire). */
export type NativeTypeName =
  | 'ascii' | 'bigint' | 'blob' | 'boolean' | 'counter' | 'decimal' | 'double' | 'float' | 'int'
  | 'timestamp' | 'uuid' | 'text' | 'varchar' | 'varint' | 'timeuuid' | 'inet' | 'date' | 'time'
  | 'smallint' | 'tinyint' | 'duration';

export type DataType =
  | { kind: 'native'; name: NativeTypeName }
  | { kind: 'custom'; className: string }
  | { kind: 'list'; element: DataType; frozen: boolean }
  | { kind: 'set'; element: DataType; frozen: boolean }
  | { kind: 'map'; key: DataType; value: DataType; frozen: boolean }
  | { kind: 'tuple'; elements: DataType[] }
  | { kind: 'udt'; keyspace: string; name: string; fields: Array<{ name: string; type: DataType }>; frozen: boolean };

export const native = (name: NativeTypeName): DataType => ({ kind: 'native', name });

/** The type as CQL text, as system_schema.columns.type stores it (e.g. 'frozen<list<int>>'). */
export function dataTypeToCql(type: DataType): string {
  switch (type.kind) {
    case 'native': return type.name === 'varchar' ? 'text' : type.name;
    case 'custom': return `'${type.className}'`;
    case 'list': return wrapFrozen(type.frozen, `list<${dataTypeToCql(type.element)}>`);
    case 'set': return wrapFrozen(type.frozen, `set<${dataTypeToCql(type.element)}>`);
    case 'map': return wrapFrozen(type.frozen, `map<${dataTypeToCql(type.key)}, ${dataTypeToCql(type.value)}>`);
    case 'tuple': return `frozen<tuple<${type.elements.map(dataTypeToCql).join(', ')}>>`;
    case 'udt': return wrapFrozen(type.frozen, type.name);
  }
}

function wrapFrozen(frozen: boolean, text: string): string {
  return frozen ? `frozen<${text}>` : text;
}
