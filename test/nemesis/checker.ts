// The nemesis's history checker: reads the events of a run (history.ts) and lists every
// anomaly, exactly, because every written value is unique:
// - kv: a QUORUM read returns a value some write invoked (and did not certainly fail), at least
//   as new as every write acknowledged before the read began (one writer per key, so "newer"
//   is the writer's sequence number); after the faults, no acknowledged write is lost;
// - batches: a logged batch's rows are all there or none (all, if it was acknowledged);
// - lwt: at most one acknowledged winner per IF NOT EXISTS key, and every loser saw it; a CAS
//   from v = n to n + 1 is acknowledged at most once per n (no duplicated CAS), never refused
//   while v = n held, and none acknowledged is lost; a SERIAL read sees every CAS acknowledged
//   before it began and only values some CAS could have written;
// - convergence: after hints, repair and read repair every node holds the same data.

import type { FinalEvent, HistoryEvent, OperationEvent } from './history.js';

export interface Anomaly {
  check: string;
  message: string;
}

export interface CheckSummary {
  operations: Record<string, { ok: number; fail: number; info: number }>;
  anomalies: Anomaly[];
}

interface Operation {
  invoke: OperationEvent;
  completion: OperationEvent | undefined;
}

const status = (operation: Operation) => (operation.completion?.type ?? 'info') as 'ok' | 'fail' | 'info';
const okBefore = (operation: Operation, time: number) => operation.completion?.type === 'ok' && operation.completion.time < time;

/** The sequence number of a kv value "k:seq", or undefined when it is not one. */
function sequenceOf(value: string, key: number): number | undefined {
  const match = /^(-?\d+):(\d+)$/.exec(value);
  if (match === null || Number(match[1]) !== key) return undefined;
  return Number(match[2]);
}

export function checkHistory(events: readonly HistoryEvent[]): CheckSummary {
  const operations = new Map<number, Operation>();
  const finals: FinalEvent[] = [];
  const anomalies: Anomaly[] = [];
  const flag = (check: string, message: string) => anomalies.push({ check, message });
  for (const event of events) {
    if (event.type === 'final') finals.push(event);
    else if (event.type === 'nemesis') continue;
    else if (event.type === 'invoke') operations.set(event.op, { invoke: event, completion: undefined });
    else {
      const operation = operations.get(event.op);
      if (operation === undefined) flag('history', `op ${event.op} completed (${event.type}) without an invoke`);
      else if (operation.completion !== undefined) flag('history', `op ${event.op} completed twice`);
      else operation.completion = event;
    }
  }
  const all = [...operations.values()];
  const counts: CheckSummary['operations'] = {};
  for (const operation of all) {
    const entry = counts[operation.invoke.kind] ??= { ok: 0, fail: 0, info: 0 };
    entry[status(operation)]++;
  }
  const byKind = (kind: OperationEvent['kind']) => all.filter((operation) => operation.invoke.kind === kind);
  checkRegisters(byKind('write'), byKind('read'), finals, flag);
  checkBatches(byKind('batch'), finals, flag);
  checkLightweightTransactions(byKind('lwt-insert'), byKind('lwt-cas'), byKind('serial-read'), finals, flag);
  checkConvergence(finals, flag);
  return { operations: counts, anomalies };
}

type Flag = (check: string, message: string) => void;

