// A value that follows an asynchronous call chain (Node's AsyncLocalStorage): the trace
// session of a request reaches the coordinator's sends and the storage calls it makes without
// every signature in between carrying it. One instance per node, injected (no global state).

import { AsyncLocalStorage } from 'node:async_hooks';

export interface AsyncContext<T> {
  /** Runs fn with `value` current in fn and everything it starts. */
  run<R>(value: T, fn: () => R): R;
  /** The value of the innermost run around the caller, if any. */
  current(): T | undefined;
  /** Runs fn with no value current (work a traced request starts but that is not part of it). */
  outside<R>(fn: () => R): R;
}

export function asyncContext<T>(): AsyncContext<T> {
  const storage = new AsyncLocalStorage<T>();
  return {
    run: (value, fn) => storage.run(value, fn),
    current: () => storage.getStore(),
    outside: (fn) => storage.exit(fn),
  };
}
