// Arbitrary-precision decimals as {unscaled, scale} (value = unscaled * 10^-scale), with the
// arithmetic and text forms of Java's BigDecimal that Cassandra's decimal type relies on: sums
// keep the larger scale, division rounds at a chosen scale, and toString switches to scientific
// notation as BigDecimal.toString does. Also Java's Double.toString and Float.toString digits,
// which Cassandra uses when it turns a float or double into a decimal or into JSON.

import type { Decimal } from '../protocol/type-codecs.js';

export type { Decimal };

/** Bounds the scales division may produce (Cassandra's DecimalType: MIN_SCALE 32, MAX_SCALE 1000). */
export const decimalMinScale = 32;
export const decimalMaxScale = 1000;

const powers: bigint[] = [1n];
function pow10(n: number): bigint {
  if (n < 0 || n > 20_000) throw new RangeError(`decimal exponent out of range: ${n}`);
  while (powers.length <= n) powers.push(powers[powers.length - 1]! * 10n);
  return powers[n]!;
}

const abs = (n: bigint): bigint => (n < 0n ? -n : n);

/** Both unscaled values at the larger of the two scales. */
function aligned(a: Decimal, b: Decimal): { x: bigint; y: bigint; scale: number } {
  const scale = Math.max(a.scale, b.scale);
  return { x: a.unscaled * pow10(scale - a.scale), y: b.unscaled * pow10(scale - b.scale), scale };
}

export function decimalAdd(a: Decimal, b: Decimal): Decimal {
  const { x, y, scale } = aligned(a, b);
  return { unscaled: x + y, scale };
}

export function decimalSubtract(a: Decimal, b: Decimal): Decimal {
  return decimalAdd(a, { unscaled: -b.unscaled, scale: b.scale });
}

export function decimalMultiply(a: Decimal, b: Decimal): Decimal {
  return { unscaled: a.unscaled * b.unscaled, scale: a.scale + b.scale };
}

export function decimalCompare(a: Decimal, b: Decimal): number {
  const { x, y } = aligned(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Number of decimal digits of the unscaled value (1 for zero), as BigDecimal.precision(). */
export function decimalPrecision(d: Decimal): number {
  return d.unscaled === 0n ? 1 : abs(d.unscaled).toString().length;
}

export type Rounding = 'HALF_UP' | 'HALF_EVEN';

/** a / b rounded to `scale` digits after the point (BigDecimal.divide(b, scale, rounding)). */
export function decimalDivideToScale(a: Decimal, b: Decimal, { scale, rounding }: { scale: number; rounding: Rounding }): Decimal {
  if (b.unscaled === 0n) throw new RangeError(b.unscaled === 0n && a.unscaled === 0n ? 'Division undefined' : 'Division by zero');
  // value = (ua / 10^sa) / (ub / 10^sb) = ua * 10^(sb - sa) / ub; times 10^scale.
  const shift = scale + b.scale - a.scale;
  let numerator = a.unscaled;
  let denominator = b.unscaled;
  if (shift >= 0) numerator *= pow10(shift);
  else denominator *= pow10(-shift);
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  let quotient = numerator / denominator;
  const remainder = abs(numerator - quotient * denominator);
  const twice = remainder * 2n;
  const sign = numerator < 0n ? -1n : 1n;
  if (twice > denominator || (twice === denominator && (rounding === 'HALF_UP' || quotient % 2n !== 0n))) quotient += sign;
  return { unscaled: quotient, scale };
}

/** Cassandra's decimal division: at least 32 significant digits, scale between 32 and 1000, trailing zeros stripped. */
export function decimalDivide(a: Decimal, b: Decimal): Decimal {
  const quotientFirstDigit = (decimalPrecision(a) - a.scale) - (decimalPrecision(b) - b.scale);
  let scale = decimalMinScale - quotientFirstDigit;
  scale = Math.max(scale, a.scale, b.scale, decimalMinScale);
  scale = Math.min(scale, decimalMaxScale);
  return decimalStripTrailingZeros(decimalDivideToScale(a, b, { scale, rounding: 'HALF_UP' }));
}

/** BigDecimal.remainder: a - trunc(a / b) * b, at the larger scale. */
export function decimalRemainder(a: Decimal, b: Decimal): Decimal {
  if (b.unscaled === 0n) throw new RangeError('Division by zero');
  const { x, y, scale } = aligned(a, b);
  return { unscaled: x % y, scale };
}

export function decimalStripTrailingZeros(d: Decimal): Decimal {
  if (d.unscaled === 0n) return { unscaled: 0n, scale: 0 };
  let { unscaled, scale } = d;
  while (unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale--;
  }
  return { unscaled, scale };
}

/** BigDecimal.toString: plain when the scale is not negative and the exponent is >= -6, else scientific. */
export function decimalToString(d: Decimal): string {
  const negative = d.unscaled < 0n;
  const digits = abs(d.unscaled).toString();
  const adjusted = -d.scale + (digits.length - 1);
  let body: string;
  if (d.scale === 0) body = digits;
  else if (d.scale > 0 && adjusted >= -6) {
    const point = digits.length - d.scale;
    body = point > 0 ? `${digits.slice(0, point)}.${digits.slice(point)}` : `0.${'0'.repeat(-point)}${digits}`;
  } else {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    body = `${mantissa}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
  }
  return negative ? `-${body}` : body;
}

export function decimalToNumber(d: Decimal): number {
  return Number(decimalToString(d));
}

/** Java's Double.toString (shortest digits that read back the same). */
export function javaDoubleString(value: number): string {
  return javaFloatingString(value, String);
}

/** Java's Float.toString: the shortest digits that read back as the same float. */
export function javaFloatString(value: number): string {
  return javaFloatingString(value, (v) => {
    for (let digits = 1; digits <= 9; digits++) {
      const text = v.toPrecision(digits);
      if (Math.fround(Number(text)) === v) return String(Number(text));
    }
    return String(v);
  });
}

function javaFloatingString(value: number, shortest: (v: number) => string): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  const text = shortest(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const plain = text.includes('e') ? Number(text).toFixed(20).replace(/0+$/, '') : text;
    return plain.includes('.') ? plain.replace(/\.$/, '.0') : `${plain}.0`;
  }
  const [mantissa = '', exponent = '0'] = Number(text).toExponential().split('e');
  const digits = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${digits}E${Number(exponent)}`;
}

/** BigDecimal.valueOf(double): the decimal of Double.toString. */
export function decimalFromDouble(value: number): Decimal {
  return parseJavaDecimal(javaDoubleString(value));
}

/** The decimal of a float's Float.toString (Cassandra's FloatType.toBigDecimal). */
export function decimalFromFloat(value: number): Decimal {
  return parseJavaDecimal(javaFloatString(value));
}

function parseJavaDecimal(text: string): Decimal {
  if (!Number.isFinite(Number(text))) throw new RangeError(`Character ${text[0] === '-' ? text[1] : text[0]} is neither a decimal digit number, decimal point, nor "e" notation exponential mark.`);
  const match = /^(-?)(\d+)(?:\.(\d*))?(?:E(-?\d+))?$/.exec(text)!;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  return { unscaled: BigInt(`${sign}${whole}${fraction}`), scale: fraction.length - Number(exponent) };
}
