// `aero start` as a user runs it: a local node, airports, flights and the map come up and the
// URL is printed; SIGINT stops everything with exit code 0; a second start reuses the data.

import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './harness/node-process.js';

async function runStart(dataDir: string, ports: { native: number; web: number }): Promise<{ output: string; code: number | null }> {
  const child = spawn(process.execPath, ['bin/aero.js', 'start', '--data-dir', dataDir, '--native-port', String(ports.native), '--port', String(ports.web), '--flights', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!output.includes('map at ') && child.exitCode === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  assert.match(output, /map at http:\/\/127\.0\.0\.1:\d+\//, output);
  const health = await fetch(`http://127.0.0.1:${ports.web}/api/health`);
  assert.equal(health.status, 200);
  const page = await fetch(`http://127.0.0.1:${ports.web}/`);
  assert.match(await page.text(), /<div id="map">|not been built/);
  child.kill('SIGINT');
  const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await exited;
  clearTimeout(timeout);
  return { output, code };
}

test('aero start brings everything up, stops on SIGINT and reuses its data', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'aero-start-'));
  try {
    const ports = { native: await freePort(), web: await freePort() };
    const first = await runStart(dataDir, ports);
    assert.equal(first.code, 0, first.output);
    assert.match(first.output, /loading \d+ airports/);
    assert.match(first.output, /added 3 random flights/);
    assert.match(first.output, /stopped the database \(/);
    const second = await runStart(dataDir, ports);
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
