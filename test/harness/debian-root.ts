// A clean Debian root filesystem (debootstrap --variant=minbase) to run commands in with chroot,
// as a fresh machine would: none of the packages the test suites install. Built once into a
// gitignored cache directory (.cache/ in the repository) and reused, so only the first run pays
// for debootstrap (or unpacks the base image's copy of the same root). Needs root (debootstrap and chroot do).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The Debian release the root is built from. */
export const debianSuite = 'bookworm';
const fallbackMirror = 'http://deb.debian.org/debian';
const debootstrapTimeoutMs = 8 * 60_000;

/** A tool's absolute path on PATH, /usr/sbin or /sbin (where debootstrap and chroot live), or null. */
export function findTool(name: string): string | null {
  const dirs = `${process.env['PATH'] ?? ''}:/usr/sbin:/sbin`.split(':').filter((d) => d !== '');
  for (const dir of dirs) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return null;
}

interface AptSource { types: string[]; uris: string[]; suites: string[]; components: string[] }

/** The sources of an apt sources file: one-line `.list` format or deb822 `.sources` paragraphs. */
export function parseAptSources(text: string, deb822: boolean): AptSource[] {
  if (!deb822) {
    const sources: AptSource[] = [];
    for (const line of text.split('\n')) {
      const words = line.replace(/#.*/, '').replace(/\[[^\]]*\]/, '').trim().split(/\s+/);
      const [type, uri, suite, ...components] = words;
      if (type === undefined || uri === undefined || suite === undefined) continue;
      sources.push({ types: [type], uris: [uri], suites: [suite], components });
    }
    return sources;
  }
  return text.split(/\n\s*\n/).map((paragraph) => {
    const field = (name: string): string[] => {
      const match = new RegExp(`^${name}:(.*)$`, 'mi').exec(paragraph.replace(/^#.*$/gm, ''));
      return match?.[1]?.trim().split(/\s+/) ?? [];
    };
    return { types: field('Types'), uris: field('URIs'), suites: field('Suites'), components: field('Components') };
  });
}

/** The Debian mirror this machine's apt uses for `suite` main, or deb.debian.org. */
export function debianMirror(suite = debianSuite): string {
  const files: Array<{ path: string; deb822: boolean }> = [{ path: '/etc/apt/sources.list', deb822: false }];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith('.list') || name.endsWith('.sources')) files.push({ path: join(dir, name), deb822: name.endsWith('.sources') });
    }
  }
  for (const file of files) {
    if (!existsSync(file.path)) continue;
    for (const source of parseAptSources(readFileSync(file.path, 'utf8'), file.deb822)) {
      const uri = source.uris[0];
      if (uri !== undefined && source.types.includes('deb') && source.suites.includes(suite) && source.components.includes('main')) return uri;
    }
  }
  return fallbackMirror;
}

/** Mount points at or under `dir` (debootstrap mounts /proc, /sys and sometimes /dev in its target). */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/mounts', 'utf8').split('\n')
    .map((line) => (line.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
}

/** Removes a half-built root: unmounts what an interrupted debootstrap left, and never crosses a mount. */
function removeRoot(dir: string): void {
  for (const point of mountsUnder(dir).sort().reverse()) {
    const result = spawnSync('umount', [point], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`cannot unmount ${point} (left by debootstrap): ${result.stderr}`);
  }
  const result = spawnSync('rm', ['-rf', '--one-file-system', dir], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`cannot remove ${dir}: ${result.stderr}`);
}

export interface DebianRoot {
  dir: string;
  /** How the root came to be: reused from the cache, unpacked from a seed tar, or debootstrapped. */
  how: 'cached' | 'seeded' | 'debootstrap';
  /** Milliseconds building it took, or null when the cached root was reused. */
  builtInMs: number | null;
}

/**
 * The cached minbase root under `cacheDir`. When absent it is unpacked from `seedTar` (a tar of
 * the same debootstrap --variant=minbase root, as scripts/docker/base-image.sh keeps one), or
 * else built with debootstrap.
 */
export function debianRoot(cacheDir: string, options: { seedTar?: string | undefined } = {}): DebianRoot {
  const dir = join(cacheDir, `debian-${debianSuite}-minbase`);
  if (existsSync(join(dir, 'etc', 'os-release'))) return { dir, how: 'cached', builtInMs: null };
  const partial = `${dir}.partial`;
  if (existsSync(partial)) removeRoot(partial);
  const started = performance.now();
  let how: DebianRoot['how'];
  if (options.seedTar !== undefined) {
    how = 'seeded';
    mkdirSync(partial, { recursive: true });
    const result = spawnSync('tar', ['-C', partial, '--numeric-owner', '-xf', options.seedTar], { encoding: 'utf8', timeout: debootstrapTimeoutMs, killSignal: 'SIGKILL' });
    if (result.status !== 0) throw new Error(`cannot unpack ${options.seedTar} (${result.error?.message ?? `exit ${result.status}`}): ${result.stderr.slice(-4000)}`);
  } else {
    how = 'debootstrap';
    const debootstrap = findTool('debootstrap');
    if (debootstrap === null) throw new Error('debootstrap is not installed (apt-get install debootstrap)');
    const result = spawnSync(debootstrap, ['--variant=minbase', debianSuite, partial, debianMirror()], {
      encoding: 'utf8', timeout: debootstrapTimeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0) {
      throw new Error(`debootstrap failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
    }
    const left = mountsUnder(partial);
    if (left.length > 0) throw new Error(`debootstrap left mounts in its target: ${left.join(', ')}`);
  }
  const builtInMs = performance.now() - started;
  if (!statSync(join(partial, 'etc', 'os-release')).isFile()) throw new Error(`no /etc/os-release in the root built in ${partial}`);
  renameSync(partial, dir);
  return { dir, how, builtInMs };
}
