// What the CQL layer needs to run the body of a user-defined function written in JavaScript:
// compiled once, called with its arguments as JSON, answering its result as JSON. The
// implementation (platform/script-runtime.ts) isolates the code and bounds its CPU time.

/** The outcome of one call: the result as JSON text (null for null or undefined), or why it failed. */
export type ScriptOutcome =
  | { ok: true; json: string | null }
  | { ok: false; message: string; timedOut: boolean };

export interface ScriptFunction {
  /** Calls the function with its arguments as a JSON array. Never throws for what the script does. */
  call(argumentsJson: string): ScriptOutcome;
}

export interface ScriptRuntime {
  /** How long one call may run before it is stopped (user_defined_function_fail_timeout). */
  readonly timeoutMs: number;
  /** Compiles a function body; throws ScriptCompileError when it is not valid JavaScript. */
  compile(source: { argumentNames: readonly string[]; body: string; label: string }): ScriptFunction;
}

export class ScriptCompileError extends Error {
  override readonly name = 'ScriptCompileError';
}
