// The system packages a test suite needs, checked before the build and the long tests start.
// Plain Node ESM with no dependencies, because it runs before `npm run build` (and before
// `npm install` in .ci/run).
//
//   node scripts/prerequisites.js [--suite NAME] [--no-install]
//
// For each package of the suite (default `test`, what `npm test` needs) it checks the thing the
// tests use, not the package database. When some are missing and the machine is Debian or
// Ubuntu and we may install (root, or passwordless `sudo -n true`), it runs `apt-get update` and
// `apt-get install -y --no-install-recommends <missing>` with DEBIAN_FRONTEND=noninteractive and
// says so in one line. Otherwise (or with --no-install) it exits 1 at once, naming the missing
// packages and the exact command to run. Later suites (Docker, nemesis) add their own entry to
// `suites` and call it with `--suite NAME`.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

// The interpreter test/python-driver.test.ts runs: Debian's python3-cassandra installs for
// Debian's interpreter, which may not be the first python3 on PATH.
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

function pythonImports(module) {
  return spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

function onPath(tool) {
  const dirs = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`.split(':').filter((d) => d !== '');
  return dirs.some((dir) => existsSync(`${dir}/${tool}`));
}

/** The tests that need root (chroot, loop mounts, iptables) run as root or in CI, and skip otherwise. */
function chrootTestRuns() {
  return process.env.CI === 'true' || process.getuid?.() === 0;
}

/**
 * Each suite's Debian packages: `present()` checks what the tests use; `needed()`, when given,
 * says whether this run needs the package at all.
 */
export const suites = {
  test: [
    { name: 'python3-cassandra', why: `the Python driver test (import cassandra in ${python})`, present: () => pythonImports('cassandra') },
    { name: 'python3-lz4', why: `the Python driver's LZ4 compression (import lz4.block in ${python})`, present: () => pythonImports('lz4.block') },
    // test/browser-map.test.ts launches this path.
    { name: 'chromium', why: 'the browser tests: map and cluster panel (/usr/bin/chromium)', present: () => existsSync('/usr/bin/chromium') },
    // test/disk-full.test.ts and test/nemesis.test.ts (as root or in CI): a
    // small loop-mounted ext4 disk; the nemesis also skews clocks and cuts links.
    { name: 'e2fsprogs', why: 'the disk-full and nemesis tests (mkfs.ext4 for a loop-mounted filesystem)', present: () => onPath('mkfs.ext4'), needed: chrootTestRuns },
    { name: 'mount', why: 'the disk-full test (mount -o loop and umount)', present: () => onPath('mount') && onPath('umount'), needed: chrootTestRuns },
    { name: 'faketime', why: 'the nemesis test\'s clock skew (libfaketimeMT.so.1)', present: () => existsSync('/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1') || existsSync('/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1'), needed: chrootTestRuns },
    { name: 'iptables', why: 'the nemesis test\'s partitions and one-way cuts', present: () => onPath('iptables'), needed: chrootTestRuns },
  ],
  // npm run test:docker: Debian's daemon and client, compose 1.29, and debootstrap for the
  // locally built base image (scripts/docker/base-image.sh, which runs as root), whose root
  // filesystem the clean-root test of `npm test`'s first step reuses.
  docker: [
    { name: 'docker.io', why: 'the Docker daemon and client (dockerd, docker)', present: () => onPath('dockerd') && onPath('docker') },
    { name: 'docker-compose', why: 'docker-compose.yml (docker-compose 1.29)', present: () => onPath('docker-compose') },
    { name: 'debootstrap', why: 'the base image built locally (scripts/docker/base-image.sh) and the clean Debian root of the prerequisites test, as root or in CI', present: () => onPath('debootstrap'), needed: chrootTestRuns },
  ],
};