function checkRegisters(writes: Operation[], reads: Operation[], finals: FinalEvent[], flag: Flag): void {
  const writesByKey = new Map<number, Operation[]>();
  const writeByValue = new Map<string, Operation>();
  for (const write of writes) {
    const key = write.invoke.key as number;
    (writesByKey.get(key) ?? writesByKey.set(key, []).get(key)!).push(write);
    writeByValue.set(String(write.invoke.value), write);
  }
  /** The highest sequence acknowledged for key before time (-1: none). */
  const acknowledgedBefore = (key: number, time: number) => Math.max(-1, ...(writesByKey.get(key) ?? [])
    .filter((write) => okBefore(write, time)).map((write) => sequenceOf(String(write.invoke.value), key) ?? -1));
  /** Whether value is something a write of key could have left; names the problem if not. */
  const explain = (key: number, value: string, readEnded: number): string | undefined => {
    const write = writeByValue.get(value);
    if (write === undefined || write.invoke.key !== key || sequenceOf(value, key) === undefined) return `${JSON.stringify(value)} was never written to key ${key}`;
    if (write.invoke.time > readEnded) return `${JSON.stringify(value)} was read before its write was invoked`;
    if (status(write) === 'fail') return `${JSON.stringify(value)} came from a write that failed (${write.completion?.error ?? ''})`;
    return undefined;
  };
  for (const read of reads) {
    if (read.completion?.type !== 'ok') continue;
    const key = read.invoke.key as number;
    const value = read.completion.result ?? null;
    const required = acknowledgedBefore(key, read.invoke.time);
    if (value === null) {
      if (required >= 0) flag('stale-read', `op ${read.invoke.op} (client ${read.invoke.client}, t=${read.invoke.time}) read no row for key ${key}, but ${key}:${required} was acknowledged before it began`);
      continue;
    }
    const problem = explain(key, value, read.completion.time);
    if (problem !== undefined) { flag('phantom-read', `op ${read.invoke.op} read key ${key}: ${problem}`); continue; }
    const seen = sequenceOf(value, key) ?? -1;
    if (seen < required) flag('stale-read', `op ${read.invoke.op} (client ${read.invoke.client}, t=${read.invoke.time}) read ${value}, but ${key}:${required} was acknowledged before it began`);
  }
  for (const final of finals) {
    for (const [key, keyWrites] of writesByKey) {
      const required = acknowledgedBefore(key, Number.POSITIVE_INFINITY);
      const value = final.kv[String(key)];
      if (value === undefined) {
        if (required >= 0) flag('lost-write', `node ${final.node}: key ${key} has no row, but ${key}:${required} was acknowledged`);
        continue;
      }
      const problem = explain(key, value, Number.POSITIVE_INFINITY);
      if (problem !== undefined) flag('phantom-read', `node ${final.node} holds for key ${key}: ${problem}`);
      else if ((sequenceOf(value, key) ?? -1) < required) flag('lost-write', `node ${final.node}: key ${key} holds ${value}, but ${key}:${required} was acknowledged (${keyWrites.length} writes)`);
    }
    for (const key of Object.keys(final.kv)) {
      if (!writesByKey.has(Number(key))) flag('phantom-read', `node ${final.node} holds kv key ${key}, which no write touched`);
    }
  }
}

function checkBatches(batches: Operation[], finals: FinalEvent[], flag: Flag): void {
  const known = new Set(batches.map((batch) => String(batch.invoke.value)));
  for (const final of finals) {
    for (const batch of batches) {
      const keys = batch.invoke.key as number[];
      const id = String(batch.invoke.value);
      const present = keys.filter((key) => final.batch[String(key)] === id).length;
      if (present !== 0 && present !== keys.length) flag('partial-batch', `node ${final.node}: batch ${id} (op ${batch.invoke.op}, ${status(batch)}) has ${present} of its ${keys.length} rows`);
      else if (present === 0 && status(batch) === 'ok') flag('lost-write', `node ${final.node}: acknowledged batch ${id} (op ${batch.invoke.op}) has none of its rows`);
      else if (present !== 0 && status(batch) === 'fail') flag('phantom-read', `node ${final.node}: batch ${id} (op ${batch.invoke.op}) failed, yet its rows are there`);
    }
    for (const [key, id] of Object.entries(final.batch)) {
      if (!known.has(id)) flag('phantom-read', `node ${final.node}: batch row ${key} holds ${id}, which no batch wrote`);
    }
  }
}

