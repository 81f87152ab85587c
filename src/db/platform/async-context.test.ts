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
