import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from './logging.js';

async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail('condition not met in time');
}

test('writes JSON lines at or above the level to the file, with child bindings and errors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aero-log-'));
  try {
    const file = join(dir, 'logs', 'system.log');
    const logger = createLogger({ level: 'info', file, stdout: false });
    assert.equal(logger.isDebugEnabled(), false);
    logger.debug('hidden');
    logger.info('node started', { port: 9042 });
    logger.child({ connection: 7 }).error('handler failed', { error: new Error('boom') });
    await eventually(async () => {
      logger.flush();
      return (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean).length >= 2;
    });
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(lines.length, 2);
    assert.equal(lines[0]?.['msg'], 'node started');
    assert.equal(lines[0]?.['port'], 9042);
    assert.equal(lines[0]?.['level'], 30);
    assert.equal(lines[1]?.['connection'], 7);
    const error = lines[1]?.['error'] as Record<string, unknown>;
    assert.equal(error['message'], 'boom');
    assert.match(String(error['stack']), /logging\.test/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('debug level enables debug', () => {
  const logger = createLogger({ level: 'debug', stdout: false });
  assert.equal(logger.isDebugEnabled(), true);
  assert.equal(logger.child({ a: 1 }).isDebugEnabled(), true);
  logger.flush();
});

test('the level changes at runtime, for children made before as well', () => {
  const logger = createLogger({ level: 'info', stdout: false });
  const child = logger.child({ component: 'x' });
  assert.equal(logger.level(), 'info');
  assert.equal(child.isDebugEnabled(), false);
  logger.setLevel('debug');
  assert.equal(logger.level(), 'debug');
  assert.equal(child.isDebugEnabled(), true);
  assert.equal(logger.child({ component: 'y' }).isDebugEnabled(), true);
  logger.setLevel('error');
  assert.equal(child.isDebugEnabled(), false);
});

// /dev/full fails every write with ENOSPC, as a log file on a full disk does. Unguarded, the
// stream's 'error' was uncaught and pino's exit hook then retried the write forever: the
// process hung instead of exiting. In a child process, so that the exit hook runs for real.
test('a log file on a full disk neither crashes nor hangs the process', { skip: existsSync('/dev/full') ? false : 'no /dev/full here' }, () => {
  const script = [
    `const { createLogger } = await import(${JSON.stringify(new URL('./logging.js', import.meta.url).href)});`,
    "const logger = createLogger({ level: 'info', file: '/dev/full', stdout: false });",
    "for (let i = 0; i < 2000; i++) logger.info('line', { i, padding: 'x'.repeat(100) });",
    'await new Promise((resolve) => setTimeout(resolve, 200));',
    "logger.info('still logging');",
    'logger.flush();',
    "process.stdout.write('alive\\n');",
  ].join('\n');
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(child.signal, null, `the process hung (killed after 20 s): ${child.stderr}`);
  assert.equal(child.status, 0, child.stderr);
  assert.equal(child.stdout, 'alive\n');
  assert.match(child.stderr, /^cannot write the log file \/dev\/full \(ENOSPC: no space left on device, write\); lines are held/);
  assert.equal(child.stderr.trim().split('\n').length, 1, 'the failure is reported once');
});

// A node started with its standard output and error redirected to a file on the disk that
// fills (the nemesis does this): the stdout log stream is guarded, but the guard's own notice to
// stderr failed too, and an unlistened 'error' on process.stderr killed the node (seen in the
// nemesis CI run as a node that exited when its data disk filled).
test('standard output and error on a full disk neither crash nor hang the process', { skip: existsSync('/dev/full') ? false : 'no /dev/full here' }, () => {
  const script = [
    `const { createLogger } = await import(${JSON.stringify(new URL('./logging.js', import.meta.url).href)});`,
    "const logger = createLogger({ level: 'info', stdout: true });",
    "for (let i = 0; i < 2000; i++) logger.info('line', { i, padding: 'x'.repeat(100) });",
    'await new Promise((resolve) => setTimeout(resolve, 200));',
    "process.stderr.write('a direct write to stderr\\n');",
    "console.error('and one through console');",
    'await new Promise((resolve) => setTimeout(resolve, 100));',
    "logger.info('still logging');",
    'logger.flush();',
    "(await import('node:fs')).writeFileSync(3, 'alive');",
  ].join('\n');
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', openSync('/dev/full', 'w'), openSync('/dev/full', 'w'), 'pipe'] });
  assert.equal(child.signal, null, 'the process hung (killed after 20 s)');
  assert.equal(child.status, 0, 'the process exited with an error');
  assert.equal(child.output[3], 'alive');
});

test('a log file that cannot be written (ENOSPC, as on a full disk) does not kill the process', async () => {
  // /dev/full answers every write with ENOSPC. Before the fix the stream's 'error' event had no
  // listener and the node died of an uncaught exception (found by the nemesis, test/nemesis/).
  const logger = createLogger({ level: 'debug', file: '/dev/full', stdout: false });
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  process.on('uncaughtException', onUncaught);
  try {
    for (let i = 0; i < 2000; i++) logger.info('a line that cannot be written', { i, padding: 'x'.repeat(64) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let i = 0; i < 100; i++) logger.warn('and another', { i });
    await new Promise((resolve) => setTimeout(resolve, 300));
  } finally {
    process.off('uncaughtException', onUncaught);
  }
  assert.deepEqual(uncaught, []);
});
