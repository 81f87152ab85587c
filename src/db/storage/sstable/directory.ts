// Finding the sstables of a table directory. Published sstables are `sstable-<generation>.db`;
// a write in progress (or interrupted by a crash) is `sstable-<generation>.db.tmp`, which the
// engine removes at open: a temporary file was never published, so nothing refers to it.

import type { Disk } from '../../common/world.js';
import { isTemporarySSTableFile, joinPath, parseSSTableFileName } from './format.js';

export { isTemporarySSTableFile } from './format.js';

export interface SSTableFile {
  generation: number;
  path: string;
}

/** Published sstables of a directory, by ascending generation. */
export async function listSSTables(disk: Disk, directory: string): Promise<SSTableFile[]> {
  const found: SSTableFile[] = [];
  for (const name of await disk.list(directory)) {
    const generation = parseSSTableFileName(name);
    if (generation !== null) found.push({ generation, path: joinPath(directory, name) });
  }
  return found.sort((a, b) => a.generation - b.generation);
}

/** Paths of unfinished sstable writes in a directory (to delete before opening the table). */
export async function listTemporarySSTableFiles(disk: Disk, directory: string): Promise<string[]> {
  return (await disk.list(directory)).filter(isTemporarySSTableFile).map((name) => joinPath(directory, name));
}

/** Removes unfinished writes; returns how many were removed. */
export async function removeTemporarySSTableFiles(disk: Disk, directory: string): Promise<number> {
  const paths = await listTemporarySSTableFiles(disk, directory);
  for (const path of paths) await disk.remove(path);
  if (paths.length > 0) await disk.syncDirectory(directory);
  return paths.length;
}

/** The next free generation: one above the highest published or temporary generation. */
export async function nextSSTableGeneration(disk: Disk, directory: string): Promise<number> {
  let highest = 0;
  for (const name of await disk.list(directory)) {
    const match = /^sstable-([0-9]+)\.db(\.tmp)?$/.exec(name);
    if (match !== null) highest = Math.max(highest, Number(match[1]));
  }
  return highest + 1;
}
