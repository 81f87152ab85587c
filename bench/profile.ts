// `--profile`: every server process the bench starts runs with `node --cpu-prof`, which writes a
// V8 CPU profile (.cpuprofile, JSON) when the process exits. This reads one and ranks functions
// by self time: the time of each sample goes to the call frame on top of the stack, summed per
// function (name, file and line), so what the CPU did, not who called it, comes first.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

export interface SelfTime {
  /** `function file:line` (1-based line), or V8's pseudo-frames: (garbage collector), (program). */
  frame: string;
  selfMs: number;
  /** Share of the profile's busy time (all samples but (idle)). */
  share: number;
}

export interface ProfileSummary {
  process: string;
  file: string;
  /** Sampled time that was not idle (ms). */
  busyMs: number;
  idleMs: number;
  top: SelfTime[];
}

export const profileTopMax = 15;

function frameName(frame: CallFrame, root: string): string {
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  if (frame.url === '') return name;
  const path = frame.url.startsWith('file://') ? relative(root, decodeURIComponent(frame.url.slice('file://'.length))) : frame.url;
  return `${name} ${path}:${frame.lineNumber + 1}`;
}

/** Self time per function of one .cpuprofile, top `limit` by self time. */
export function summarizeProfile(file: string, options: { root: string; limit?: number }): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map<number, string>();
  for (const node of profile.nodes) frames.set(node.id, frameName(node.callFrame, options.root));
  const selfMicros = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // timeDeltas[i] is the time from sample i-1 to sample i: charge it to sample i's frame.
  for (let i = 0; i < samples.length; i++) {
    const frame = frames.get(samples[i] as number) ?? '(unknown)';
    selfMicros.set(frame, (selfMicros.get(frame) ?? 0) + Math.max(0, deltas[i] ?? 0));
  }
  const idleMicros = selfMicros.get('(idle)') ?? 0;
  selfMicros.delete('(idle)');
  const busyMicros = [...selfMicros.values()].reduce((sum, micros) => sum + micros, 0);
  const top = [...selfMicros.entries()].sort((a, b) => b[1] - a[1]).slice(0, options.limit ?? profileTopMax).map(([frame, micros]) => ({
    frame, selfMs: Number((micros / 1000).toFixed(1)), share: busyMicros > 0 ? Number((micros / busyMicros).toFixed(4)) : 0,
  }));
  // Relative to the repository: results files are committed, and name no path of the machine that ran them.
  return { process: basename(file, '.cpuprofile'), file: relative(options.root, file), busyMs: Math.round(busyMicros / 1000), idleMs: Math.round(idleMicros / 1000), top };
}

/** Summaries of every .cpuprofile in a directory (one per process), by process name. */
export function summarizeProfiles(directory: string, options: { root: string; limit?: number }): ProfileSummary[] {
  let names: string[];
  try {
    names = readdirSync(directory).filter((name) => name.endsWith('.cpuprofile')).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.map((name) => summarizeProfile(join(directory, name), options));
}

export function profileLines(summary: ProfileSummary): string[] {
  const lines = [`  ${summary.process}: ${summary.busyMs} ms busy, ${summary.idleMs} ms idle (${summary.file})`, '    self ms  share  function'];
  for (const entry of summary.top) lines.push(`    ${entry.selfMs.toFixed(1).padStart(7)}  ${(entry.share * 100).toFixed(1).padStart(4)}%  ${entry.frame}`);
  return lines;
}
