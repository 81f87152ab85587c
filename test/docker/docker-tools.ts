// What `npm run test:docker` needs around Docker: running commands with bounded time, the
// daemon (started as `dockerd --storage-driver=vfs --iptables=false` when none runs), the
// locally built base image, a subnet no other Docker network uses, and the images a build made.

import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { rootCertificates } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Output kept per stream: enough for a failure's story, bounded. */
const outputCharsMax = 200_000;

/**
 * The abort signal of the work in whose async scope a command is run: inside abortableWork(), an
 * abort kills the commands that work started and refuses new ones, while commands run outside it
 * (the teardown) go on. That is how a suite's deadline or Ctrl-C stops the checks and still
 * removes what they made.
 */
const workScope = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs work() so that aborting `signal` stops it: it rejects at once with the signal's reason, and
 * every command run() started within it is killed (SIGKILL), and none starts any more.
 */
export async function abortableWork<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  let onAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([workScope.run(signal, work), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Runs a command to completion (SIGKILL after timeoutMs, or when the work it belongs to is aborted) and returns its exit code and output. */
export function run(command: string, args: readonly string[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string; echo?: boolean }): Promise<RunResult> {
  const signal = workScope.getStore();
  if (signal?.aborted === true) return Promise.resolve({ code: null, stdout: '', stderr: `not run (${String(signal.reason)}): ${command} ${args.join(' ')}` });
  return new Promise((resolve) => {
    // A process group of its own, killed whole: a script's children (debootstrap under
    // base-image.sh) go with it.
    const child = spawn(command, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    signal?.addEventListener('abort', kill, { once: true });
    let stdout = '';
    let stderr = '';
    const keep = (text: string, chunk: Buffer) => (text + chunk.toString()).slice(-outputCharsMax);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout = keep(stdout, chunk);
      if (options.echo === true) process.stderr.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = keep(stderr, chunk);
      if (options.echo === true) process.stderr.write(chunk);
    });
    const timer = setTimeout(kill, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      resolve({ code: null, stdout, stderr: `${stderr}${error.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Like run, but a non-zero exit throws with the command's output. */
export async function runOk(command: string, args: readonly string[], options: Parameters<typeof run>[2]): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code ?? 'on a signal'}:\n${result.stderr.slice(-4000)}${result.stdout.slice(-2000)}`);
  }
  return result.stdout;
}

export function onPath(tool: string): boolean {
  const dirs = `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin`.split(':').filter((dir) => dir !== '');
  return dirs.some((dir) => existsSync(join(dir, tool)));
}

async function daemonAnswers(): Promise<boolean> {
  return (await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 })).code === 0;
}

/** The daemon this test started (to stop at the end), or null when one was running already. */
export interface Daemon {
  pid: number | null;
  logFile: string | null;
}

/** A running Docker daemon: the one there is, or one started as root with vfs storage and no iptables. */
export async function ensureDockerd(log: (line: string) => void): Promise<Daemon> {
  if (await daemonAnswers()) return { pid: null, logFile: null };
  if (!onPath('dockerd')) throw new Error('no Docker daemon answers and dockerd is not installed (node scripts/prerequisites.js --suite docker)');
  if (process.getuid?.() !== 0) throw new Error('no Docker daemon answers, and starting one needs root');
  const logFile = join(tmpdir(), `aero-dockerd-${process.pid}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn('dockerd', ['--storage-driver=vfs', '--iptables=false'], { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref();
  log(`started dockerd (pid ${child.pid ?? '?'}), log ${logFile}`);
  for (let attempt = 0; attempt < 60; attempt++) {
    if (await daemonAnswers()) return { pid: child.pid ?? null, logFile };
    await sleep(1000);
  }
  throw new Error(`dockerd did not answer within 60 s; see ${logFile}`);
}

/** Stops a daemon ensureDockerd started (SIGTERM, then waits for it to exit, bounded). */
export async function stopDockerd(daemon: Daemon): Promise<void> {
  if (daemon.pid === null) return;
  try {
    process.kill(daemon.pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let attempt = 0; attempt < 60; attempt++) {
    try {
      process.kill(daemon.pid, 0);
    } catch {
      return;
    }
    await sleep(500);
  }
}

export async function imageExists(image: string): Promise<boolean> {
  return (await run('docker', ['image', 'inspect', image], { timeoutMs: 30_000 })).code === 0;
}

/** Every image id the daemon holds, intermediate ones included. */
export async function imageIds(): Promise<Set<string>> {
  const out = await runOk('docker', ['images', '--all', '--quiet', '--no-trunc'], { timeoutMs: 60_000 });
  return new Set(out.split('\n').map((line) => line.trim()).filter((line) => line !== ''));
}

/** The ids of the daemon's build cache records (BuildKit). */
export async function buildCacheIds(): Promise<Set<string>> {
  const args = ['system', 'df', '--verbose', '--format', '{{json .BuildCache}}'];
  let result = await run('docker', args, { timeoutMs: 60_000 });
  // The daemon runs one disk usage query at a time: another client's makes this one fail.
  for (let attempt = 1; attempt < 10 && result.code !== 0 && result.stderr.includes('already running'); attempt++) {
    await sleep(2000);
    result = await run('docker', args, { timeoutMs: 60_000 });
  }
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')} exited ${result.code ?? 'on a signal'}: ${result.stderr.trim()}`);
  const records = JSON.parse(result.stdout.trim() === '' ? '[]' : result.stdout) as Array<{ ID: string }> | null;
  // An id marked * is in use (by a build still holding it).
  return new Set((records ?? []).map((record) => record.ID.replace(/\*$/, '')));
}

/**
 * A docker client that builds with BuildKit: one with the buildx plugin, or a classic client
 * (before 23) whose DOCKER_BUILDKIT=1 uses the daemon's BuildKit. Each `docker` on PATH is tried;
 * null when none can (the legacy builder then runs: slow on vfs, a full copy per instruction).
 */
export async function buildkitClient(): Promise<string | null> {
  const dirs = (process.env['PATH'] ?? '').split(':').filter((dir) => dir !== '');
  const clients = [...new Set(dirs.map((dir) => join(dir, 'docker')).filter((file) => existsSync(file)))];
  for (const client of clients) {
    if ((await run(client, ['buildx', 'version'], { timeoutMs: 20_000 })).code === 0) return client;
    const version = (await run(client, ['version', '--format', '{{.Client.Version}}'], { timeoutMs: 20_000 })).stdout.trim();
    const major = Number(version.split('.')[0]);
    if (Number.isInteger(major) && major > 0 && major < 23) return client;
  }
  return null;
}

/** An IPv4 CIDR block as a range of 32-bit numbers. */
function ipv4Range(cidr: string): { first: number; last: number } | null {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (match === null) return null;
  const base = match.slice(1, 5).reduce((value, octet) => value * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(match[5]));
  const first = base - (base % size);
  return { first, last: first + size - 1 };
}

/** The IPv4 blocks every Docker network and host interface uses. */
async function takenRanges(): Promise<Array<{ first: number; last: number }>> {
  const cidrs: string[] = [];
  const ids = (await runOk('docker', ['network', 'ls', '--quiet'], { timeoutMs: 30_000 })).split('\n').filter((id) => id !== '');
  if (ids.length > 0) {
    const out = await runOk('docker', ['network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', ...ids], { timeoutMs: 30_000 });
    cidrs.push(...out.split(/\s+/).filter((text) => text.includes('/')));
  }
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) if (entry.family === 'IPv4' && entry.cidr !== null) cidrs.push(entry.cidr);
  }
  return cidrs.map(ipv4Range).filter((range) => range !== null);
}

/** A 172.28.X prefix (its /24) that overlaps no Docker network nor host interface; X from the pid, then the next free. */
export async function freeSubnetPrefix(): Promise<string> {
  const taken = await takenRanges();
  for (let step = 0; step < 256; step++) {
    const prefix = `172.28.${(process.pid + step) % 256}`;
    const range = ipv4Range(`${prefix}.0/24`);
    if (range !== null && !taken.some((other) => other.first <= range.last && range.first <= other.last)) return prefix;
  }
  throw new Error('no free 172.28.X.0/24 subnet for the test network');
}

/**
 * The certificates this machine's Node.js trusts beyond its own root store (the PEM blocks of
 * NODE_EXTRA_CA_CERTS that are not in tls.rootCertificates): what npm in the build stage needs
 * behind a proxy that re-signs TLS. Empty when there are none.
 */
export function extraCaCertificates(): string {
  const file = process.env['NODE_EXTRA_CA_CERTS'];
  if (file === undefined || file === '' || !existsSync(file)) return '';
  const normalize = (pem: string) => pem.replace(/\s+/g, '');
  const known = new Set(rootCertificates.map(normalize));
  const blocks = readFileSync(file, 'utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.filter((pem) => !known.has(normalize(pem))).join('\n');
}
