// The real Logger of common/world.ts, on pino: JSON lines to a log file per node (Cassandra's
// logs/system.log) and, when asked, to stdout. Writes are asynchronous (buffered) so that
// debug logging of every message does not block the event loop; flush() before exit.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type Logger as PinoLogger, type StreamEntry } from 'pino';
import { logBufferBytesMax } from '../common/limits.js';
import type { LogLevel } from './config.js';
import type { Logger } from '../common/world.js';

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
}

const levelRank: Record<LogLevel, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/** The level every logger of one tree reads at each call, so that a change reaches old children. */
interface LevelState { level: LogLevel }

/** Buffer this much before writing to the file (fewer system calls under debug logging). */
const fileBufferBytes = 4096;

export function createLogger(options: LoggerOptions): NodeLogger {
  const streams: StreamEntry[] = [];
  const flushers: Array<() => void> = [];
  if (options.file !== undefined) {
    mkdirSync(dirname(options.file), { recursive: true });
    const file = pino.destination({ dest: options.file, sync: false, minLength: fileBufferBytes, maxLength: logBufferBytesMax });
    survivesWriteErrors(file);
    streams.push({ stream: file, level: 'debug' });
    flushers.push(() => flushQuietly(file));
  }
  if (options.stdout) {
    const stdout = pino.destination({ dest: 1, sync: false, maxLength: logBufferBytesMax });
    survivesWriteErrors(stdout);
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
  const state: LevelState = { level: options.level };
  const logger = wrap(base, state);
  return {
    ...logger,
    flush: () => flushers.forEach((flush) => flush()),
    level: () => state.level,
    setLevel: (level) => { state.level = level; },
  };
}

/**
 * A log destination that cannot be written (a full disk: ENOSPC, a closed pipe) must not kill
 * the node: an 'error' event without a listener is an uncaught exception (the nemesis found a
 * node dying so when its disk filled). The lines stay buffered, up to logBufferBytesMax, and
 * the next write retries them, so logging resumes by itself when space comes back.
 * At exit, or on flush(), lines that cannot be written are given up.
 */
function survivesWriteErrors(stream: NodeJS.EventEmitter & { flushSync(): void }): void {
  let failing = false;
  stream.on('error', () => { failing = true; });
  stream.on('write', () => { failing = false; });
  // sonic-boom's flushSync retries a failed write forever (100 ms apart), and pino calls it at
  // exit: while the destination fails, flushing gives up the buffered lines instead of hanging.
  const flushSync = stream.flushSync.bind(stream);
  stream.flushSync = () => { if (!failing) flushSync(); };
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
    error: (message, fields) => { if (on('error')) { if (fields === undefined) base.error(message); else base.error(fields, message); } },
    isDebugEnabled: () => on('debug'),
    child: (bindings) => wrap(base.child(bindings), state),
  };
}
