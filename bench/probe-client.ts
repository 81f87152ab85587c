// The bench's side of the probe (bench/probe.ts): how a server process is started with it, and
// measurement windows over a group of processes. A window opens when measuring starts and closes
// when it ends (both synchronous, beside the /proc CPU reads); the answers are awaited after the
// run drains, so the probe's numbers cover the same window as the CPU seconds.

import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ProbeCommand, ProbeWindow } from './probe.js';

/** Per process: event-loop delay and GC pauses over one measured window. */
export type ProbeNumbers = Omit<ProbeWindow, 'probe' | 'window'>;

const answerTimeoutMs = 5_000;

/** node's flags for a probed (and, with a directory, profiled) server process named `name`. */
export function probeFlags(distBench: string, options: { name: string; profileDir: string | null }): string[] {
  const profile = options.profileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`, `--cpu-prof-name=${options.name}.cpuprofile`];
  return ['--import', pathToFileURL(join(distBench, 'probe.js')).href, ...profile];
}

export class ProbeClient {
  private windows = 0;
  private readonly waiting = new Map<number, (window: ProbeNumbers | null) => void>();

  constructor(private readonly child: ChildProcess) {
    child.on('message', (message: ProbeWindow) => {
      if (message?.probe !== 'window') return;
      const { probe: _probe, window, ...numbers } = message;
      this.waiting.get(window)?.(numbers);
      this.waiting.delete(window);
    });
    child.once('exit', () => {
      for (const resolve of this.waiting.values()) resolve(null);
      this.waiting.clear();
    });
  }

  private send(command: ProbeCommand): boolean {
    if (!this.child.connected) return false;
    this.child.send(command);
    return true;
  }

  /** Opens a window; returns the function that closes it and resolves to its numbers (null if the process is gone or silent). */
  open(): () => Promise<ProbeNumbers | null> {
    const window = ++this.windows;
    const started = this.send({ probe: 'start', window });
    return () => {
      if (!started) return Promise.resolve(null);
      return new Promise((resolve) => {
        const timer = setTimeout(() => { this.waiting.delete(window); resolve(null); }, answerTimeoutMs);
        this.waiting.set(window, (numbers) => { clearTimeout(timer); resolve(numbers); });
        if (!this.send({ probe: 'stop', window })) {
          clearTimeout(timer);
          this.waiting.delete(window);
          resolve(null);
        }
      });
    };
  }
}

/** A window over several processes, by name. */
export function openWindow(processes: ReadonlyArray<{ name: string; probe: ProbeClient | null }>): () => Promise<Record<string, ProbeNumbers | null>> {
  const closers = processes.map((p) => [p.name, p.probe?.open() ?? (() => Promise.resolve(null))] as const);
  return async () => {
    const pending = closers.map(async ([name, close]) => [name, await close()] as const);
    return Object.fromEntries(await Promise.all(pending));
  };
}
