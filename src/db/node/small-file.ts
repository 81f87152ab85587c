// Small durable files of the node (gossip generation, schema change time).

import type { World } from '../common/world.js';

/** Writes a small file durably (temporary file, sync, rename, directory sync). */
export async function writeSmallFile(world: World, path: string, text: string, directory: string): Promise<void> {
  const temporary = `${path}.tmp`;
  if (await world.disk.exists(temporary)) await world.disk.remove(temporary);
  const file = await world.disk.openAppend(temporary);
  try {
    await file.append(Buffer.from(text, 'utf8'));
    await file.sync();
  } finally {
    await file.close();
  }
  await world.disk.rename(temporary, path);
  await world.disk.syncDirectory(directory);
}