function checkLightweightTransactions(inserts: Operation[], cases: Operation[], serialReads: Operation[], finals: FinalEvent[], flag: Flag): void {
  const keys = new Set<number>([...inserts, ...cases, ...serialReads].map((operation) => operation.invoke.key as number));
  for (const key of keys) {
    const keyInserts = inserts.filter((operation) => operation.invoke.key === key);
    const keyCases = cases.filter((operation) => operation.invoke.key === key);
    const winners = keyInserts.filter((operation) => operation.completion?.type === 'ok' && operation.completion.applied === true);
    if (winners.length > 1) flag('lwt-two-winners', `key ${key}: IF NOT EXISTS applied for ${winners.map((w) => `${String(w.invoke.value)} (op ${w.invoke.op})`).join(' and ')}`);
    const winner = winners[0] === undefined ? undefined : String(winners[0].invoke.value);
    const possibleOwners = new Set(keyInserts.filter((operation) => status(operation) !== 'fail' && operation.completion?.applied !== false).map((operation) => String(operation.invoke.value)));
    for (const loser of keyInserts) {
      if (loser.completion?.type !== 'ok' || loser.completion.applied !== false) continue;
      const seen = loser.completion.owner ?? null;
      if (winner !== undefined && seen !== winner) flag('lwt-two-winners', `key ${key}: op ${loser.invoke.op} lost IF NOT EXISTS to ${String(seen)}, but ${winner} won`);
      else if (seen === null || !possibleOwners.has(seen)) flag('phantom-read', `key ${key}: op ${loser.invoke.op} lost IF NOT EXISTS to ${String(seen)}, which no insert could have written`);
    }
    // Each CAS moves v from old to old + 1: a value n > 0 exists only if a CAS with old n - 1 may have applied.
    const appliedByNew = new Map<number, Operation[]>();
    for (const cas of keyCases) {
      if (cas.completion?.type !== 'ok') continue;
      const old = Number(cas.invoke.value);
      if (cas.completion.applied === true) (appliedByNew.get(old + 1) ?? appliedByNew.set(old + 1, []).get(old + 1)!).push(cas);
      else if (cas.completion.v === old) flag('lwt-cas-refused', `key ${key}: op ${cas.invoke.op} was refused IF v = ${old}, yet it saw v = ${old}`);
    }
    for (const [value, applied] of appliedByNew) {
      if (applied.length > 1) flag('lwt-duplicate-cas', `key ${key}: ${applied.length} CAS applied v ${value - 1} -> ${value} (ops ${applied.map((a) => a.invoke.op).join(', ')})`);
    }
    const maybeApplied = new Set(keyCases.filter((cas) => status(cas) === 'info' || cas.completion?.applied === true).map((cas) => Number(cas.invoke.value) + 1));
    const reachable = (v: number) => v === 0 || maybeApplied.has(v);
    const requiredBefore = (time: number) => Math.max(
      keyInserts.some((insert) => okBefore(insert, time) && insert.completion?.applied === true) ? 0 : -1,
      ...keyCases.filter((cas) => okBefore(cas, time) && cas.completion?.applied === true).map((cas) => Number(cas.invoke.value) + 1));
    for (const read of serialReads) {
      if (read.invoke.key !== key || read.completion?.type !== 'ok') continue;
      const v = read.completion.v ?? null;
      const required = requiredBefore(read.invoke.time);
      if (v === null) {
        if (required >= 0) flag('stale-serial-read', `key ${key}: SERIAL read op ${read.invoke.op} (t=${read.invoke.time}) saw no row, but v = ${required} was acknowledged before it began`);
      } else if (!reachable(v)) flag('phantom-read', `key ${key}: SERIAL read op ${read.invoke.op} saw v = ${v}, which no CAS could have written`);
      else if (v < required) flag('stale-serial-read', `key ${key}: SERIAL read op ${read.invoke.op} (t=${read.invoke.time}) saw v = ${v}, but v = ${required} was acknowledged before it began`);
      const owner = read.completion.owner ?? null;
      if (v !== null && winner !== undefined && owner !== winner) flag('lwt-two-winners', `key ${key}: SERIAL read op ${read.invoke.op} saw owner ${String(owner)}, but ${winner} won IF NOT EXISTS`);
    }
    for (const final of finals) {
      const row = final.lwt[String(key)];
      const required = requiredBefore(Number.POSITIVE_INFINITY);
      if (row === undefined || row.v === null) {
        if (required >= 0) flag('lost-write', `node ${final.node}: lwt key ${key} has no row, but v = ${required} was acknowledged`);
        continue;
      }
      if (!reachable(row.v)) flag('phantom-read', `node ${final.node}: lwt key ${key} holds v = ${row.v}, which no CAS could have written`);
      else if (row.v < required) flag('lost-write', `node ${final.node}: lwt key ${key} holds v = ${row.v}, but v = ${required} was acknowledged`);
      if (winner !== undefined && row.owner !== winner) flag('lwt-two-winners', `node ${final.node}: lwt key ${key} is owned by ${String(row.owner)}, but ${winner} won`);
      else if (row.owner === null || !possibleOwners.has(row.owner)) flag('phantom-read', `node ${final.node}: lwt key ${key} is owned by ${String(row.owner)}, which no insert could have written`);
    }
  }
}

function checkConvergence(finals: FinalEvent[], flag: Flag): void {
  const [first, ...rest] = finals;
  if (first === undefined) return;
  for (const other of rest) {
    for (const table of ['kv', 'batch', 'lwt'] as const) {
      const left = first[table] as Record<string, unknown>;
      const right = other[table] as Record<string, unknown>;
      const differing = [...new Set([...Object.keys(left), ...Object.keys(right)])]
        .filter((key) => JSON.stringify(left[key]) !== JSON.stringify(right[key]));
      if (differing.length > 0) {
        const sample = differing.slice(0, 5).map((key) => `${key}: ${JSON.stringify(left[key])} vs ${JSON.stringify(right[key])}`).join('; ');
        flag('replicas-diverge', `${table}: nodes ${first.node} and ${other.node} differ on ${differing.length} keys (${sample})`);
      }
    }
  }
}

/** The checker's report: counts per operation and every anomaly, one a line. */
export function formatCheck(summary: CheckSummary): string {
  const lines = Object.entries(summary.operations).map(([kind, c]) => `${kind.padEnd(12)} ok ${c.ok}  fail ${c.fail}  info ${c.info}`);
  lines.push(summary.anomalies.length === 0 ? 'no anomalies' : `${summary.anomalies.length} anomalies:`);
  for (const anomaly of summary.anomalies.slice(0, 50)) lines.push(`  [${anomaly.check}] ${anomaly.message}`);
  if (summary.anomalies.length > 50) lines.push(`  ... and ${summary.anomalies.length - 50} more`);
  return lines.join('\n');
}
