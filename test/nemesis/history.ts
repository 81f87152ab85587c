// The nemesis's history: one JSON line per event of every operation a workload client ran
// (invoke, then ok, fail or info) and, at the end, each node's view of the data after the
// faults stopped and repair ran. Every written value is unique, so the checker can tell
// exactly which write a read saw. `fail` means the operation certainly did not apply
// (Unavailable, Invalid); `info` means its outcome is unknown (a timeout, a lost connection).

import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';

/** The operations the workload runs. */
export type OperationKind =
  | 'write'        // INSERT INTO kv (k, v) at QUORUM; value "k:seq", one writer per key, seq rising
  | 'read'         // SELECT v FROM kv at QUORUM
  | 'batch'        // a logged batch inserting one value (the batch id) into several batch rows
  | 'lwt-insert'   // INSERT INTO lwt (k, owner, v) VALUES (?, ?, 0) IF NOT EXISTS
  | 'lwt-cas'      // UPDATE lwt SET v = old + 1 WHERE k = ? IF v = old
  | 'serial-read'; // SELECT owner, v FROM lwt at SERIAL

export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

export interface OperationEvent {
  type: EventType;
  /** The operation's id: its invoke and its completion share it. */
  op: number;
  kind: OperationKind;
  /** Milliseconds since the run began. */
  time: number;
  client: number;
  /** kv, lwt: the key; batch: the batch's keys. */
  key: number | number[];
  /** write: "k:seq"; batch: the batch id; lwt-insert: the owner; lwt-cas: the old value. */
  value?: string | number;
  /** read: the value read (null: no row); lwt-insert, lwt-cas: whether it applied. */
  result?: string | null;
  applied?: boolean;
  /** lwt-insert not applied: the owner it saw; lwt-cas: the v it saw; serial-read: both. */
  owner?: string | null;
  v?: number | null;
  error?: string;
}

/** Each node's view of every table after the faults stopped, hints were delivered and repair ran. */
export interface FinalEvent {
  type: 'final';
  time: number;
  /** The node whose replicas were read, at ONE through that node alone. */
  node: number;
  kv: Record<string, string>;
  batch: Record<string, string>;
  lwt: Record<string, { owner: string | null; v: number | null }>;
}

/** A fault the nemesis started or ended, for the reader of the history (the checker ignores it). */
export interface NemesisEvent {
  type: 'nemesis';
  time: number;
  fault: string;
  phase: 'start' | 'stop';
  detail: string;
}

export type HistoryEvent = OperationEvent | FinalEvent | NemesisEvent;

/** Appends events to a JSON-lines file as they happen (a crash of the nemesis keeps what came before). */
export class HistoryWriter {
  private readonly started = Date.now();
  private nextOp = 1;
  private buffered: string[] = [];

  constructor(readonly file: string) {
    writeFileSync(file, '');
  }

  now(): number {
    return Date.now() - this.started;
  }

  newOperation(): number {
    return this.nextOp++;
  }

  record(event: HistoryEvent): void {
    this.buffered.push(JSON.stringify(event));
    if (this.buffered.length >= 200) this.flush();
  }

  flush(): void {
    if (this.buffered.length === 0) return;
    appendFileSync(this.file, `${this.buffered.join('\n')}\n`);
    this.buffered = [];
  }
}

export function readHistory(file: string): HistoryEvent[] {
  return parseHistory(readFileSync(file, 'utf8'));
}

export function parseHistory(text: string): HistoryEvent[] {
  return text.split('\n').filter((line) => line.trim() !== '').map((line, index) => {
    try {
      return JSON.parse(line) as HistoryEvent;
    } catch {
      throw new Error(`history line ${index + 1} is not JSON: ${line.slice(0, 200)}`);
    }
  });
}
