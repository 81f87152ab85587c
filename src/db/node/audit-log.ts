// Audit logging as Cassandra 4.0's audit_logging_options and FileAuditLogger: every client
// request after authentication (and every login, good or bad) becomes one line in
// audit_logs_dir/audit.log (format: transport/audit-entry.ts). Entries are filtered by keyspace, category and user
// (AuditLogFilter), passwords are redacted (PasswordObfuscator), and lines are buffered in
// memory and appended on a timer: the request path never waits for the disk. A failing disk
// (ENOSPC) costs audit lines, counted and logged, never the node: the buffer is bounded.

import { appendFile, mkdir, readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigurationError } from '../common/errors.js';
import type { Logger } from '../common/world.js';
import { auditCategories, formatAuditEntry, isAudited, redactPasswords, type AuditEntry, type AuditFilter, type AuditSink } from '../transport/audit-entry.js';

export interface AuditLogSettings extends AuditFilter {
  enabled: boolean;
  logger: 'FileAuditLogger';
  /** Absolute directory of audit.log and its rotated files. */
  auditLogsDir: string;
  /** max_log_size: audit.log is rotated once it reaches this many bytes. */
  maxLogSizeBytes: number;
  /** max_archived_files (ours): rotated files kept; older ones are deleted. */
  maxArchivedFiles: number;
  /** flush_interval_ms (ours): how often buffered lines are appended to the file. */
  flushIntervalMs: number;
}

const defaultExcludedKeyspaces = ['system', 'system_schema', 'system_virtual_schema'];

const nameList = z.preprocess(
  (value) => (Array.isArray(value) ? value.join(',') : value),
  z.string({ error: 'expected a comma-separated list' }),
).transform((text) => text.split(',').map((part) => part.trim()).filter((part) => part !== ''));

const categoryList = nameList.pipe(z.array(z.string().transform((c) => c.toUpperCase()).pipe(
  z.enum(auditCategories, { error: `expected categories among ${auditCategories.join(', ')}` }),
)));

const boolean = z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), z.boolean({ error: 'expected true or false' }));

function integer(min: number, max: number) {
  const problem = `expected an integer between ${min} and ${max}`;
  return z.preprocess(
    (value) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value),
    z.number({ error: problem }).int({ error: problem }).min(min, { error: problem }).max(max, { error: problem }),
  );
}

const optionsSchema = z.object({
  enabled: boolean,
  logger: z.preprocess(
    (value) => (value !== null && typeof value === 'object' && 'class_name' in value ? (value as { class_name: unknown }).class_name : value),
    z.preprocess((value) => (typeof value === 'string' ? value.replace(/^org\.apache\.cassandra\.audit\./, '') : value),
      z.literal('FileAuditLogger', { error: 'expected FileAuditLogger (the only audit logger here)' })),
  ),
  audit_logs_dir: z.string({ error: 'expected a directory path' }).min(1, { error: 'expected a directory path' }),
  included_keyspaces: nameList,
  excluded_keyspaces: nameList,
  included_categories: categoryList,
  excluded_categories: categoryList,
  included_users: nameList,
  excluded_users: nameList,
  // Accepted for cassandra.yaml compatibility: BinAuditLogger's chronicle-queue settings.
  roll_cycle: z.enum(['MINUTELY', 'HOURLY', 'DAILY'], { error: 'expected MINUTELY, HOURLY or DAILY' }),
  block: boolean,
  max_queue_weight: integer(1, 2_147_483_647),
  archive_command: z.string(),
  max_archive_retries: integer(0, 1000),
  max_log_size: integer(1024, Number.MAX_SAFE_INTEGER),
  max_archived_files: integer(0, 10_000),
  flush_interval_ms: integer(10, 60_000),
}).partial().strict();

/** Validates audit_logging_options (null or absent: disabled); every problem names its key. */
export function parseAuditLogOptions(raw: unknown, defaults: { logDirectory: string; resolve: (dir: string) => string }, warn: (message: string) => void = () => undefined): AuditLogSettings {
  const parsed = optionsSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue === undefined ? '' : issue.path.filter((part) => typeof part === 'string').join('.');
    const message = issue?.code === 'unrecognized_keys' ? `unknown setting ${issue.keys.join(', ')}` : issue?.message ?? 'invalid';
    throw new ConfigurationError(key === '' ? 'audit_logging_options' : `audit_logging_options.${key}`, message);
  }
  const o = parsed.data;
  if (o.roll_cycle !== undefined || o.archive_command !== undefined) warn('audit_logging_options: roll_cycle and archive_command are ignored; FileAuditLogger rotates by max_log_size');
  return {
    enabled: o.enabled ?? false,
    logger: 'FileAuditLogger',
    auditLogsDir: defaults.resolve(o.audit_logs_dir ?? join(defaults.logDirectory, 'audit')),
    includedKeyspaces: o.included_keyspaces ?? [],
    excludedKeyspaces: o.excluded_keyspaces ?? defaultExcludedKeyspaces,
    includedCategories: o.included_categories ?? [],
    excludedCategories: o.excluded_categories ?? [],
    includedUsers: o.included_users ?? [],
    excludedUsers: o.excluded_users ?? [],
    maxLogSizeBytes: o.max_log_size ?? 16 * 1024 * 1024 * 1024,
    maxArchivedFiles: o.max_archived_files ?? 10,
    flushIntervalMs: o.flush_interval_ms ?? 500,
  };
}

/** Lines held in memory while the file cannot be written; older ones are dropped beyond it. */
const bufferBytesMax = 8 * 1024 * 1024;
const preparedRemembered = 10_000;

export interface AuditLogStats {
  written: number;
  dropped: number;
  failing: boolean;
  enabled: boolean;
}

