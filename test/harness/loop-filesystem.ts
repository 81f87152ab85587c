// A small real filesystem for disk-full tests: an ext4 image in a sparse file, loop-mounted on
// a fresh directory (needs root, mkfs.ext4 from e2fsprogs and mount from util-linux). No blocks
// are reserved for root (-m 0): the node runs as root here and would otherwise write into them.
// unmount() detaches the loop device and deletes the image and mount point.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTool } from './debian-root.js';

export interface LoopFilesystem {
  mountPoint: string;
  /** Bytes an unprivileged write may still use (statfs bavail). */
  freeBytes(): number;
  /** Unmounts (lazily if still busy) and removes the image; safe to call twice. */
  unmount(): void;
}

/** Why loop filesystems cannot be made here, or null when they can. */
export function loopFilesystemUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'loop mounts need root';
  for (const tool of ['mkfs.ext4', 'mount', 'umount']) if (findTool(tool) === null) return `${tool} is not installed (Debian e2fsprogs, mount)`;
  return null;
}

function run(tool: string, args: string[]): void {
  const path = findTool(tool) ?? tool;
  const result = spawnSync(path, args, { encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed (${result.status ?? result.signal}): ${result.stderr}${result.error?.message ?? ''}`);
}

export function createLoopFilesystem(sizeMiB: number): LoopFilesystem {
  const work = mkdtempSync(join(tmpdir(), 'aero-loopfs-'));
  const image = join(work, 'disk.img');
  const mountPoint = join(work, 'mnt');
  run('truncate', ['-s', `${sizeMiB}M`, image]);
  run('mkfs.ext4', ['-q', '-F', '-m', '0', '-E', 'lazy_itable_init=0,lazy_journal_init=0', image]);
  run('mkdir', [mountPoint]);
  let mounted = false;
  try {
    run('mount', ['-o', 'loop', image, mountPoint]);
    mounted = true;
  } finally {
    if (!mounted) rmSync(work, { recursive: true, force: true });
  }
  return {
    mountPoint,
    freeBytes: () => {
      const info = statfsSync(mountPoint);
      return info.bavail * info.bsize;
    },
    unmount: () => {
      if (mounted) {
        const plain = spawnSync(findTool('umount') ?? 'umount', [mountPoint], { encoding: 'utf8' });
        // A process that still holds a file open: detach now; the kernel frees the loop device when it closes.
        if (plain.status !== 0) run('umount', ['-l', mountPoint]);
        mounted = false;
      }
      rmSync(work, { recursive: true, force: true });
    },
  };
}
