// `aero start` stops everything it started however its output is piped and however it is
// stopped. Run as a user does, `aero start 2>&1 | tee start.log` in its own process group (a
// shell's foreground job): Ctrl-C (SIGINT to the whole group, tee included, so that every later
// write of aero start fails with EPIPE), a closed terminal (SIGHUP to the group), and aero start
// killed outright (SIGKILL: its nodes notice they lost their parent). Each time, no node process
// may remain. Needs the build (bin/aero.js runs dist/). Two nodes, no TLS or logins: lean.
// run-tests: two at a time

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isProcessRunning } from './harness/node-process.js';

const isRunning = (pid: number): boolean => isProcessRunning(pid);

/** Pids of live processes whose command line holds every one of `parts`. */
function processesWith(parts: string[]): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (parts.every((part) => commandLine.split('\0').includes(part)) && isRunning(Number(entry))) found.push(Number(entry));
  }
  return found;
}

async function waitUntil(what: string, condition: () => boolean, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

type Stop = 'SIGINT to the group' | 'SIGHUP to the group' | 'SIGKILL to aero start';

async function startPipedAndStop(stop: Stop): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'aero-start-pipe-'));
  const log = join(dataDir, 'start.log');
  const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
  const command = ['bin/aero.js', 'start', '--data-dir', dataDir, '--nodes', '2', '--flights', '2', '--no-tls', '--no-auth',
    '--native-port', String(ports[0]), '--storage-port', String(ports[1]), '--admin-port', String(ports[2]), '--port', String(ports[3])];
  const quoted = [process.execPath, ...command].map((word) => `'${word}'`).join(' ');
  const shell = spawn('/bin/sh', ['-c', `${quoted} 2>&1 | tee '${log}'`], { stdio: 'ignore', detached: true });
  const group = shell.pid!;
  let nodePids: number[] = [];
  try {
    await waitUntil('aero start serves the map', () => existsSync(log) && readFileSync(log, 'utf8').includes('map at '), 150_000).catch((error: unknown) => {
      // What aero start printed says where it stopped (the data directory goes in `finally`).
      throw new Error(`${String(error)}; aero start printed:\n${existsSync(log) ? readFileSync(log, 'utf8').slice(-3000) : '(nothing)'}`);
    });
    const manifest = JSON.parse(readFileSync(join(dataDir, 'cluster', 'cluster.json'), 'utf8')) as { nodes: { pid: number | null }[] };
    nodePids = manifest.nodes.map((node) => node.pid).filter((pid): pid is number => pid !== null);
    assert.equal(nodePids.filter(isRunning).length, 2, 'both nodes run');
    const [start] = processesWith(['start', '--data-dir', dataDir]);
    assert.ok(start !== undefined, 'the aero start process');
    if (stop === 'SIGINT to the group') process.kill(-group, 'SIGINT');
    else if (stop === 'SIGHUP to the group') process.kill(-group, 'SIGHUP');
    else process.kill(start, 'SIGKILL');
    await waitUntil('aero start exits', () => !isRunning(start), 60_000);
    await waitUntil(`every node stops (${stop})`, () => nodePids.every((pid) => !isProcessRunning(pid, dataDir)), 60_000);
  } finally {
    for (const pid of nodePids) if (isProcessRunning(pid, dataDir)) process.kill(pid, 'SIGKILL');
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // the group is gone already
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('aero start piped through tee: Ctrl-C (SIGINT to the group, then EPIPE on stdout) stops every node', { timeout: 240_000 }, async () => {
  await startPipedAndStop('SIGINT to the group');
});

test('aero start piped through tee: SIGKILL of aero start alone; its nodes stop by themselves', { timeout: 240_000 }, async () => {
  await startPipedAndStop('SIGKILL to aero start');
});

test('aero start piped through tee: a closed terminal (SIGHUP to the group) stops every node', { timeout: 240_000 }, async () => {
  await startPipedAndStop('SIGHUP to the group');
});