/** FileAuditLogger: buffered appends to audit_logs_dir/audit.log, rotated by size. */
export class AuditLogger implements AuditSink {
  private lines: string[] = [];
  private bufferedBytes = 0;
  private fileBytes = -1;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failing = false;
  private written = 0;
  private dropped = 0;
  /** Lines at the buffer's head that the write in progress holds, and those of them dropped meanwhile. */
  private writing = 0;
  private droppedWhileWriting = 0;
  private enabled: boolean;
  /** What PREPARE answered, so EXECUTE can log the statement (bounded, oldest forgotten first). */
  private readonly prepared = new Map<string, { query: string; keyspace: string | null }>();

  constructor(private settings: AuditLogSettings, private readonly logger: Logger) {
    this.enabled = settings.enabled;
    if (this.enabled) this.startTimer();
  }

  get file(): string {
    return join(this.settings.auditLogsDir, 'audit.log');
  }

  isEnabled(): boolean {
    return this.enabled;
  }

  /** nodetool enableauditlog: optionally with new filters. */
  enable(changes: Partial<AuditLogSettings> = {}): void {
    this.settings = { ...this.settings, ...changes, enabled: true };
    this.enabled = true;
    this.startTimer();
    this.logger.info('audit logging enabled', { dir: this.settings.auditLogsDir });
  }

  /** nodetool disableauditlog: what is buffered is still written. */
  async disable(): Promise<void> {
    this.enabled = false;
    this.stopTimer();
    await this.flush();
    this.logger.info('audit logging disabled');
  }

  stats(): AuditLogStats {
    return { written: this.written, dropped: this.dropped, failing: this.failing, enabled: this.enabled };
  }

  rememberPrepared(id: Buffer, query: string, keyspace: string | null): void {
    if (!this.enabled) return;
    const key = id.toString('hex');
    this.prepared.delete(key);
    this.prepared.set(key, { query, keyspace });
    if (this.prepared.size > preparedRemembered) {
      const oldest = this.prepared.keys().next();
      if (oldest.done !== true) this.prepared.delete(oldest.value);
    }
  }

  preparedStatement(id: Buffer): { query: string; keyspace: string | null } | undefined {
    return this.prepared.get(id.toString('hex'));
  }

  /** Never throws and never waits: the line is buffered if the entry passes the filters. */
  log(entry: AuditEntry): void {
    if (!this.enabled || !isAudited(this.settings, entry)) return;
    const operation = entry.operation === undefined ? undefined : redactPasswords(entry.operation);
    const line = `${formatAuditEntry(operation === undefined ? entry : { ...entry, operation })}\n`;
    this.lines.push(line);
    this.bufferedBytes += Buffer.byteLength(line);
    while (this.bufferedBytes > bufferBytesMax && this.lines.length > 1) {
      const old = this.lines.shift() ?? '';
      this.bufferedBytes -= Buffer.byteLength(old);
      // A line a write in progress holds is lost only if that write fails.
      if (this.writing > 0) {
        this.writing--;
        this.droppedWhileWriting++;
      } else {
        this.dropped++;
      }
    }
  }

  /** Appends what is buffered; resolves when written or when the write failed (logged). */
  flush(): Promise<void> {
    this.flushing ??= this.writeBuffered().finally(() => { this.flushing = null; });
    return this.flushing;
  }

  /** Writes out the buffer and stops the timer (node shutdown). */
  async close(): Promise<void> {
    this.stopTimer();
    await this.flush();
    if (this.lines.length > 0) await this.flush();
  }

  private startTimer(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => void this.flush(), this.settings.flushIntervalMs);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private async writeBuffered(): Promise<void> {
    if (this.lines.length === 0) return;
    const chunk = this.lines.join('');
    const count = this.lines.length;
    this.writing = count;
    this.droppedWhileWriting = 0;
    try {
      await mkdir(this.settings.auditLogsDir, { recursive: true });
      if (this.fileBytes < 0) this.fileBytes = await stat(this.file).then((s) => s.size, () => 0);
      if (this.fileBytes > 0 && this.fileBytes + Buffer.byteLength(chunk) > this.settings.maxLogSizeBytes) await this.rotate();
      await appendFile(this.file, chunk);
      // Only what was written leaves the buffer: lines logged meanwhile stay.
      this.lines.splice(0, this.writing);
      this.bufferedBytes = this.lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0);
      this.fileBytes += Buffer.byteLength(chunk);
      this.written += count;
      if (this.failing) this.logger.info('the audit log is writable again', { file: this.file });
      this.failing = false;
    } catch (error) {
      // A partial append may have landed; the size is re-read next time.
      this.fileBytes = -1;
      this.dropped += this.droppedWhileWriting;
      if (!this.failing) this.logger.error('cannot write the audit log; entries are held in memory (bounded) until it can', { file: this.file, error: String(error) });
      this.failing = true;
    } finally {
      this.writing = 0;
      this.droppedWhileWriting = 0;
    }
  }

  private async rotate(): Promise<void> {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const existing = await readdir(this.settings.auditLogsDir);
    let sequence = 0;
    while (existing.includes(`audit-${stamp}-${sequence}.log`)) sequence++;
    await rename(this.file, join(this.settings.auditLogsDir, `audit-${stamp}-${sequence}.log`));
    this.fileBytes = 0;
    const archived = (await readdir(this.settings.auditLogsDir)).filter((name) => /^audit-\d{8}T\d{6}Z-\d+\.log$/.test(name))
      .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
    for (const name of archived.slice(0, Math.max(0, archived.length - this.settings.maxArchivedFiles))) await unlink(join(this.settings.auditLogsDir, name));
  }
}
