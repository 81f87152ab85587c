// Server-side cost from /proc: CPU seconds (utime + stime) of a set of processes, and each
// one's peak resident memory (VmHWM), which can be reset between scenarios through
// /proc/<pid>/clear_refs so each scenario reports its own peak.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch (error) {
      // getconf missing: Linux has used 100 ticks per second on every common architecture.
      console.warn(`getconf CLK_TCK failed (${(error as Error).message}); assuming 100`);
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU seconds a process has used so far (0 once it is gone). */
export function processCpuSeconds(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  // Fields after the command name, which may hold spaces and parentheses: state is field 3,
  // utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

export function cpuSeconds(pids: readonly number[]): number {
  return pids.reduce((total, pid) => total + processCpuSeconds(pid), 0);
}

/** Peak resident set size in MiB (VmHWM), or null when unknown. */
export function peakRssMiB(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? null : Math.round(Number(match[1]) / 1024);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Resets the peak to the current RSS; false where the kernel or permissions refuse. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch (error) {
    // Not fatal: the peak then covers the process's whole life, which the report says.
    if (!(error instanceof Error)) throw error;
    return false;
  }
}
