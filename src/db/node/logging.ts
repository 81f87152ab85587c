// The real Logger of common/world.ts, on pino: JSON lines to a log file per node (Cassandra's
// logs/system.log) and, when asked, to stdout. Writes are asynchronous (buffered) so that
// debug logging of every message does not block the event loop; flush() before exit.
// A log file that cannot be written (its disk full) never stops or hangs the node: lines wait
// in a bounded buffer and go out once a write succeeds again (see guardFileStream).

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type Logger as PinoLogger, type StreamEntry } from 'pino';
import type { LogLevel } from './config.js';
import type { Logger } from '../common/world.js';
import { logBufferBytesMax } from '../common/limits.js';

export interface LoggerOptions {
  level: LogLevel;
  /** Log file path; its directory is created. Omit for stdout only. */
  file?: string;
  stdout: boolean;
}

export interface NodeLogger extends Logger {
  /** Writes out everything buffered (call before the process exits). */
  flush(): void;
  /** The level in force for this logger and every child (nodetool getlogginglevel). */
  level(): LogLevel;
  /** Changes the level at runtime, children made before included (nodetool setlogginglevel). */
  setLevel(level: LogLevel): void;
  /** Errors logged since start by this logger and its children, whatever the level (nodetool info's Exceptions). */
  errorsLogged(): number;
}

const levelRank: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

type FileStream = ReturnType<typeof pino.destination>;

/**
 * Keeps a failing log file from taking the node down. Unhandled, a write error (ENOSPC) on
 * the file is an uncaught 'error' event, and the exit hook's flushSync then retries the write
 * forever (sonic-boom 4 sleeps and retries on every error). Here the error is reported once on
 * stderr, writes resume with the next line logged (sonic-boom retries the failed chunk), and a
 * synchronous flush while failing drops the backlog rather than spin.
 */
function guardFileStream(file: FileStream, name: string): void {
  let failing = false;
  file.on('error', (error: Error) => {
    if (!failing) process.stderr.write(`cannot write the log ${name} (${error.message}); lines are held (up to ${logBufferBytesMax} bytes) until it can be written again\n`);
    failing = true;
  });
  file.on('write', () => {
    if (failing) process.stderr.write(`the log ${name} is writable again\n`);
    failing = false;
  });
  const flushSync = file.flushSync.bind(file);
  file.flushSync = () => {
    if (!failing) flushSync();
  };
}

let standardStreamsGuarded = false;

/**
 * A node whose standard output and error go to a file on a disk that fills: a failed write to
 * process.stdout or process.stderr (guardFileStream's own notice, console.error, Node's
 * warnings) is an 'error' event, and with no listener an uncaught exception that killed the node
 * (the nemesis saw it). There is nowhere left to report such a failure, so it is dropped.
 */
function guardStandardStreams(): void {
  if (standardStreamsGuarded) return;
  standardStreamsGuarded = true;
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
}

/** The level every logger of one tree reads at each call, so that a change reaches old children. */
interface LevelState { level: LogLevel; errors: number }

/** Buffer this much before writing to the file (fewer system calls under debug logging). */
const fileBufferBytes = 4096;

export function createLogger(options: LoggerOptions): NodeLogger {
  guardStandardStreams();
  const streams: StreamEntry[] = [];
  const flushers: Array<() => void> = [];
  if (options.file !== undefined) {
    mkdirSync(dirname(options.file), { recursive: true });
    const file = pino.destination({ dest: options.file, sync: false, minLength: fileBufferBytes, maxLength: logBufferBytesMax });
    guardFileStream(file, `file ${options.file}`);
    streams.push({ stream: file, level: 'debug' });
    flushers.push(() => flushQuietly(file));
  }
  if (options.stdout) {
    const stdout = pino.destination({ dest: 1, sync: false, maxLength: logBufferBytesMax });
    guardFileStream(stdout, 'on standard output');
    streams.push({ stream: stdout, level: 'debug' });
    flushers.push(() => flushQuietly(stdout));
  }
  const base = pino(
    {
      // pino passes everything from debug up; the wrapper filters by the level in force.
      level: 'debug',
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { error: pino.stdSerializers.err, err: pino.stdSerializers.err },
    },
    pino.multistream(streams),
  );
  const state: LevelState = { level: options.level, errors: 0 };
  const logger = wrap(base, state);
  return {
    ...logger,
    flush: () => flushers.forEach((flush) => flush()),
    level: () => state.level,
    setLevel: (level) => { state.level = level; },
    errorsLogged: () => state.errors,
  };
}

function flushQuietly(stream: { flushSync(): void }): void {
  try {
    stream.flushSync();
  } catch (error) {
    // Flushing before the file is open throws; nothing was buffered then, so nothing is lost.
    if (!(error instanceof Error && /sonic boom is not ready yet/i.test(error.message))) throw error;
  }
}

function wrap(base: PinoLogger, state: LevelState): Logger {
  const on = (level: LogLevel) => levelRank[level] >= levelRank[state.level];
  return {
    debug: (message, fields) => { if (on('debug')) { if (fields === undefined) base.debug(message); else base.debug(fields, message); } },
    info: (message, fields) => { if (on('info')) { if (fields === undefined) base.info(message); else base.info(fields, message); } },
    warn: (message, fields) => { if (on('warn')) { if (fields === undefined) base.warn(message); else base.warn(fields, message); } },
    error: (message, fields) => { state.errors++; if (on('error')) { if (fields === undefined) base.error(message); else base.error(fields, message); } },
    isDebugEnabled: () => on('debug'),
    child: (bindings) => wrap(base.child(bindings), state),
  };
}
