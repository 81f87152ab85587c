// `aero start` as a user runs it. Default (`npm start`): a local 5-node cluster, airports,
// flights and the map come up and the URL is printed; Ctrl-C under npm (SIGINT to the process
// group from the terminal, then again forwarded by npm) stops everything, every node included
// and drained, with exit code 0; a second start restarts the same nodes on their data.
// --nodes 1 runs one node the same way.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort } from './harness/node-process.js';

interface Ports { native: number; storage: number; admin: number; web: number }

async function freePorts(): Promise<Ports> {
  return { native: await freePort(), storage: await freePort(), admin: await freePort(), web: await freePort() };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function runStart(dataDir: string, ports: Ports, extra: string[]): Promise<{ output: string; code: number | null }> {
  const child = spawn(process.execPath, ['bin/aero.js', 'start', '--data-dir', dataDir, '--native-port', String(ports.native), '--storage-port', String(ports.storage),
    '--admin-port', String(ports.admin), '--port', String(ports.web), '--flights', '3', ...extra], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  while (!output.includes('map at ') && child.exitCode === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  assert.match(output, /map at http:\/\/127\.0\.0\.1:\d+\/ \(up in [\d.]+ s\)/, output);
  const health = await fetch(`http://127.0.0.1:${ports.web}/api/health`);
  assert.equal(health.status, 200);
  const page = await fetch(`http://127.0.0.1:${ports.web}/`);
  assert.match(await page.text(), /<div id="map">|not been built/);
  // Ctrl-C under `npm start`: the terminal signals the whole process group (aero start leads
  // its own here, as a shell's foreground job does), then npm forwards another SIGINT.
  process.kill(-child.pid!, 'SIGINT');
  await new Promise((resolve) => setTimeout(resolve, 300));
  child.kill('SIGINT');
  const timeout = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await exited;
  clearTimeout(timeout);
  return { output, code };
}

test('npm start: a 5-node cluster by default; Ctrl-C stops every node; a second start reuses the cluster', { timeout: 300_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aero-start5-'));
  try {
    const ports = await freePorts();
    const first = await runStart(dataDir, ports, []);
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /starting the database \(5 nodes/);
    assert.match(first.output, /cluster "Aerolineas Rusticas" is up: 5 nodes/);
    assert.match(first.output, /loading \d+ airports/);
    console.log(`first start: ${/up in [\d.]+ s/.exec(first.output)?.[0] ?? '?'}`);
    const pids = [...first.output.matchAll(/started node\d on 127\.0\.0\.\d \(pid (\d+)\)/g)].map((match) => Number(match[1]));
    assert.equal(pids.length, 5, first.output);
    assert.deepEqual(pids.filter(isRunning), [], 'every node stopped');
    const manifest = JSON.parse(readFileSync(join(dataDir, 'cluster', 'cluster.json'), 'utf8')) as { nodes: { pid: number | null }[] };
    assert.deepEqual(manifest.nodes.map((node) => node.pid), [null, null, null, null, null]);

    const second = await runStart(dataDir, ports, []);
    assert.equal(second.code, 0, second.output);
    assert.match(second.output, /restarting 5 stopped node\(s\) of the cluster in .* with their data/);
    assert.match(second.output, /airports already loaded/);
    console.log(`second start: ${/up in [\d.]+ s/.exec(second.output)?.[0] ?? '?'}`);
    assert.match(second.output, /stopped the database \(/);
    assert.doesNotMatch(second.output, /warning: stopping the database/);
    // A different size on the same data is refused plainly, before anything starts.
    const resized = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ['bin/aero.js', 'start', '--data-dir', dataDir, '--nodes', '3', '--port', String(ports.web)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      child.once('exit', (code) => resolve({ code, output }));
    });
    assert.equal(resized.code, 1, resized.output);
    assert.match(resized.output, /holds a cluster of 5 nodes, not 3: use --nodes 5, or another --data-dir/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('aero start --nodes 1 brings everything up, stops on SIGINT and reuses its data', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aero-start-'));
  try {
    const ports = await freePorts();
    const first = await runStart(dataDir, ports, ['--nodes', '1']);
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /starting the database \(1 node,/);
    assert.ok(existsSync(join(dataDir, 'node1')), 'one node keeps its data in DIR/node1');
    assert.match(first.output, /loading \d+ airports/);
    assert.match(first.output, /added 3 random flights/);
    assert.match(first.output, /stopped the database \(/);
    assert.doesNotMatch(first.output, /warning: stopping the database/, 'the node drained and exited 0');
    const second = await runStart(dataDir, ports, ['--nodes', '1']);
    assert.equal(second.code, 0, second.output);
    assert.match(second.output, /airports already loaded/);
    // The first run's flights are still there; only landed or cancelled ones are topped up.
    const added = Number(/added (\d+) random flights/.exec(second.output)?.[1] ?? '0');
    const flying = Number(/flying (\d+) flights/.exec(second.output)?.[1] ?? '0');
    assert.equal(flying, 3 + added, second.output);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a port held by another process stops aero start before any node starts, saying how to go around it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aero-start-busy-'));
  const ports = await freePorts();
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(ports.native, '127.0.0.3', resolve));
  try {
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ['bin/aero.js', 'start', '--data-dir', dataDir, '--native-port', String(ports.native), '--storage-port', String(ports.storage),
        '--admin-port', String(ports.admin), '--port', String(ports.web)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
      child.once('exit', (code) => resolve({ code, output }));
    });
    assert.equal(result.code, 1, result.output);
    assert.match(result.output, new RegExp(`node3: 127\\.0\\.0\\.3:${ports.native} is already in use`));
    assert.match(result.output, /--native-port N moves all three ports/);
    assert.doesNotMatch(result.output, /started node/);
  } finally {
    holder.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
