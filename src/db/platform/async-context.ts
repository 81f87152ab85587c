// A value that follows an asynchronous call chain (Node's AsyncLocalStorage): the trace
// session of a request reaches the coordinator's sends and the storage calls it makes without
// every signature in between carrying it. One instance per node, injected (no global state).
//
// On Node 20 an AsyncLocalStorage that has run once keeps a promise hook on for every promise
// the process creates. Tracing must cost nothing when no request is traced, so the storage is
// disabled again when the last run settles (Node 24's AsyncContextFrame costs nothing either way).

import { AsyncLocalStorage } from 'node:async_hooks';

export interface AsyncContext<T> {
  /** Runs fn with `value` current in fn and everything it starts, until fn's promise settles. */
  run<R>(value: T, fn: () => Promise<R>): Promise<R>;
  /** The value of the innermost run around the caller, if any. */
  current(): T | undefined;
  /** Runs fn with no value current (work a traced request starts but that is not part of it). */
  outside<R>(fn: () => R): R;
  /** Runs in progress (for tests: 0 means the storage is disabled). */
  active(): number;
}

export function asyncContext<T>(): AsyncContext<T> {
  const storage = new AsyncLocalStorage<T>();
  let running = 0;
  return {
    async run<R>(value: T, fn: () => Promise<R>): Promise<R> {
      running++;
      try {
        return await storage.run(value, fn);
      } finally {
        running--;
        // A continuation that outlives every run sees no value: its session is over.
        if (running === 0) storage.disable();
      }
    },
    current: () => (running === 0 ? undefined : storage.getStore()),
    outside: (fn) => (running === 0 ? fn() : storage.exit(fn)),
    active: () => running,
  };
}
