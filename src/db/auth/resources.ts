// Resources and permissions as Cassandra names them. A resource is stored by its name
// ("data", "data/ks", "data/ks/t", "roles", "roles/r", "functions", "functions/ks",
// "functions/ks/f[org.apache.cassandra.db.marshal.Int32Type]") in system_auth.role_permissions,
// shown by its display form ("<all keyspaces>", "<table ks.t>", "<role r>", "<all functions>",
// "<all functions in ks>", "<function ks.f(int)>"), and inherits what is granted on its parents
// (a table on its keyspace and on ALL KEYSPACES, a function on ALL FUNCTIONS [IN KEYSPACE ks]).

import { invalidRequest } from '../common/errors.js';
import type { AuthResource } from '../cql/plan.js';
import type { DataType, NativeTypeName } from '../protocol/data-type.js';
import { argumentTypeText } from '../schema/schema-functions.js';

export type Permission = 'CREATE' | 'ALTER' | 'DROP' | 'SELECT' | 'MODIFY' | 'AUTHORIZE' | 'DESCRIBE' | 'EXECUTE';

/** Cassandra's declaration order (LIST PERMISSIONS sorts by it). */
export const PERMISSIONS: readonly Permission[] = ['CREATE', 'ALTER', 'DROP', 'SELECT', 'MODIFY', 'AUTHORIZE', 'DESCRIBE', 'EXECUTE'];

{
  if (new Set(PERMISSIONS).size !== PERMISSIONS.length) throw new Error('duplicate permission');
}

export function isPermission(name: string): name is Permission {
  return (PERMISSIONS as readonly string[]).includes(name);
}

export function permissionOrder(permission: string): number {
  const index = PERMISSIONS.indexOf(permission as Permission);
  return index < 0 ? PERMISSIONS.length : index;
}

const DATA_ROOT: readonly Permission[] = ['CREATE', 'ALTER', 'DROP', 'SELECT', 'MODIFY', 'AUTHORIZE'];
const DATA_TABLE: readonly Permission[] = ['ALTER', 'DROP', 'SELECT', 'MODIFY', 'AUTHORIZE'];
const ROLES_ROOT: readonly Permission[] = ['CREATE', 'ALTER', 'DROP', 'AUTHORIZE', 'DESCRIBE'];
const ROLE: readonly Permission[] = ['ALTER', 'DROP', 'AUTHORIZE'];
const FUNCTIONS_ROOT: readonly Permission[] = ['CREATE', 'ALTER', 'DROP', 'AUTHORIZE', 'EXECUTE'];
const FUNCTION: readonly Permission[] = ['ALTER', 'DROP', 'AUTHORIZE', 'EXECUTE'];

const MARSHAL = 'org.apache.cassandra.db.marshal.';
/** Cassandra's AbstractType class of each native type (FunctionResource names arguments by them). */
const MARSHAL_TYPES: Readonly<Record<NativeTypeName, string>> = {
  ascii: 'AsciiType', bigint: 'LongType', blob: 'BytesType', boolean: 'BooleanType', counter: 'CounterColumnType', date: 'SimpleDateType',
  decimal: 'DecimalType', double: 'DoubleType', duration: 'DurationType', float: 'FloatType', inet: 'InetAddressType', int: 'Int32Type',
  smallint: 'ShortType', text: 'UTF8Type', varchar: 'UTF8Type', time: 'TimeType', timestamp: 'TimestampType', timeuuid: 'TimeUUIDType',
  tinyint: 'ByteType', uuid: 'UUIDType', varint: 'IntegerType',
};
const NATIVE_BY_MARSHAL = new Map<string, NativeTypeName>(Object.entries(MARSHAL_TYPES).filter(([name]) => name !== 'varchar').map(([name, cls]) => [cls, name as NativeTypeName]));

/** The AbstractType string of a type, as AbstractType.toString() prints it. */
function marshalName(type: DataType): string {
  const wrap = (frozen: boolean, inner: string) => (frozen ? `${MARSHAL}FrozenType(${inner})` : inner);
  switch (type.kind) {
    case 'native': return MARSHAL + MARSHAL_TYPES[type.name];
    case 'custom': return type.className;
    case 'list': return wrap(type.frozen, `${MARSHAL}ListType(${marshalName(type.element)})`);
    case 'set': return wrap(type.frozen, `${MARSHAL}SetType(${marshalName(type.element)})`);
    case 'map': return wrap(type.frozen, `${MARSHAL}MapType(${marshalName(type.key)},${marshalName(type.value)})`);
    case 'tuple': return `${MARSHAL}TupleType(${type.elements.map(marshalName).join(',')})`;
    case 'udt': return wrap(type.frozen, `${MARSHAL}UserType(${type.keyspace},${Buffer.from(type.name).toString('hex')},${
      type.fields.map((field) => `${Buffer.from(field.name).toString('hex')}:${marshalName(field.type)}`).join(',')})`);
  }
}

/** A marshal type string back to a type; anything this parser does not know is kept as a custom type. */
function parseMarshal(text: string): DataType {
  const open = text.indexOf('(');
  const cls = (open < 0 ? text : text.slice(0, open)).replace(MARSHAL, '');
  const native = NATIVE_BY_MARSHAL.get(cls);
  if (open < 0) return native === undefined ? { kind: 'custom', className: text } : { kind: 'native', name: native };
  if (!text.endsWith(')')) return { kind: 'custom', className: text };
  const params = splitTopLevel(text.slice(open + 1, -1)).map(parseMarshal);
  const frozen = (type: DataType): DataType => (type.kind === 'list' || type.kind === 'set' || type.kind === 'map' ? { ...type, frozen: true } : type);
  if (cls === 'FrozenType' && params.length === 1) return frozen(params[0]!);
  if (cls === 'ListType' && params.length === 1) return { kind: 'list', element: params[0]!, frozen: false };
  if (cls === 'SetType' && params.length === 1) return { kind: 'set', element: params[0]!, frozen: false };
  if (cls === 'MapType' && params.length === 2) return { kind: 'map', key: params[0]!, value: params[1]!, frozen: false };
  if (cls === 'TupleType') return { kind: 'tuple', elements: params };
  return { kind: 'custom', className: text };
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) { parts.push(text.slice(start, i)); start = i + 1; }
  }
  parts.push(text.slice(start));
  return parts.filter((part) => part.length > 0);
}

