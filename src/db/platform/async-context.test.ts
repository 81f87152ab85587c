// The async context that carries a request's trace session: it follows awaits inside a run
// and is absent outside one and inside outside().

import test from 'node:test';
import assert from 'node:assert/strict';
import { asyncContext } from './async-context.js';

test('the context follows awaits and is absent outside', async () => {
  const context = asyncContext<string>();
  assert.equal(context.current(), undefined);
  const seen = await context.run('session', async () => {
    await Promise.resolve();
    const inside = context.current();
    const outside = context.outside(() => context.current());
    return [inside, outside];
  });
  assert.deepEqual(seen, ['session', undefined]);
});

test('concurrent runs keep their own values; once the last settles the context is off and a late continuation sees none', async () => {
  const context = asyncContext<string>();
  let releaseA = (): void => undefined;
  const gateA = new Promise<void>((resolve) => { releaseA = resolve; });
  let late: Promise<string | undefined> = Promise.resolve(undefined);
  let releaseLate = (): void => undefined;
  const gateLate = new Promise<void>((resolve) => { releaseLate = resolve; });
  const a = context.run('a', async () => {
    late = gateLate.then(() => context.current());
    await gateA;
    return context.current();
  });
  const b = context.run('b', async () => {
    await Promise.resolve();
    return context.current();
  });
  assert.equal(await b, 'b');
  assert.equal(context.active(), 1, 'a is still running');
  releaseA();
  assert.equal(await a, 'a');
  assert.equal(context.active(), 0);
  releaseLate();
  assert.equal(await late, undefined, 'a continuation that outlives every run sees no session');
  await assert.rejects(context.run('c', async () => { throw new Error('boom'); }), /boom/);
  assert.equal(context.active(), 0, 'a failed run settles too');
});
