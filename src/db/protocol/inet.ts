// IP address text <-> bytes, for [inet]/[inetaddr] and the inet data type. Written here
// because protocol/ is pure (node:net is off limits outside platform/ and node/).

import { protocolError } from '../common/errors.js';

const ipv4Pattern = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const hextetPattern = /^[0-9a-fA-F]{1,4}$/;

/** Parses dotted IPv4 or IPv6 text into 4 or 16 bytes; null when the text is neither. */
export function parseInetAddress(text: string): Buffer | null {
  if (text.length > 64) return null;
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): Buffer | null {
  const match = ipv4Pattern.exec(text);
  if (match === null) return null;
  const bytes = Buffer.alloc(4);
  for (let index = 0; index < 4; index++) {
    const part = match[index + 1] ?? '';
    // Leading zeros are ambiguous (octal in some parsers), so they are refused.
    if (part.length > 1 && part.startsWith('0')) return null;
    const value = Number(part);
    if (value > 255) return null;
    bytes[index] = value;
  }
  return bytes;
}

function parseIpv6(text: string): Buffer | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const compressed = halves.length === 2;
  // An embedded IPv4 may only end the address, so only the last side may hold one.
  const head = parseHextets(halves[0] ?? '', !compressed);
  const tail = compressed ? parseHextets(halves[1] ?? '', true) : [];
  if (head === null || tail === null) return null;
  const total = head.length + tail.length;
  if (compressed ? total > 7 : total !== 8) return null;
  const words = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const bytes = Buffer.alloc(16);
  words.forEach((word, index) => bytes.writeUInt16BE(word, index * 2));
  return bytes;
}

/** Hextets of one side of '::'. */
function parseHextets(text: string, allowIpv4: boolean): number[] | null {
  if (text === '') return [];
  const parts = text.split(':');
  const words: number[] = [];
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index] ?? '';
    if (allowIpv4 && index === parts.length - 1 && part.includes('.')) {
      const ipv4 = parseIpv4(part);
      if (ipv4 === null) return null;
      words.push(ipv4.readUInt16BE(0), ipv4.readUInt16BE(2));
    } else if (hextetPattern.test(part)) {
      words.push(parseInt(part, 16));
    } else {
      return null;
    }
  }
  return words;
}

/** Formats 4 bytes as dotted IPv4, 16 bytes as RFC 5952 IPv6 text. */
export function formatInetAddress(bytes: Buffer): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  if (bytes.length !== 16) throw protocolError(`Invalid inet address length ${bytes.length} (expected 4 or 16)`);
  const words: number[] = [];
  for (let index = 0; index < 8; index++) words.push(bytes.readUInt16BE(index * 2));
  const [runStart, runLength] = longestZeroRun(words);
  if (runLength < 2) return words.map((word) => word.toString(16)).join(':');
  const head = words.slice(0, runStart).map((word) => word.toString(16)).join(':');
  const tail = words.slice(runStart + runLength).map((word) => word.toString(16)).join(':');
  return `${head}::${tail}`;
}

/** The first longest run of zero words (RFC 5952 section 4.2.3). */
function longestZeroRun(words: number[]): [number, number] {
  let bestStart = -1;
  let bestLength = 0;
  let start = -1;
  for (let index = 0; index <= words.length; index++) {
    if (index < words.length && words[index] === 0) {
      if (start < 0) start = index;
      continue;
    }
    if (start >= 0 && index - start > bestLength) {
      bestStart = start;
      bestLength = index - start;
    }
    start = -1;
  }
  return [bestStart, bestLength];
}