/** The fields of an os-release file (`KEY=value`, values optionally quoted). */
export function parseOsRelease(text) {
  const fields = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match === null) continue;
    fields[match[1]] = match[2].replace(/^(["'])(.*)\1$/, '$2');
  }
  return fields;
}

/**
 * Whether missing packages can be installed here: a pure function of the os-release text
 * (null when there is none), the user id, whether `sudo -n true` succeeds, and --no-install.
 * Returns { install: true, sudo } or { install: false, apt, reason } (apt: whether apt-get is
 * the way to install them here).
 */
export function installDecision({ osRelease, uid, sudo, noInstall = false }) {
  if (noInstall) return { install: false, apt: true, reason: '--no-install was given' };
  const fields = osRelease === null ? {} : parseOsRelease(osRelease);
  const family = [fields.ID ?? '', ...(fields.ID_LIKE ?? '').split(/\s+/)];
  if (!family.some((id) => id === 'debian' || id === 'ubuntu')) {
    return { install: false, apt: false, reason: `this is not Debian or Ubuntu (os-release ID=${fields.ID ?? 'none'})` };
  }
  if (uid === 0) return { install: true, sudo: false };
  if (sudo) return { install: true, sudo: true };
  return { install: false, apt: true, reason: 'not root, and sudo is missing or asks for a password' };
}

/** The exact shell command that installs `packages` (with sudo unless root). */
export function installCommand(packages, { root }) {
  const sudo = root ? '' : 'sudo ';
  return `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

/** The lines printed when packages are missing and will not be installed. */
export function failureMessage(missing, { reason, apt, root }) {
  const names = missing.map((p) => p.name);
  return [
    `prerequisites: missing ${names.join(' ')}`,
    ...missing.map((p) => `prerequisites:   ${p.name}: for ${p.why}`),
    apt
      ? `prerequisites: not installing them: ${reason}. Run:\n  ${installCommand(names, { root })}`
      : `prerequisites: not installing them: ${reason}. Install what these Debian packages provide: ${names.join(' ')}`,
  ];
}

function sudoWorks() {
  return spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
}

function readOsRelease() {
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    if (existsSync(path)) return readFileSync(path, 'utf8');
  }
  return null;
}

function aptGet(args, { sudo }) {
  const command = sudo ? 'sudo' : 'apt-get';
  const argv = sudo ? ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args] : args;
  const result = spawnSync(command, argv, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (result.status !== 0) {
    console.error(`prerequisites: apt-get ${args[0]} failed (${result.error?.message ?? `exit ${result.status ?? result.signal}`})`);
    process.exit(1);
  }
}

function parseArgs(argv) {
  const options = { suite: 'test', noInstall: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--no-install') options.noInstall = true;
    else if (argv[i] === '--suite' && i + 1 < argv.length) options.suite = argv[++i];
    else return { error: `unknown argument ${argv[i]}` };
  }
  if (!Object.hasOwn(suites, options.suite)) {
    return { error: `unknown suite ${options.suite}; known suites: ${Object.keys(suites).join(', ')}` };
  }
  return options;
}

function main(argv) {
  const options = parseArgs(argv);
  if (options.error !== undefined) {
    console.error(`prerequisites: ${options.error}\nusage: node scripts/prerequisites.js [--suite NAME] [--no-install]`);
    return 2;
  }
  const wanted = suites[options.suite].filter((p) => p.needed === undefined || p.needed());
  const missing = wanted.filter((p) => !p.present());
  if (missing.length === 0) {
    console.log(`prerequisites: ${options.suite}: ${wanted.map((p) => p.name).join(', ')} present`);
    return 0;
  }
  const uid = process.getuid?.() ?? -1;
  const root = uid === 0;
  const decision = installDecision({ osRelease: readOsRelease(), uid, sudo: !root && !options.noInstall && sudoWorks(), noInstall: options.noInstall });
  if (!decision.install) {
    console.error(failureMessage(missing, { ...decision, root }).join('\n'));
    return 1;
  }
  const names = missing.map((p) => p.name);
  console.log(`prerequisites: installing ${names.join(' ')} with apt-get${decision.sudo ? ' (sudo)' : ''}`);
  aptGet(['update'], decision);
  aptGet(['install', '-y', '--no-install-recommends', ...names], decision);
  const still = missing.filter((p) => !p.present());
  if (still.length > 0) {
    console.error(`prerequisites: still missing after apt-get install: ${still.map((p) => `${p.name} (for ${p.why})`).join(', ')}`);
    return 1;
  }
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
