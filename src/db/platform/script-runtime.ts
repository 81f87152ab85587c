// User-defined JavaScript functions, isolated with node:vm: each function lives in a fresh
// context of its own (no require, process, module, console or any host object: only the
// language's built-ins), string code generation (eval, new Function) and WebAssembly are off,
// and every call runs under a CPU time limit, so a body that loops forever is stopped and
// reported instead of blocking the node. No host object ever enters the context: arguments go
// in as JSON text inside the call's own source, and the result comes out as a string made
// inside the context, so user code can run only under the time limit. node:vm is not a
// security boundary against a determined attacker (memory is not bounded, for one): UDFs stay
// behind enable_user_defined_functions, as in Cassandra.

import { Script, createContext, type Context } from 'node:vm';
import { userFunctionResultCharsMax } from '../common/limits.js';
import { ScriptCompileError, type ScriptFunction, type ScriptOutcome, type ScriptRuntime } from '../common/script-runtime.js';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Words that start asynchronous work (escaped keywords are syntax errors, so they cannot hide). */
const ASYNC_SYNTAX = /\b(async|await|import)\b/;
/** Every built-in that hands out a promise or schedules a callback for later, removed before any user code runs. */
const REMOVE_ASYNC_GLOBALS = `
  delete globalThis.Promise; delete globalThis.WebAssembly; delete globalThis.FinalizationRegistry;
  if (typeof Atomics === 'object') delete Atomics.waitAsync;
  delete Array.fromAsync;`;

/**
 * The body as Cassandra's examples write it: one expression (`a + b`), else statements that
 * `return` the result (as a function body). Run inside a wrapper that turns the outcome into
 * a string: 'R' + JSON of the result, 'E' + the exception's text, or null.
 */
function wrapperSource(argumentNames: readonly string[], body: string, { expression }: { expression: boolean }): string {
  const inner = expression ? `return (\n${body.trim().replace(/;+\s*$/, '')}\n);` : `\n${body}\n`;
  return `(function () {
  var JSON_ = JSON, String_ = String;
  var user = function (${argumentNames.join(', ')}) {${inner}};
  var replacer = function (key, value) { return typeof value === 'bigint' ? value.toString() : value; };
  return function (input) {
    var result;
    try { result = user.apply(undefined, JSON_.parse(input)); }
    catch (error) { try { return 'E' + String_(error); } catch (ignored) { return 'Ean exception that cannot be printed'; } }
    if (result === undefined || result === null) return null;
    try { return 'R' + JSON_.stringify(result, replacer); }
    catch (error) { try { return 'Ethe result cannot be converted: ' + String_(error); } catch (ignored) { return 'Ethe result cannot be converted'; } }
  };
})()`;
}

class VmScriptFunction implements ScriptFunction {
  constructor(private readonly context: Context, private readonly timeoutMs: number, private readonly label: string) {}

  call(argumentsJson: string): ScriptOutcome {
    // The arguments are a literal of the call's own source: nothing is written into the context.
    const script = new Script(`__call(${JSON.stringify(argumentsJson)})`, { filename: this.label });
    let value: unknown;
    try {
      value = script.runInContext(this.context, { timeout: this.timeoutMs, breakOnSigint: false });
    } catch (error) {
      // Only the host's own errors get here (the wrapper catches everything the script throws).
      const code = (error as { code?: unknown }).code;
      if (code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return { ok: false, message: `ran longer than ${this.timeoutMs}ms`, timedOut: true };
      return { ok: false, message: error instanceof Error ? error.message : 'failed', timedOut: false };
    }
    if (value === null) return { ok: true, json: null };
    // typeof never runs user code (a Proxy has no trap for it); anything but our string is refused.
    if (typeof value !== 'string') return { ok: false, message: 'the function replaced its own wrapper', timedOut: false };
    if (value.length > userFunctionResultCharsMax) return { ok: false, message: `the result is larger than ${userFunctionResultCharsMax} characters of JSON`, timedOut: false };
    if (value.startsWith('R')) return { ok: true, json: value.slice(1) };
    return { ok: false, message: value.slice(1), timedOut: false };
  }
}

/** Wall-time limit of the steps that set a function's context up (no user code runs in them). */
const scriptSetupTimeoutMs = 10_000;

export function vmScriptRuntime({ timeoutMs }: { timeoutMs: number }): ScriptRuntime {
  return {
    timeoutMs,
    compile({ argumentNames, body, label }) {
      for (const name of argumentNames) {
        if (!IDENTIFIER.test(name)) throw new ScriptCompileError(`argument name '${name}' is not a JavaScript identifier`);
      }
      // Promise jobs and finalizers would run outside the call (or be cut short by the time limit
      // inside Node's async bookkeeping, which aborts the process): no syntax or global makes one.
      if (ASYNC_SYNTAX.test(body)) throw new ScriptCompileError("'async', 'await' and 'import' are not available in user-defined functions");
      let script: Script;
      try {
        script = new Script(wrapperSource(argumentNames, body, { expression: true }), { filename: label });
      } catch {
        try {
          script = new Script(wrapperSource(argumentNames, body, { expression: false }), { filename: label });
        } catch (error) {
          throw new ScriptCompileError(error instanceof Error ? error.message : String(error));
        }
      }
      const context = createContext(Object.create(null) as object, {
        name: label, codeGeneration: { strings: false, wasm: false }, microtaskMode: 'afterEvaluate',
      });
      // These steps run no user code (defining the wrapper only defines it), but bound them all the
      // same: with the setup limit, as the function's own limit is wall time that a loaded
      // machine can spend on a step this small (a 200 ms limit failed CREATE FUNCTION at load 30).
      const setupTimeoutMs = Math.max(timeoutMs, scriptSetupTimeoutMs);
      new Script(REMOVE_ASYNC_GLOBALS).runInContext(context, { timeout: setupTimeoutMs });
      const call: unknown = script.runInContext(context, { timeout: setupTimeoutMs });
      if (typeof call !== 'function') throw new ScriptCompileError('the function body did not compile to a function');
      new Script('(function (call) { Object.defineProperty(globalThis, "__call", { value: call, writable: false, configurable: false }); })')
        .runInContext(context, { timeout: setupTimeoutMs })(call);
      return new VmScriptFunction(context, timeoutMs, label);
    },
  };
}
