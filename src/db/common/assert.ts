// Programmer errors crash (house style 1): an assertion failure is a bug in this program,
// never a consequence of bad input. Bad input gets a typed error from errors.ts instead.

export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function unreachable(value: never, message = 'unreachable'): never {
  throw new AssertionError(`${message}: ${String(value)}`);
}

/**
 * Fails an assertion. Where the message is built from values, write
 * `if (!condition) fail(`...${value}`)` rather than `assert(condition, `...${value}`)`: an
 * argument is evaluated on every call, and formatting a number costs about 1 us, ten times the
 * check itself (the protocol writer, frame headers and sstable encoding run such checks per value).
 */
export function fail(message: string): never {
  throw new AssertionError(message);
}
