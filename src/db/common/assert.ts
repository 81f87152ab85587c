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
