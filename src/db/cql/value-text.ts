// The text form of a native value as Cassandra's AbstractType.getString prints it (CAST to
// text), and the JSON form of any value as its toJSONString does (SELECT JSON, toJson()).

import type { DataType, NativeTypeName } from '../protocol/data-type.js';
import { decodeValue, type Duration } from '../protocol/type-codecs.js';
import { readCollectionCount, readElement } from '../protocol/value-bytes.js';
import { decimalToString, javaDoubleString, javaFloatString, type Decimal } from './decimal.js';

const two = (n: number) => String(n).padStart(2, '0');

/** yyyy-mm-dd of a day number (days since 1970-01-01), proleptic Gregorian. */
export function formatDate(days: number): string {
  const date = new Date(days * 86_400_000);
  const year = date.getUTCFullYear();
  const yearText = year < 0 ? `-${String(-year).padStart(4, '0')}` : year > 9999 ? `+${year}` : String(year).padStart(4, '0');
  return `${yearText}-${two(date.getUTCMonth() + 1)}-${two(date.getUTCDate())}`;
}

/** `yyyy-mm-dd{separator}hh:mm:ss.fffZ` of milliseconds since the epoch, in UTC. */
export function formatTimestamp(ms: bigint, { separator }: { separator: 'T' | ' ' }): string {
  const millis = Number(ms);
  const days = Math.floor(millis / 86_400_000);
  const inDay = millis - days * 86_400_000;
  const time = new Date(inDay);
  return `${formatDate(days)}${separator}${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())}.${String(time.getUTCMilliseconds()).padStart(3, '0')}Z`;
}

/** hh:mm:ss.nnnnnnnnn of nanoseconds since midnight. */
export function formatTime(nanoseconds: bigint): string {
  const seconds = nanoseconds / 1_000_000_000n;
  const fraction = nanoseconds % 1_000_000_000n;
  const h = Number(seconds / 3600n);
  const m = Number((seconds / 60n) % 60n);
  const s = Number(seconds % 60n);
  return `${two(h)}:${two(m)}:${two(s)}.${String(fraction).padStart(9, '0')}`;
}

/** Cassandra's Duration.toString: 1y2mo3d4h5m6s7ms8us9ns, a leading '-' when negative. */
export function formatDuration(duration: Duration): string {
  const negative = duration.months < 0 || duration.days < 0 || duration.nanoseconds < 0n;
  let months = Math.abs(duration.months);
  let nanos = duration.nanoseconds < 0n ? -duration.nanoseconds : duration.nanoseconds;
  let out = negative ? '-' : '';
  const part = (value: number | bigint, unit: string) => { if (value !== 0 && value !== 0n) out += `${value}${unit}`; };
  part(Math.floor(months / 12), 'y');
  months %= 12;
  part(months, 'mo');
  part(Math.abs(duration.days), 'd');
  const units: Array<[bigint, string]> = [[3_600_000_000_000n, 'h'], [60_000_000_000n, 'm'], [1_000_000_000n, 's'], [1_000_000n, 'ms'], [1_000n, 'us'], [1n, 'ns']];
  for (const [size, unit] of units) {
    part(nanos / size, unit);
    nanos %= size;
  }
  return out;
}

/** AbstractType.getString of a native value. */
export function valueText(type: DataType, bytes: Buffer): string {
  if (type.kind !== 'native') return bytes.toString('hex');
  const value = decodeValue(type, bytes);
  return nativeText(type.name, value);
}

function nativeText(name: NativeTypeName, value: unknown): string {
  switch (name) {
    case 'float': return javaFloatString(value as number);
    case 'double': return javaDoubleString(value as number);
    case 'decimal': return decimalToString(value as Decimal);
    case 'blob': return (value as Buffer).toString('hex');
    case 'timestamp': return formatTimestamp(value as bigint, { separator: 'T' });
    case 'date': return formatDate(value as number);
    case 'time': return formatTime(value as bigint);
    case 'duration': return formatDuration(value as Duration);
    default: return String(value);
  }
}

/** A JSON string literal (Cassandra's Json.quoteAsJsonString, with the quotes). */
export function jsonString(text: string): string {
  return JSON.stringify(text);
}

/** The JSON of a value of any type, as Cassandra's toJSONString writes it. */
export function valueJson(type: DataType, bytes: Buffer): string {
  switch (type.kind) {
    case 'native': return nativeJson(type.name, bytes);
    case 'custom': return jsonString(`0x${bytes.toString('hex')}`);
    case 'list': case 'set': return `[${elements(bytes, 1).map(([v]) => valueJson(type.element, v!)).join(', ')}]`;
    case 'map':
      return `{${elements(bytes, 2).map(([k, v]) => `${mapKeyJson(type.key, k!)}: ${valueJson(type.value, v!)}`).join(', ')}}`;
    case 'tuple': return `[${fields(bytes, type.elements.length).map((v, i) => (v === null ? 'null' : valueJson(type.elements[i]!, v))).join(', ')}]`;
    case 'udt': {
      const values = fields(bytes, type.fields.length);
      return `{${type.fields.map((f, i) => `${jsonString(fieldName(f.name))}: ${values[i] === null ? 'null' : valueJson(f.type, values[i]!)}`).join(', ')}}`;
    }
  }
}

/** A column or field name as JSON keys carry it: quoted (as CQL) when it is not all lowercase. */
export function fieldName(name: string): string {
  return name === name.toLowerCase() ? name : `"${name}"`;
}

function mapKeyJson(type: DataType, bytes: Buffer): string {
  const json = valueJson(type, bytes);
  return json.startsWith('"') ? json : jsonString(json);
}

function nativeJson(name: NativeTypeName, bytes: Buffer): string {
  if (bytes.length === 0 && !['text', 'varchar', 'ascii', 'blob'].includes(name)) return '""';
  const value = decodeValue({ kind: 'native', name }, bytes);
  switch (name) {
    case 'ascii': case 'text': case 'varchar': return jsonString(value as string);
    case 'tinyint': case 'smallint': case 'int': case 'bigint': case 'counter': case 'varint': return String(value);
    case 'float': case 'double': {
      const n = value as number;
      return Number.isFinite(n) ? nativeText(name, n) : 'null';
    }
    case 'decimal': return decimalToString(value as Decimal);
    case 'boolean': return String(value);
    case 'blob': return jsonString(`0x${(value as Buffer).toString('hex')}`);
    case 'timestamp': return jsonString(formatTimestamp(value as bigint, { separator: ' ' }));
    default: return jsonString(nativeText(name, value));
  }
}

function elements(bytes: Buffer, width: 1 | 2): Array<Array<Buffer | null>> {
  const { count, offset: start } = readCollectionCount(bytes, 4 * width);
  const out: Array<Array<Buffer | null>> = [];
  let offset = start;
  for (let i = 0; i < count; i++) {
    const entry: Array<Buffer | null> = [];
    for (let j = 0; j < width; j++) {
      const read = readElement(bytes, offset);
      entry.push(read.value);
      offset = read.offset;
    }
    out.push(entry);
  }
  return out;
}

function fields(bytes: Buffer, count: number): Array<Buffer | null> {
  const out: Array<Buffer | null> = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    if (offset >= bytes.length) {
      out.push(null);
      continue;
    }
    const read = readElement(bytes, offset);
    out.push(read.value);
    offset = read.offset;
  }
  return out;
}
