import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLogger, parseAuditLogOptions, type AuditLogSettings } from './audit-log.js';
import type { Logger } from '../common/world.js';

const defaults = { logDirectory: '/var/log/aero', resolve: (dir: string) => (dir.startsWith('/') ? dir : `/cwd/${dir}`) };

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = {
    lines,
    debug: () => undefined, info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`), error: (m: string) => lines.push(`error ${m}`),
    child: () => logger, isDebugEnabled: () => false,
  };
  return logger as unknown as Logger & { lines: string[] };
}

test('parses audit_logging_options with Cassandra names and defaults', () => {
  const off = parseAuditLogOptions(undefined, defaults);
  assert.equal(off.enabled, false);
  assert.equal(off.auditLogsDir, '/var/log/aero/audit');
  assert.deepEqual(off.excludedKeyspaces, ['system', 'system_schema', 'system_virtual_schema']);
  const on = parseAuditLogOptions({
    enabled: true, logger: { class_name: 'FileAuditLogger' }, audit_logs_dir: 'audit', included_keyspaces: 'app, other', excluded_categories: 'query,prepare',
    included_users: 'alice', max_log_size: 2048, max_archived_files: 3,
  }, defaults);
  assert.equal(on.enabled, true);
  assert.equal(on.auditLogsDir, '/cwd/audit');
  assert.deepEqual(on.includedKeyspaces, ['app', 'other']);
  assert.deepEqual(on.excludedCategories, ['QUERY', 'PREPARE']);
  assert.deepEqual(on.includedUsers, ['alice']);
  assert.equal(on.maxLogSizeBytes, 2048);
});

test('refuses bad audit_logging_options with the key named', () => {
  const bad: Array<[unknown, RegExp]> = [
    [{ enabled: 'yes' }, /audit_logging_options\.enabled.*true or false/],
    [{ logger: 'BinAuditLogger' }, /audit_logging_options\.logger.*FileAuditLogger/],
    [{ included_categories: 'QUERY,NOPE' }, /audit_logging_options\.included_categories.*categories among/],
    [{ max_log_size: 10 }, /audit_logging_options\.max_log_size/],
    [{ roll_cycle: 'WEEKLY' }, /audit_logging_options\.roll_cycle/],
    [{ nonsense: 1 }, /audit_logging_options.*unknown setting nonsense/],
    ['on', /audit_logging_options/],
  ];
  for (const [raw, message] of bad) assert.throws(() => parseAuditLogOptions(raw, defaults), message);
});

async function withDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'aero-audit-'));
  try {
    await body(dir);
  } finally {
    await chmod(dir, 0o755).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

function settings(dir: string, changes: Partial<AuditLogSettings> = {}): AuditLogSettings {
  return { ...parseAuditLogOptions({ enabled: true, audit_logs_dir: dir }, defaults), flushIntervalMs: 60_000, ...changes };
}

const entry = (n: number) => ({ user: 'u', host: 'h', source: 's', port: 1, timestampMs: n, type: 'SELECT', category: 'QUERY' as const, keyspace: 'app', scope: 't', operation: `SELECT ${n} FROM t` });

test('buffers entries, appends them on flush and rotates by size, keeping max_archived_files', async () => {
  await withDir(async (dir) => {
    const audit = new AuditLogger(settings(dir, { maxLogSizeBytes: 1024, maxArchivedFiles: 2 }), recordingLogger());
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 10; i++) audit.log(entry(round * 10 + i));
      await audit.flush();
    }
    await audit.close();
    const files = (await readdir(dir)).sort();
    assert.equal(files.filter((f) => /^audit-\d{8}T\d{6}Z-\d+\.log$/.test(f)).length, 2, files.join());
    assert.ok(files.includes('audit.log'));
    const current = await readFile(join(dir, 'audit.log'), 'utf8');
    assert.match(current, /timestamp:59\|/);
    assert.equal(audit.stats().written, 60);
  });
});

test('a directory that cannot be written costs no crash; entries wait and go out once it can', async () => {
  if (process.getuid?.() === 0) {
    // root ignores permissions: a file where the directory should be fails for everyone.
    await withDir(async (dir) => {
      const blocked = join(dir, 'blocked');
      await writeFile(blocked, 'not a directory');
      const logger = recordingLogger();
      const audit = new AuditLogger(settings(blocked), logger);
      audit.log(entry(1));
      await audit.flush();
      assert.equal(audit.stats().failing, true);
      assert.ok(logger.lines.some((l) => l.startsWith('error cannot write the audit log')));
      await rm(blocked);
      await audit.close();
      assert.match(await readFile(join(blocked, 'audit.log'), 'utf8'), /timestamp:1\|/);
      assert.equal(audit.stats().failing, false);
    });
    return;
  }
  await withDir(async (dir) => {
    await chmod(dir, 0o500);
    const audit = new AuditLogger(settings(join(dir, 'sub')), recordingLogger());
    audit.log(entry(1));
    await audit.flush();
    assert.equal(audit.stats().failing, true);
    await chmod(dir, 0o755);
    await audit.close();
    assert.match(await readFile(join(dir, 'sub', 'audit.log'), 'utf8'), /timestamp:1\|/);
  });
});

test('disabled logs nothing; enable and disable at run time (nodetool)', async () => {
  await withDir(async (dir) => {
    const audit = new AuditLogger({ ...settings(dir), enabled: false }, recordingLogger());
    audit.log(entry(1));
    audit.enable({ includedCategories: ['QUERY'] });
    audit.log(entry(2));
    audit.log({ ...entry(3), category: 'DML', type: 'UPDATE' });
    await audit.disable();
    audit.log(entry(4));
    await audit.close();
    const lines = (await readFile(join(dir, 'audit.log'), 'utf8')).trim().split('\n');
    assert.deepEqual(lines.map((l) => /timestamp:(\d+)/.exec(l)?.[1]), ['2']);
  });
});
