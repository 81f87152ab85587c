// Nodes that `aero start` started stop when it is gone, however it went: they run detached (in
// their own process groups, so that Ctrl-C reaches only `aero start`, which drains them in
// order), so nothing else would stop them after a SIGKILL, a crash or an exit while its output
// pipe was closed. `aero start` sets the variable below for the nodes it spawns; such a node
// watches its parent pid and stops cleanly (as on SIGTERM) once it was re-parented.

import { existsSync, readFileSync } from 'node:fs';

export const stopWithParentVariable = 'AERO_STOP_WITH_PARENT';
export const parentCheckIntervalMs = 1_000;

/**
 * The parent pid as the kernel has it now. Node's process.ppid is read once at startup, so it
 * never changes; /proc/self/stat does (field 4, after the command name in parentheses).
 * Without /proc: whether the first parent still exists.
 */
function parentChanged(parentPid: number): boolean {
  if (existsSync('/proc/self/stat')) {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const now = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(now) && now !== parentPid;
  }
  try {
    process.kill(parentPid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Resolves once this process's parent is no longer the one it started with; never when the variable is unset. */
export function parentGone(env: NodeJS.ProcessEnv): { gone: Promise<string>; dispose(): void } {
  if (env[stopWithParentVariable] !== '1') return { gone: new Promise(() => {}), dispose: () => {} };
  const parentPid = process.ppid;
  let timer: NodeJS.Timeout | undefined;
  const gone = new Promise<string>((resolve) => {
    timer = setInterval(() => {
      if (parentChanged(parentPid)) {
        clearInterval(timer);
        resolve(`parent ${parentPid} exited`);
      }
    }, parentCheckIntervalMs);
    timer.unref();
  });
  return { gone, dispose: () => clearInterval(timer) };
}
