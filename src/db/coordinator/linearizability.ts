// A linearizability checker for histories of compare-and-set registers, the workload of
// lightweight transactions (issue 13): INSERT ... IF NOT EXISTS, UPDATE ... SET v = ? IF v = ?
// and SERIAL reads of a few keys. Each key is an independent register (linearizability is
// local, so keys are checked apart). For one key it searches for a total order of the
// operations that respects real time (an operation that completed before another was invoked
// comes first) and the register's sequential semantics, as Wing & Gong's algorithm does, with
// Lowe's memoisation of (operations linearized, register value) configurations already found
// to be dead ends (as Knossos and Porcupine do), so a few hundred operations check in well under
// a second. Outcomes, as Jepsen records them:
// - ok: the operation took effect once, between its invocation and completion, with the
//   result recorded (applied or not, the value read or reported current);
// - fail: it certainly did not take effect (e.g. Unavailable): left out;
// - info: unknown (a CAS WriteTimeout, a connection lost mid-request): it may have taken effect
//   at any point after its invocation, or never; an info read constrains nothing and is left out.
// The register's value is a string, or null while the row is absent. Writes should write values
// no other write writes, so that a history that is not linearizable cannot hide.

export type RegisterValue = string | null;

export interface RecordedOperation {
  /** The register (e.g. the partition key). */
  key: string;
  /** read: a SERIAL read; insert: INSERT IF NOT EXISTS of value; cas: UPDATE SET v = value IF v = expected. */
  kind: 'read' | 'insert' | 'cas';
  /** The condition of a cas (null: IF v = null, which holds while the row is absent). */
  expected?: RegisterValue;
  /** What an insert or cas writes. */
  value?: string;
  /** When the client sent it and when it heard back, on one clock shared by every client (ties are concurrent). */
  invokedAt: number;
  /** Absent (or Infinity) for info operations: they never completed. */
  completedAt?: number;
  outcome: 'ok' | 'fail' | 'info';
  /** ok writes: whether [applied] was true. */
  applied?: boolean;
  /**
   * ok reads: the value read. ok writes not applied: the current value the response reported,
   * when it reported one (undefined: not checked).
   */
  observed?: RegisterValue;
  /** Who ran it, for messages. */
  process?: number | string;
}

export type CheckResult =
  | { valid: true; keys: number; operations: number; configurations: number }
  | { valid: false; key: string; explanation: string; configurations: number }
  | { valid: 'unknown'; key: string; explanation: string; configurations: number };

export interface CheckOptions {
  /** Configurations the search may visit for one key before it gives up with valid: 'unknown'. */
  maxConfigurations?: number;
}

interface Candidate {
  op: RecordedOperation;
  index: number;
  invokedAt: number;
  completedAt: number;
  mustHappen: boolean;
}