/** The stored name of a resource. */
export function resourceName(resource: AuthResource): string {
  switch (resource.kind) {
    case 'allKeyspaces': return 'data';
    case 'keyspace': return `data/${resource.keyspace}`;
    case 'table': return `data/${resource.keyspace}/${resource.table}`;
    case 'allRoles': return 'roles';
    case 'role': return `roles/${resource.role}`;
    case 'allFunctions': return 'functions';
    case 'keyspaceFunctions': return `functions/${resource.keyspace}`;
    case 'function': return `functions/${resource.keyspace}/${resource.name}[${resource.argumentTypes.map(marshalName).join('^')}]`;
  }
}

/** The resource a stored name denotes, or null for names this database does not know (MBeans). */
export function parseResourceName(name: string): AuthResource | null {
  const parts = name.split('/');
  const [root, first, second] = parts;
  if (root === 'data') {
    if (parts.length === 1) return { kind: 'allKeyspaces' };
    if (parts.length === 2 && first !== undefined) return { kind: 'keyspace', keyspace: first };
    if (parts.length === 3 && first !== undefined && second !== undefined) return { kind: 'table', keyspace: first, table: second };
  } else if (root === 'roles') {
    if (parts.length === 1) return { kind: 'allRoles' };
    // Role names may hold '/', so everything after the first separator is the name.
    return { kind: 'role', role: name.slice('roles/'.length) };
  } else if (root === 'functions') {
    if (parts.length === 1) return { kind: 'allFunctions' };
    if (parts.length === 2 && first !== undefined) return { kind: 'keyspaceFunctions', keyspace: first };
    const match = /^([^/]+)\/([^/[]+)\[(.*)\]$/.exec(name.slice('functions/'.length));
    if (match !== null) {
      const types = match[3]!.length === 0 ? [] : match[3]!.split('^').map(parseMarshal);
      return { kind: 'function', keyspace: match[1]!, name: match[2]!, argumentTypes: types };
    }
  }
  return null;
}

/** How Cassandra shows a resource in messages and LIST PERMISSIONS. */
export function displayResource(resource: AuthResource): string {
  switch (resource.kind) {
    case 'allKeyspaces': return '<all keyspaces>';
    case 'keyspace': return `<keyspace ${resource.keyspace}>`;
    case 'table': return `<table ${resource.keyspace}.${resource.table}>`;
    case 'allRoles': return '<all roles>';
    case 'role': return `<role ${resource.role}>`;
    case 'allFunctions': return '<all functions>';
    case 'keyspaceFunctions': return `<all functions in ${resource.keyspace}>`;
    case 'function': return `<function ${resource.keyspace}.${resource.name}(${resource.argumentTypes.map(argumentTypeText).join(', ')})>`;
  }
}

export function displayResourceName(name: string): string {
  const resource = parseResourceName(name);
  return resource === null ? name : displayResource(resource);
}

/** The resource and its parents, nearest first. */
export function resourceChain(resource: AuthResource): AuthResource[] {
  switch (resource.kind) {
    case 'allKeyspaces': case 'allRoles': return [resource];
    case 'keyspace': return [resource, { kind: 'allKeyspaces' }];
    case 'table': return [resource, { kind: 'keyspace', keyspace: resource.keyspace }, { kind: 'allKeyspaces' }];
    case 'role': return [resource, { kind: 'allRoles' }];
    case 'allFunctions': return [resource];
    case 'keyspaceFunctions': return [resource, { kind: 'allFunctions' }];
    case 'function': return [resource, { kind: 'keyspaceFunctions', keyspace: resource.keyspace }, { kind: 'allFunctions' }];
  }
}

/** What ALL PERMISSIONS means on a resource, and what may be granted on it at all. */
export function applicablePermissions(resource: AuthResource): readonly Permission[] {
  switch (resource.kind) {
    case 'allKeyspaces': case 'keyspace': return DATA_ROOT;
    case 'table': return DATA_TABLE;
    case 'allRoles': return ROLES_ROOT;
    case 'role': return ROLE;
    case 'allFunctions': case 'keyspaceFunctions': return FUNCTIONS_ROOT;
    case 'function': return FUNCTION;
  }
}

/** The permissions of GRANT/REVOKE/LIST, checked against the resource ("... does not support the requested permissions"). */
export function requestedPermissions(requested: readonly string[] | 'all', resource: AuthResource | null): Permission[] {
  if (requested === 'all') return resource === null ? [...PERMISSIONS] : [...applicablePermissions(resource)];
  const applicable: readonly string[] = resource === null ? PERMISSIONS : applicablePermissions(resource);
  const unsupported = requested.filter((p) => !applicable.includes(p));
  if (unsupported.length > 0) {
    const type = resource === null || resource.kind === 'allKeyspaces' || resource.kind === 'keyspace' || resource.kind === 'table' ? 'DataResource'
      : resource.kind === 'allRoles' || resource.kind === 'role' ? 'RoleResource' : 'FunctionResource';
    throw invalidRequest(`Resource type ${type} does not support the requested permissions: ${unsupported.join(', ')}`);
  }
  return requested.filter(isPermission);
}
