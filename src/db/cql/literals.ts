// Conversion of CQL constants (their text, as the parser keeps it) into the JS values of the
// protocol's type codecs, once the receiving type is known (Cassandra's Constants.Literal).

import { invalidRequest } from '../common/errors.js';
import type { NativeTypeName } from '../protocol/data-type.js';
import type { Duration } from '../protocol/type-codecs.js';
import type { Literal } from './ast.js';

const MS_PER_DAY = 86_400_000;

/** The JS value of a literal for a native type, or an Invalid error naming both. */
export function literalToNative(literal: Literal, type: NativeTypeName, { receiver }: { receiver: string }): unknown {
  const fail = (): never => {
    throw invalidRequest(`Invalid ${literal.type.toUpperCase()} constant (${literal.text}) for "${receiver}" of type ${type === 'varchar' ? 'text' : type}`);
  };
  const { text } = literal;
  switch (literal.type) {
    case 'string':
      return stringLiteral(text, type, { fail });
    case 'integer':
      return integerLiteral(text, type, { fail });
    case 'float':
      if (type === 'float' || type === 'double') return Number(text);
      if (type === 'decimal') return parseDecimal(text) ?? fail();
      return fail();
    case 'boolean':
      return type === 'boolean' ? text.toLowerCase() === 'true' : fail();
    case 'uuid':
      if (type === 'uuid') return text.toLowerCase();
      if (type === 'timeuuid') return text[14] === '1' ? text.toLowerCase() : fail();
      return fail();
    case 'hex':
      if (type !== 'blob') return fail();
      if ((text.length - 2) % 2 !== 0) throw invalidRequest(`Invalid hex string (${text}): odd number of digits`);
      return Buffer.from(text.slice(2), 'hex');
    case 'duration':
      return type === 'duration' ? parseDuration(text) ?? fail() : fail();
  }
}

function stringLiteral(text: string, type: NativeTypeName, { fail }: { fail: () => never }): unknown {
  switch (type) {
    case 'text': case 'varchar': return text;
    case 'ascii':
      return /^[\x00-\x7f]*$/.test(text) ? text : fail();
    case 'timestamp': return parseTimestamp(text) ?? fail();
    case 'date': return parseDate(text) ?? fail();
    case 'time': return parseTime(text) ?? fail();
    case 'inet': return text;
    case 'duration': return parseDuration(text) ?? fail();
    default: return fail();
  }
}

function integerLiteral(text: string, type: NativeTypeName, { fail }: { fail: () => never }): unknown {
  switch (type) {
    case 'int': case 'smallint': case 'tinyint': {
      const value = Number(text);
      return Number.isSafeInteger(value) ? value : fail();
    }
    case 'bigint': case 'counter': case 'varint': case 'timestamp': case 'time':
      return BigInt(text);
    case 'float': case 'double':
      return Number(text);
    case 'decimal':
      return { unscaled: BigInt(text), scale: 0 };
    case 'date': {
      // An integer date literal is the raw unsigned day number (epoch = 2^31), as in Cassandra.
      const raw = Number(text);
      if (!Number.isSafeInteger(raw) || raw < 0 || raw > 0xffffffff) return fail();
      return raw - 2 ** 31;
    }
    default: return fail();
  }
}

/** '1.25', '-3e-2', '7' -> {unscaled, scale} with value = unscaled * 10^-scale. */
export function parseDecimal(text: string): { unscaled: bigint; scale: number } | null {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return null;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  if (whole === '' && fraction === '') return null;
  const digits = `${whole}${fraction}`.replace(/^0+(?=\d)/, '');
  const unscaled = BigInt(`${sign}${digits === '' ? '0' : digits}`);
  return { unscaled, scale: fraction.length - Number(exponent) };
}

/**
 * Timestamps as Cassandra's TimestampSerializer accepts them: yyyy-mm-dd, optionally followed
 * by ' ' or 'T' and hh:mm[:ss[.fff]], optionally a zone (Z, +hh, +hhmm, +hh:mm); UTC when no
 * zone is given. Also a bare integer of milliseconds.
 */
