// The first step of `npm test` (scripts/prerequisites.js) on a fresh machine: in a clean Debian
// root (debootstrap minbase, none of the test packages) where it cannot install, it must fail at
// once, naming the packages and the command, before the build starts.
//
// Part of `npm run test:docker`, after the Docker e2e: that suite builds the same minbase root for
// the base image (scripts/docker/base-image.sh keeps it as a tar in .cache/docker-base), and this
// test unpacks it in a few seconds instead of paying a debootstrap of 30 to 110 s inside
// `npm test`. Without that tar it runs debootstrap itself. The root is cached in
// .cache/prerequisites (gitignored). Needs root; in CI (CI=true) a missing tool or user is a
// failure, elsewhere the test skips with the reason.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { debianMirror, debianRoot, debianSuite, findTool } from '../harness/debian-root.js';

const scriptPath = resolve('scripts/prerequisites.js');
const testPackages = ['python3-cassandra', 'python3-lz4', 'chromium'];
const quickMs = 20_000;

/** The base image's minbase root filesystem (scripts/docker/base-image.sh), when it was built here. */
function baseImageRootfs(): string | undefined {
  const cache = process.env['AERO_DOCKER_CACHE'] ?? resolve('.cache', 'docker-base');
  const tar = join(cache, `debian-${debianSuite}-minbase.tar`);
  return existsSync(tar) ? tar : undefined;
}

/** Why the chroot test cannot run here, or null. In CI that is a failure, not a skip. */
function chrootUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (debootstrap and chroot)';
  for (const tool of ['debootstrap', 'chroot']) {
    if (findTool(tool) === null) return `${tool} is not installed`;
  }
  return null;
}

interface Run { status: number | null; stdout: string; stderr: string; ms: number }

/** Runs `command` with sh in the root's /repo, as `user`, with nothing but PATH and HOME set. */
function inRoot(root: string, user: string, command: string): Run {
  const chroot = findTool('chroot');
  assert.ok(chroot !== null);
  const started = performance.now();
  const result = spawnSync(chroot, [`--userspec=${user}`, root, '/usr/bin/env', '-i', 'PATH=/usr/local/bin:/usr/bin:/bin', 'HOME=/tmp',
    'sh', '-c', `cd /repo && ${command}`], { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, ms: performance.now() - started };
}

/** Each line of a failed run's output: only the step's own (nothing else ran, no build output). */
function onlyStepOutput(run: Run): void {
  assert.equal(run.stdout, '', `nothing may print to stdout:\n${run.stdout}`);
  for (const line of run.stderr.trimEnd().split('\n')) {
    assert.ok(line.startsWith('prerequisites: ') || /^ {2}(sudo )?apt-get update && /.test(line),
      `a line not from the prerequisites step:\n${line}\n--- whole stderr ---\n${run.stderr}`);
  }
}

test('in a clean Debian root, npm test stops at the step at once, naming the packages and the command', { timeout: 10 * 60_000 }, (t) => {
  const why = chrootUnavailable();
  if (why !== null) {
    assert.ok(process.env['CI'] !== 'true', `CI=true and the chroot test cannot run: ${why}`);
    t.skip(why);
    return;
  }
  const root = debianRoot(resolve('.cache', 'prerequisites'), { seedTar: baseImageRootfs() });
  t.diagnostic(root.how === 'cached' ? `reused the cached root ${root.dir}` : root.how === 'seeded'
    ? `unpacked the base image's root filesystem in ${((root.builtInMs ?? 0) / 1000).toFixed(1)} s`
    : `debootstrap (${debianMirror()}) built the root in ${((root.builtInMs ?? 0) / 1000).toFixed(1)} s`);
  // This project's node (no Debian nodejs in the root), and the two files `npm test` starts with.
  copyFileSync(process.execPath, join(root.dir, 'usr', 'local', 'bin', 'node'));
  mkdirSync(join(root.dir, 'repo', 'scripts'), { recursive: true });
  copyFileSync('package.json', join(root.dir, 'repo', 'package.json'));
  copyFileSync(scriptPath, join(root.dir, 'repo', 'scripts', 'prerequisites.js'));
  const testScript = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts['test'] ?? '';

  // As npm runs it (sh -c), as nobody without sudo: it cannot install. Were the step to pass,
  // `npm run build` would follow and fail differently (there is no npm in the root).
  const user = inRoot(root.dir, '65534:65534', testScript);
  t.diagnostic(`the step as nobody: exit ${user.status} in ${Math.round(user.ms)} ms`);
  assert.equal(user.status, 1, `${user.stdout}\n${user.stderr}`);
  onlyStepOutput(user);
  assert.match(user.stderr, new RegExp(`^prerequisites: missing ${testPackages.join(' ')}$`, 'm'));
  assert.match(user.stderr, /not root, and sudo is missing or asks for a password/);
  assert.ok(user.stderr.includes(`\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${testPackages.join(' ')}\n`), user.stderr);
  assert.ok(user.ms < quickMs, `the step took ${Math.round(user.ms)} ms`);

  // As root with --no-install: the root also lacks what the tests that need root use: faketime
  // and iptables (the nemesis); e2fsprogs and mount are in every root.
  const rootRun = inRoot(root.dir, '0:0', 'node scripts/prerequisites.js --no-install');
  assert.equal(rootRun.status, 1, `${rootRun.stdout}\n${rootRun.stderr}`);
  onlyStepOutput(rootRun);
  assert.ok(rootRun.stderr.includes(`\n  apt-get update && apt-get install -y --no-install-recommends ${testPackages.join(' ')} faketime iptables\n`), rootRun.stderr);
  assert.ok(rootRun.ms < quickMs, `the step took ${Math.round(rootRun.ms)} ms`);
});
