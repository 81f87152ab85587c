// The bench probe: loaded into every server process the bench starts (`node --import
// dist/bench/probe.js ...`), so the database's own code stays untouched. It measures the event
// loop's delay (perf_hooks.monitorEventLoopDelay) and garbage-collection pauses (a
// PerformanceObserver on 'gc') over windows the bench opens and closes through the IPC channel
// it spawns the process with: 'start' resets both, 'stop' answers with what the window saw. So
// the numbers cover a scenario's measured window, not startup or warm-up. Without an IPC channel
// (the process was started some other way) the probe does nothing.

import { Socket } from 'node:net';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

/** What the bench sends. */
export type ProbeCommand = { probe: 'start'; window: number } | { probe: 'stop'; window: number };

/** What the probe answers to 'stop'. */
export interface ProbeWindow {
  probe: 'window';
  window: number;
  /** Event-loop delay over the window (ms): how late the monitor's 10 ms timer fired, p99 and max. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** GC pauses in the window: their sum, the longest one and how many. */
  gcPauseMs: number;
  gcPauseMaxMs: number;
  gcCount: number;
  /** The same per kind of collection (scavenge, mark-compact, incremental marking step, weak callbacks). */
  gcByKind: Record<string, { pauseMs: number; maxMs: number; count: number }>;
  /** Socket writes handed to the system (one per write, or one per writev of a corked socket), all sockets. */
  socketWrites: number;
}

const gcKindNames: Record<number, string> = { 1: 'scavenge', 2: 'minor-mark-sweep', 4: 'mark-compact', 8: 'incremental', 16: 'weak-callbacks' };

const resolutionMs = 10;

function installProbe(): void {
  if (typeof process.send !== 'function') return;
  const send = process.send.bind(process);
  const loop = monitorEventLoopDelay({ resolution: resolutionMs });
  loop.enable();
  let gc = { pauseMs: 0, maxMs: 0, count: 0 };
  let byKind: ProbeWindow['gcByKind'] = {};
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.pauseMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
      gc.count++;
      const code = ((entry as { detail?: { kind?: number } }).detail)?.kind ?? 0;
      const kind = (byKind[gcKindNames[code] ?? String(code)] ??= { pauseMs: 0, maxMs: 0, count: 0 });
      kind.pauseMs += entry.duration;
      kind.maxMs = Math.max(kind.maxMs, entry.duration);
      kind.count++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  // Counts what reaches the system: Writable calls _write per chunk and _writev per batch.
  let socketWrites = 0;
  const prototype = Socket.prototype as unknown as Record<'_write' | '_writev', (...args: unknown[]) => unknown>;
  for (const method of ['_write', '_writev'] as const) {
    const original = prototype[method];
    prototype[method] = function counted(this: unknown, ...args: unknown[]) {
      socketWrites++;
      return original.apply(this, args);
    };
  }
  const ms = (nanoseconds: number) => Number((nanoseconds / 1e6).toFixed(2));
  // The monitor records the time between its timer's firings, the resolution included.
  const lateMs = (nanoseconds: number) => Math.max(0, ms(nanoseconds) - resolutionMs);
  process.on('message', (message: unknown) => {
    const command = message as Partial<ProbeCommand> | null;
    if (command === null || typeof command !== 'object' || typeof command.window !== 'number') return;
    if (command.probe === 'start') {
      loop.reset();
      gc = { pauseMs: 0, maxMs: 0, count: 0 };
      byKind = {};
      socketWrites = 0;
    } else if (command.probe === 'stop') {
      const answer: ProbeWindow = {
        probe: 'window', window: command.window, loopDelayP99Ms: Number(lateMs(loop.percentile(99)).toFixed(2)), loopDelayMaxMs: Number(lateMs(loop.max).toFixed(2)),
        gcPauseMs: Number(gc.pauseMs.toFixed(2)), gcPauseMaxMs: Number(gc.maxMs.toFixed(2)), gcCount: gc.count,
        gcByKind: Object.fromEntries(Object.entries(byKind).map(([kind, k]) => [kind, { pauseMs: Number(k.pauseMs.toFixed(2)), maxMs: Number(k.maxMs.toFixed(2)), count: k.count }])),
        socketWrites,
      };
      send(answer);
    }
  });
  // The channel must not keep a server alive that would otherwise exit.
  process.channel?.unref();
}

installProbe();
