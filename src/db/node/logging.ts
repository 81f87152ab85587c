// The real Logger of common/world.ts, on pino: JSON lines to a log file per node (Cassandra's
// logs/system.log) and, when asked, to stdout. Writes are asynchronous (buffered) so that
// debug logging of every message does not block the event loop; flush() before exit.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { pino, type Logger as PinoLogger, type StreamEntry } from 'pino';
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
}

/** Buffer this much before writing to the file (fewer system calls under debug logging). */
const fileBufferBytes = 4096;

export function createLogger(options: LoggerOptions): NodeLogger {
  const streams: StreamEntry[] = [];
  const flushers: Array<() => void> = [];
  if (options.file !== undefined) {
    mkdirSync(dirname(options.file), { recursive: true });
    const file = pino.destination({ dest: options.file, sync: false, minLength: fileBufferBytes });
    streams.push({ stream: file, level: options.level });
    flushers.push(() => flushQuietly(file));
  }
  if (options.stdout) {
    const stdout = pino.destination({ dest: 1, sync: false });
    streams.push({ stream: stdout, level: options.level });
    flushers.push(() => flushQuietly(stdout));
  }
  const base = pino(
    {
      level: options.level,
      base: null,
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { error: pino.stdSerializers.err, err: pino.stdSerializers.err },
    },
    pino.multistream(streams),
  );
  const logger = wrap(base);
  return { ...logger, flush: () => flushers.forEach((flush) => flush()) };
}

function flushQuietly(stream: { flushSync(): void }): void {
  try {
    stream.flushSync();
  } catch (error) {
    // Flushing before the file is open throws; nothing was buffered then, so nothing is lost.
    if (!(error instanceof Error && /sonic boom is not ready yet/i.test(error.message))) throw error;
  }
}

function wrap(base: PinoLogger): Logger {
  return {
    debug: (message, fields) => (fields === undefined ? base.debug(message) : base.debug(fields, message)),
    info: (message, fields) => (fields === undefined ? base.info(message) : base.info(fields, message)),
    warn: (message, fields) => (fields === undefined ? base.warn(message) : base.warn(fields, message)),
    error: (message, fields) => (fields === undefined ? base.error(message) : base.error(fields, message)),
    isDebugEnabled: () => base.isLevelEnabled('debug'),
    child: (bindings) => wrap(base.child(bindings)),
  };
}
