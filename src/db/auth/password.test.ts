import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Random } from '../common/world.js';
import { inlineBcrypt, slicedBcrypt } from './password.js';

/** The same salt bytes every time, so both hashers must produce the same hash. */
const fixedRandom: Random = { nextFloat: () => 0.5, nextInt: () => 0, bytes: (n) => Buffer.alloc(n, 7) };

test('inline and sliced bcrypt hash alike and check each other\'s hashes', async () => {
  const inline = await inlineBcrypt.hash('tr4vel', { random: fixedRandom, workFactor: 4 });
  assert.match(inline, /^\$2a\$04\$[./A-Za-z0-9]{53}$/);
  assert.equal(await slicedBcrypt.hash('tr4vel', { random: fixedRandom, workFactor: 4 }), inline);
  for (const hasher of [inlineBcrypt, slicedBcrypt]) {
    assert.equal(await hasher.check('tr4vel', inline), true);
    assert.equal(await hasher.check('wrong', inline), false);
    assert.equal(await hasher.check('tr4vel', 'not a bcrypt hash'), false);
  }
});
