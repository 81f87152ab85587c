// A deliberately broken copy of the build, to show that the nemesis's checker can fail: the
// files bin/aero.js needs (bin/, dist/, package.json, node_modules linked) are copied to a
// directory and one line of the copy is patched so that QUORUM (and SERIAL) needs one replica,
// not a majority: writes are acknowledged after one replica and reads answered from one. The
// shipped code is never touched; the patch exists only in the copy, and fails loudly when the
// line it patches has changed.

import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const patchedFile = join('dist', 'src', 'db', 'coordinator', 'replica-plan.js');
const original = 'const quorum = (n) => Math.floor(n / 2) + 1;';
const broken = 'const quorum = (n) => 1; // BROKEN on purpose by test/nemesis/broken-build.ts';

/** Builds the broken copy under `directory` from the package at `root`; returns its bin/aero.js. */
export function makeBrokenBuild(root: string, directory: string): string {
  mkdirSync(directory, { recursive: true });
  for (const part of ['bin', 'dist', 'package.json']) cpSync(join(root, part), join(directory, part), { recursive: true });
  symlinkSync(resolve(root, 'node_modules'), join(directory, 'node_modules'));
  const file = join(directory, patchedFile);
  const text = readFileSync(file, 'utf8');
  if (!text.includes(original)) throw new Error(`${patchedFile} no longer holds "${original}": update the broken build's patch`);
  writeFileSync(file, text.replace(original, broken));
  return join(directory, 'bin', 'aero.js');
}