/** Checks every key's register; the first key that is not linearizable (or too costly) decides. */
export function checkCasRegisters(history: readonly RecordedOperation[], options: CheckOptions = {}): CheckResult {
  const byKey = new Map<string, RecordedOperation[]>();
  for (const op of history) {
    validate(op);
    const list = byKey.get(op.key) ?? [];
    list.push(op);
    byKey.set(op.key, list);
  }
  let configurations = 0;
  let operations = 0;
  for (const [key, ops] of [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const result = checkRegister(key, ops, options.maxConfigurations ?? 2_000_000);
    configurations += result.configurations;
    if (result.valid !== true) return { ...result, configurations };
    operations += result.operations;
  }
  return { valid: true, keys: byKey.size, operations, configurations };
}

function validate(op: RecordedOperation): void {
  if (op.kind !== 'read' && op.value === undefined) throw new Error(`a ${op.kind} without a value: ${describe(op)}`);
  if (op.kind === 'cas' && op.expected === undefined) throw new Error(`a cas without an expected value: ${describe(op)}`);
  if (op.outcome === 'ok' && op.kind !== 'read' && op.applied === undefined) throw new Error(`an ok ${op.kind} without applied: ${describe(op)}`);
  if (op.outcome === 'ok' && (op.completedAt === undefined || op.completedAt < op.invokedAt)) throw new Error(`an ok operation needs completedAt >= invokedAt: ${describe(op)}`);
}

/** The next value if op can take effect on state with its recorded result; undefined if it cannot. */
function step(state: RegisterValue, candidate: Candidate): RegisterValue | undefined {
  const { op } = candidate;
  const holds = op.kind === 'read' || (op.kind === 'insert' ? state === null : state === op.expected);
  if (!candidate.mustHappen) {
    // An info write matters only if it applied; one that did not apply changes nothing, the same as never happening.
    return holds && op.kind !== 'read' ? (op.value as string) : undefined;
  }
  if (op.kind === 'read') return op.observed === state ? state : undefined;
  if (op.applied === true) return holds ? (op.value as string) : undefined;
  if (holds) return undefined;
  return op.observed === undefined || op.observed === state ? state : undefined;
}

function checkRegister(key: string, ops: readonly RecordedOperation[], maxConfigurations: number):
  { valid: true; operations: number; configurations: number } | { valid: false | 'unknown'; key: string; explanation: string; configurations: number } {
  const candidates: Candidate[] = ops
    .filter((op) => op.outcome === 'ok' || (op.outcome === 'info' && op.kind !== 'read'))
    .map((op) => ({ op, invokedAt: op.invokedAt, completedAt: op.outcome === 'ok' ? (op.completedAt as number) : Infinity, mustHappen: op.outcome === 'ok', index: 0 }))
    .sort((a, b) => a.invokedAt - b.invokedAt);
  candidates.forEach((candidate, index) => { candidate.index = index; });
  const mustTotal = candidates.filter((c) => c.mustHappen).length;
  const deadEnds = new Set<string>();
  let configurations = 0;
  let exhausted = false;
  // The deepest configuration reached, for the explanation of a failure.
  let deepest = { placed: -1, state: null as RegisterValue, order: [] as Candidate[] };
  const order: Candidate[] = [];
  const done = new Uint8Array(candidates.length);

  // A depth-first search over configurations, with an explicit stack: a history of a few
  // thousand operations on one key nests that deep, past what the call stack holds (it overflowed
  // in CI with recursion).
  interface Frame {
    linearized: bigint;
    state: RegisterValue;
    mustPlaced: number;
    start: number;
    horizon: number;
    memo: string;
    /** The next candidate index to try. */
    next: number;
    /** The candidate this frame has placed for the child above it, or -1. */
    placed: number;
  }
  /** A configuration entered: 'found' when every ok operation is placed, 'dead' when known or too costly, else its frame. */
  const enter = (linearized: bigint, state: RegisterValue, mustPlaced: number, firstPending: number): Frame | 'found' | 'dead' => {
    if (mustPlaced === mustTotal) return 'found';
    const memo = `${linearized.toString(36)}|${state === null ? '' : `=${state}`}`;
    if (deadEnds.has(memo)) return 'dead';
    if (++configurations > maxConfigurations) { exhausted = true; return 'dead'; }
    if (mustPlaced > deepest.placed) deepest = { placed: mustPlaced, state, order: [...order] };
    let start = firstPending;
    while (start < candidates.length && done[start] === 1) start++;
    // The first pending ok operation to complete bounds what may come next: an operation
    // invoked after that completion cannot precede it.
    let horizon = Infinity;
    for (let i = start; i < candidates.length; i++) {
      const c = candidates[i] as Candidate;
      if (done[i] === 0 && c.mustHappen && c.completedAt < horizon) horizon = c.completedAt;
    }
    return { linearized, state, mustPlaced, start, horizon, memo, next: start, placed: -1 };
  };
  const unplace = (frame: Frame): void => {
    order.pop();
    done[frame.placed] = 0;
    frame.placed = -1;
  };
  const search = (): boolean => {
    const first = enter(0n, null, 0, 0);
    if (first !== 'dead' && first !== 'found') {
      const stack: Frame[] = [first];
      while (stack.length > 0) {
        const frame = stack[stack.length - 1] as Frame;
        if (frame.placed >= 0) unplace(frame); // its child was a dead end
        if (exhausted) return false;
        let child: Frame | null = null;
        while (child === null && frame.next < candidates.length) {
          const i = frame.next++;
          const c = candidates[i] as Candidate;
          if (c.invokedAt > frame.horizon) { frame.next = candidates.length; break; }
          if (done[i] === 1) continue;
          const nextState = step(frame.state, c);
          if (nextState === undefined) continue;
          done[i] = 1;
          order.push(c);
          frame.placed = i;
          const entered = enter(frame.linearized | (1n << BigInt(i)), nextState, frame.mustPlaced + (c.mustHappen ? 1 : 0), frame.start);
          if (entered === 'found') return true;
          if (entered === 'dead') {
            unplace(frame);
            if (exhausted) return false;
            continue;
          }
          child = entered;
        }
        if (child !== null) {
          stack.push(child);
        } else {
          deadEnds.add(frame.memo);
          stack.pop();
        }
      }
      return false;
    }
    return first === 'found';
  };

  if (search()) return { valid: true, operations: candidates.length, configurations };
  const placed = deepest.order.map((c) => `  ${describe(c.op)}`).slice(-8);
  const pending = candidates.filter((c) => c.mustHappen && !deepest.order.includes(c)).slice(0, 6).map((c) => `  ${describe(c.op)}`);
  const explanation = `${exhausted ? `gave up after ${maxConfigurations} configurations` : 'no linearization'} of key ${key} `
    + `(${candidates.length} operations). The longest linearizable prefix places ${deepest.placed} of ${mustTotal} completed operations `
    + `and leaves the register at ${show(deepest.state)}; its last steps:\n${placed.join('\n')}\nnone of these can come next:\n${pending.join('\n')}`;
  return { valid: exhausted ? 'unknown' : false, key, explanation, configurations };
}

function show(value: RegisterValue | undefined): string {
  return value === undefined ? '?' : value === null ? 'absent' : JSON.stringify(value);
}

/** One operation as a line: who, what, when, with what result. */
export function describe(op: RecordedOperation): string {
  const what = op.kind === 'read' ? 'read' : op.kind === 'insert' ? `insert ${show(op.value)} if absent` : `cas ${show(op.expected)} -> ${show(op.value)}`;
  const result = op.outcome !== 'ok' ? op.outcome
    : op.kind === 'read' ? `read ${show(op.observed)}`
      : op.applied === true ? 'applied' : `not applied, current ${show(op.observed)}`;
  return `[${op.invokedAt}, ${op.completedAt ?? '...'}] ${op.process === undefined ? '' : `process ${op.process} `}${what}: ${result}`;
}
