// The JavaScript UDF runtime: results as JSON, exceptions and endless loops reported (not
// thrown, not hanging), and nothing of the host reachable from the function's code.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScriptCompileError } from '../common/script-runtime.js';
import { vmScriptRuntime } from './script-runtime.js';

const runtime = vmScriptRuntime({ timeoutMs: 200 });

test('an expression body or a body with return; arguments and results as JSON', () => {
  assert.deepEqual(runtime.compile({ argumentNames: ['a', 'b'], body: 'a + b;', label: 'ks.add' }).call('[1, 2]'), { ok: true, json: '3' });
  const fn = runtime.compile({ argumentNames: ['m'], body: 'var out = {}; for (var k in m) out[k] = m[k] * 2; return out;', label: 'ks.double' });
  assert.deepEqual(fn.call('[{"a": 1, "b": 2}]'), { ok: true, json: '{"a":2,"b":4}' });
  assert.deepEqual(runtime.compile({ argumentNames: [], body: 'undefined', label: 'ks.nothing' }).call('[]'), { ok: true, json: null });
  assert.deepEqual(runtime.compile({ argumentNames: [], body: '2n ** 70n', label: 'ks.big' }).call('[]'), { ok: true, json: '"1180591620717411303424"' });
});

test('exceptions, endless loops and syntax errors are reported', () => {
  const thrown = runtime.compile({ argumentNames: ['a'], body: 'a.missing.field', label: 'ks.bad' }).call('[1]');
  assert.equal(thrown.ok, false);
  assert.match(thrown.ok ? '' : thrown.message, /TypeError/);
  const started = Date.now();
  const loop = runtime.compile({ argumentNames: [], body: 'while (true) {}', label: 'ks.loop' }).call('[]');
  assert.deepEqual(loop, { ok: false, message: 'ran longer than 200ms', timedOut: true });
  assert.ok(Date.now() - started < 5_000, 'the loop was stopped');
  // A getter that loops runs inside the wrapper, under the limit, not when the host reads the result.
  const getter = runtime.compile({ argumentNames: [], body: '({ get x() { for (;;) {} } })', label: 'ks.getter' }).call('[]');
  assert.equal(getter.ok === false && getter.timedOut, true);
  // Nothing can queue work for later: a Promise job cut short by the time limit would abort the process.
  assert.deepEqual(runtime.compile({ argumentNames: [], body: 'typeof Promise + typeof FinalizationRegistry + typeof Atomics.waitAsync', label: 'ks.p' }).call('[]'),
    { ok: true, json: '"undefinedundefinedundefined"' });
  for (const body of ['(async () => 1)()', 'import("fs")', 'await 1']) {
    assert.throws(() => runtime.compile({ argumentNames: [], body, label: 'ks.async' }), ScriptCompileError, body);
  }
  // Atomics.wait blocks, and is stopped by the limit like a loop.
  const wait = runtime.compile({ argumentNames: [], body: 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0)', label: 'ks.wait' }).call('[]');
  assert.equal(wait.ok === false && wait.timedOut, true);
  assert.throws(() => runtime.compile({ argumentNames: [], body: 'a +', label: 'ks.syntax' }), ScriptCompileError);
  assert.throws(() => runtime.compile({ argumentNames: ['not valid'], body: '1', label: 'ks.name' }), ScriptCompileError);
});

test('the code sees no host: no require, process, eval, or host constructors', () => {
  const probe = (body: string) => runtime.compile({ argumentNames: ['x'], body, label: 'ks.probe' }).call('[[1]]');
  assert.deepEqual(probe('typeof require + typeof process + typeof module + typeof globalThis.process'), { ok: true, json: '"undefinedundefinedundefinedundefined"' });
  // The constructor of an argument's constructor is the context's Function: its globalThis is the context.
  assert.deepEqual(probe('typeof x.constructor.constructor("return globalThis")'), { ok: false, message: 'EvalError: Code generation from strings disallowed for this context', timedOut: false });
  assert.equal(probe('eval("1")').ok, false);
  // State left by one call does not reach another function.
  runtime.compile({ argumentNames: [], body: 'globalThis.leak = 1', label: 'ks.one' }).call('[]');
  assert.deepEqual(runtime.compile({ argumentNames: [], body: 'typeof leak', label: 'ks.two' }).call('[]'), { ok: true, json: '"undefined"' });
});
