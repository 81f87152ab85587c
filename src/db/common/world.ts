// The injected world (DESIGN.md): a node is built from a Clock, a Network, a Disk and a
// Random, plus a Logger. Code outside platform/ and node/ reaches time, randomness, files and
// sockets only through these interfaces, so the in-process harness can simulate all of them
// from a seed. Real implementations live in src/db/platform/; simulated ones in test/harness/.

export interface TimerHandle {
  /** Stops the timer if it has not fired. Idempotent. */
  cancel(): void;
}

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch. */
  nowMs(): number;
  /**
   * Wall-clock microseconds since the Unix epoch, strictly increasing across calls on this
   * clock (used for write timestamps, which must not collide on one coordinator).
   */
  nowMicros(): number;
  /** Milliseconds from an arbitrary origin; never goes backwards (for timeouts and rates). */
  monotonicMs(): number;
  /** Runs fn once after delayMs. The timer does not keep the process alive by itself. */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  /** Resolves after delayMs. */
  sleep(delayMs: number): Promise<void>;
  /**
   * Resolves once the event loop has run the I/O and timers that are due (background work
   * slicing itself). Optional: without it, callers use sleep(0), which real timers stretch to
   * a millisecond.
   */
  yieldToEventLoop?(): Promise<void>;
}

export interface Random {
  /** Uniform in [0, 1). */
  nextFloat(): number;
  /** Uniform integer in [0, maxExclusive). */
  nextInt(maxExclusive: number): number;
  /** n random bytes. */
  bytes(n: number): Buffer;
}

/**
 * A file as the storage engine sees it. Appended bytes are visible to reads at once but are
 * durable only after sync(); a simulated crash loses everything appended since the last sync.
 */
export interface DiskFile {
  readonly path: string;
  /** Current length in bytes, including appended bytes not yet synced. */
  size(): number;
  /** Appends at the end of the file. Throws DiskError (e.g. ENOSPC) on failure. */
  append(data: Uint8Array): Promise<void>;
  /**
   * Appends at the end of the file on the calling thread, into the OS page cache, and returns
   * when the bytes are there (a process crash keeps them; a machine crash keeps them only after
   * sync). For small appends on the request path, where a thread-pool round trip costs more
   * than the write itself. Throws DiskError (e.g. ENOSPC) on failure.
   */
  appendNow(data: Uint8Array): void;
  /** Reads exactly `length` bytes at `position`; throws if the file is shorter. */
  read(position: number, length: number): Promise<Buffer>;
  /**
   * The same read on the calling thread, when the disk expects it to be fast (the bytes in the
   * OS page cache, `disk_access_mode`); undefined when it declines, and then the caller uses
   * read. For one block of a point read; a loop must not rely on it, as it never yields.
   */
  readNow(position: number, length: number): Buffer | undefined;
  /** Makes every appended byte durable (fdatasync). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The file system, as paths relative to the node's root (forward slashes). Renames are atomic;
 * a created, renamed or removed entry is durable only after syncDirectory of its directory.
 */
export interface Disk {
  /** Opens for appending, creating the file if absent (its directory must exist). */
  openAppend(path: string): Promise<DiskFile>;
  /** Opens an existing file for reading. */
  openRead(path: string): Promise<DiskFile>;
  /** Whole-file read (small files: metadata, schema). */
  readFile(path: string): Promise<Buffer>;
  exists(path: string): Promise<boolean>;
  /** Names (not paths) of the entries of a directory, sorted. */
  list(directory: string): Promise<string[]>;
  makeDirectory(directory: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  syncDirectory(directory: string): Promise<void>;
  /** Bytes free on the device holding path, if known (for refusing writes before a disk fills). */
  freeBytes(path: string): Promise<number | undefined>;
}

/** A bidirectional byte stream (TCP or TLS socket, or a simulated link). */
export interface Connection {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  /**
   * The subjectAltName IP addresses and DNS names of the certificate the peer presented and the
   * TLS layer verified; absent on plaintext connections and when the peer presented none.
   */
  readonly peerCertificateNames?: readonly string[];
  /** Queues bytes; returns false when the caller should wait for onDrain before writing more. */
  write(data: Uint8Array): boolean;
  onData(listener: (chunk: Buffer) => void): void;
  onDrain(listener: () => void): void;
  /** Called once when the stream is closed by either side or fails. */
  onClose(listener: (error?: Error) => void): void;
  /** Stops delivering data (back-pressure) until resume(). */
  pause(): void;
  resume(): void;
  /** Flushes queued bytes, then closes. */
  end(): void;
  /** Closes at once, discarding queued bytes. */
  destroy(): void;
}

export interface ListenOptions {
  host: string;
  port: number;
}

export interface Listener {
  readonly host: string;
  readonly port: number;
  /** Stops accepting; existing connections stay open. */
  close(): Promise<void>;
}

export interface Network {
  listen(options: ListenOptions, onConnection: (connection: Connection) => void): Promise<Listener>;
  connect(options: { host: string; port: number; localAddress?: string }): Promise<Connection>;
}

/** Structured logging. Fields are data; message is a short human sentence. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  isDebugEnabled(): boolean;
  child(bindings: Record<string, unknown>): Logger;
}

export interface World {
  clock: Clock;
  random: Random;
  disk: Disk;
  network: Network;
  logger: Logger;
}

/** A logger that drops everything (unit tests). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  isDebugEnabled: () => false,
  child: () => silentLogger,
};