export function parseTimestamp(text: string): bigint | null {
  if (/^-?\d+$/.test(text)) return BigInt(text);
  const match = /^(-?\d{1,6})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/.exec(text.trim());
  if (!match) return null;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '0', zone] = match;
  const days = daysFromCivil(Number(year), Number(month), { day: Number(day) });
  if (days === null || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return null;
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  let total = days * MS_PER_DAY + ((Number(hour) * 60 + Number(minute)) * 60 + Number(second)) * 1000 + millis;
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const zoneMatch = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
    if (!zoneMatch) return null;
    const offsetMinutes = Number(zoneMatch[2]) * 60 + Number(zoneMatch[3] ?? '0');
    total -= (zoneMatch[1] === '-' ? -1 : 1) * offsetMinutes * 60_000;
  }
  return BigInt(total);
}

/** 'yyyy-mm-dd' -> signed days since the epoch. */
export function parseDate(text: string): number | null {
  const match = /^(-?\d{1,7})-(\d{1,2})-(\d{1,2})$/.exec(text.trim());
  if (!match) return null;
  return daysFromCivil(Number(match[1]), Number(match[2]), { day: Number(match[3]) });
}

/** 'hh:mm:ss[.fffffffff]' -> nanoseconds since midnight. */
export function parseTime(text: string): bigint | null {
  const match = /^(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (!match) return null;
  const [, hour = '0', minute = '0', second = '0', fraction = '0'] = match;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return null;
  const seconds = BigInt((Number(hour) * 60 + Number(minute)) * 60 + Number(second));
  return seconds * 1_000_000_000n + BigInt(fraction.padEnd(9, '0'));
}

/** Days from 1970-01-01 of a proleptic Gregorian date, or null when the date does not exist. */
function daysFromCivil(year: number, month: number, { day }: { day: number }): number | null {
  if (month < 1 || month > 12 || day < 1) return null;
  const monthDays = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (day > (monthDays[month - 1] ?? 0)) return null;
  // Howard Hinnant's days_from_civil.
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const durationUnits: Array<[RegExp, (d: Duration, n: bigint) => void]> = [
  [/^(y)$/i, (d, n) => { d.months += Number(n) * 12; }],
  [/^(mo)$/i, (d, n) => { d.months += Number(n); }],
  [/^(w)$/i, (d, n) => { d.days += Number(n) * 7; }],
  [/^(d)$/i, (d, n) => { d.days += Number(n); }],
  [/^(h)$/i, (d, n) => { d.nanoseconds += n * 3_600_000_000_000n; }],
  [/^(m)$/i, (d, n) => { d.nanoseconds += n * 60_000_000_000n; }],
  [/^(s)$/i, (d, n) => { d.nanoseconds += n * 1_000_000_000n; }],
  [/^(ms)$/i, (d, n) => { d.nanoseconds += n * 1_000_000n; }],
  [/^(us|µs)$/i, (d, n) => { d.nanoseconds += n * 1_000n; }],
  [/^(ns)$/i, (d, n) => { d.nanoseconds += n; }],
];

/** Durations in Cassandra's standard form: 1y2mo3w4d5h6m7s8ms9us10ns (optionally negative), or ISO 8601 P forms. */
export function parseDuration(text: string): Duration | null {
  const negative = text.startsWith('-');
  const body = negative ? text.slice(1) : text;
  const result = body.toUpperCase().startsWith('P') ? parseIsoDuration(body) : parseUnitDuration(body);
  if (result === null) return null;
  if (!negative) return result;
  return { months: -result.months, days: -result.days, nanoseconds: -result.nanoseconds };
}

function parseUnitDuration(body: string): Duration | null {
  const result: Duration = { months: 0, days: 0, nanoseconds: 0n };
  const pattern = /(\d+)(mo|ms|us|µs|ns|y|w|d|h|m|s)/giy;
  let consumed = 0;
  for (let match = pattern.exec(body); match !== null; match = pattern.exec(body)) {
    const unit = durationUnits.find(([re]) => re.test(match[2] ?? ''));
    if (!unit) return null;
    unit[1](result, BigInt(match[1] ?? '0'));
    consumed = pattern.lastIndex;
  }
  return consumed === body.length && body.length > 0 ? result : null;
}

function parseIsoDuration(body: string): Duration | null {
  const match = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(body);
  if (!match || body.length <= 1) return null;
  const n = (i: number) => Number(match[i] ?? '0');
  return {
    months: n(1) * 12 + n(2),
    days: n(3) * 7 + n(4),
    nanoseconds: BigInt(n(5)) * 3_600_000_000_000n + BigInt(n(6)) * 60_000_000_000n + BigInt(n(7)) * 1_000_000_000n,
  };
}
