// scripts/prerequisites.js, the step `npm test` runs before anything else: its install decision
// as a unit, and the real step in a clean Debian root (debootstrap minbase, none of the test
// packages) where it cannot install, so it must fail at once, naming the packages and the
// command, before the build starts. The root is cached in .cache/ (gitignored); the first run
// builds it with debootstrap (27 to 77 s measured here). Needs root; in CI (CI=true) a missing tool or
// user is a failure, elsewhere the chroot test skips with the reason.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { debianMirror, debianRoot, findTool, parseAptSources } from './harness/debian-root.js';

type Decision = { install: true; sudo: boolean } | { install: false; apt: boolean; reason: string };
interface Package { name: string; why: string }
interface PrerequisitesModule {
  suites: Record<string, Package[]>;
  parseOsRelease(text: string): Record<string, string>;
  installDecision(input: { osRelease: string | null; uid: number; sudo: boolean; noInstall?: boolean }): Decision;
  installCommand(packages: string[], options: { root: boolean }): string;
  failureMessage(missing: Package[], options: { reason: string; apt: boolean; root: boolean }): string[];
}

// Plain JavaScript outside the TypeScript build (it runs before the build), so it is loaded from
// the repository root, where the tests run.
const scriptPath = resolve('scripts/prerequisites.js');
const prerequisites = await import(pathToFileURL(scriptPath).href) as PrerequisitesModule;
const testPackages = ['python3-cassandra', 'python3-lz4', 'chromium'];
const quickMs = 20_000;

const debian = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_CODENAME=bookworm\n';
const ubuntu = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n';
const mint = 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n';
const fedora = 'NAME="Fedora Linux"\nID=fedora\n';

test('installDecision: Debian and Ubuntu install as root or with passwordless sudo, and nowhere else', () => {
  const { installDecision } = prerequisites;
  assert.deepEqual(installDecision({ osRelease: debian, uid: 0, sudo: false }), { install: true, sudo: false });
  assert.deepEqual(installDecision({ osRelease: debian, uid: 0, sudo: true }), { install: true, sudo: false });
  assert.deepEqual(installDecision({ osRelease: ubuntu, uid: 1000, sudo: true }), { install: true, sudo: true });
  assert.deepEqual(installDecision({ osRelease: mint, uid: 1000, sudo: true }), { install: true, sudo: true });
  const noSudo = installDecision({ osRelease: debian, uid: 1000, sudo: false });
  assert.equal(noSudo.install, false);
  assert.ok(!noSudo.install && noSudo.apt && /not root/.test(noSudo.reason));
  const asked = installDecision({ osRelease: debian, uid: 0, sudo: true, noInstall: true });
  assert.ok(!asked.install && asked.apt && /--no-install/.test(asked.reason));
  const other = installDecision({ osRelease: fedora, uid: 0, sudo: true });
  assert.ok(!other.install && !other.apt && /ID=fedora/.test(other.reason));
  const none = installDecision({ osRelease: null, uid: 0, sudo: true });
  assert.ok(!none.install && !none.apt && /ID=none/.test(none.reason));
});

test('parseOsRelease reads quoted and bare values and ignores comments', () => {
  const fields = prerequisites.parseOsRelease(`# comment\n${mint}VERSION='21.3'\nbroken line\n`);
  assert.deepEqual(fields, { NAME: 'Linux Mint', ID: 'linuxmint', ID_LIKE: 'ubuntu debian', VERSION: '21.3' });
});

test('the printed command is the exact apt-get line, with sudo unless root', () => {
  const { installCommand, failureMessage } = prerequisites;
  assert.equal(installCommand(['a', 'b'], { root: true }), 'apt-get update && apt-get install -y --no-install-recommends a b');
  assert.equal(installCommand(['a'], { root: false }), 'sudo apt-get update && sudo apt-get install -y --no-install-recommends a');
  const elsewhere = failureMessage([{ name: 'chromium', why: 'the browser test' }], { reason: 'this is not Debian or Ubuntu (os-release ID=fedora)', apt: false, root: true });
  assert.ok(!elsewhere.join('\n').includes('apt-get'), elsewhere.join('\n'));
  assert.match(elsewhere.join('\n'), /Debian packages provide: chromium/);
});

test('the test suite names the packages the tests use; unknown suites are refused with the known ones', () => {
  assert.deepEqual(Object.keys(prerequisites.suites), ['test', 'docker']);
  assert.deepEqual(prerequisites.suites['docker']?.map((p) => p.name), ['docker.io', 'docker-compose', 'debootstrap']);
  assert.deepEqual(prerequisites.suites['test']?.map((p) => p.name), [...testPackages, 'debootstrap', 'e2fsprogs', 'mount', 'faketime', 'iptables']);
  const result = spawnSync(process.execPath, [scriptPath, '--suite', 'nemesis'], { encoding: 'utf8' });
  assert.equal(result.status, 2);
  assert.match(result.stderr, /unknown suite nemesis; known suites: test, docker/);
});

test('npm test and .ci/run both run the step first, and .ci/run keeps no package list of its own', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  assert.match(pkg.scripts['test'] ?? '', /^node scripts\/prerequisites\.js && /);
  const ci = readFileSync('.ci/run', 'utf8');
  const commands = ci.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  const step = commands.findIndex((line) => line.includes('node scripts/prerequisites.js'));
  const install = commands.findIndex((line) => line.trim().startsWith('npm install'));
  assert.ok(step >= 0 && step < install, ci);
  for (const name of testPackages) assert.ok(!ci.includes(name), `.ci/run names ${name}; the list belongs to scripts/prerequisites.js`);
});

test('the python3 interpreter checked is the one the Python driver test runs', () => {
  const driverTest = readFileSync('test/python-driver.test.ts', 'utf8');
  const script = readFileSync(scriptPath, 'utf8');
  const choice = "existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'";
  assert.ok(driverTest.includes(choice) && script.includes(choice), 'both must pick python3 the same way');
  assert.ok(readFileSync('test/browser-map.test.ts', 'utf8').includes("'/usr/bin/chromium'"));
  assert.ok(script.includes("existsSync('/usr/bin/chromium')"));
});

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
  const root = debianRoot(resolve('.cache', 'prerequisites'));
  t.diagnostic(root.builtInMs === null ? `reused the cached root ${root.dir}` : `debootstrap (${debianMirror()}) built the root in ${(root.builtInMs / 1000).toFixed(1)} s`);
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

  // As root with --no-install: the root also lacks what the tests that need root use: debootstrap
  // (the chroot test), faketime and iptables (the nemesis); e2fsprogs and mount are in every root.
  const rootRun = inRoot(root.dir, '0:0', 'node scripts/prerequisites.js --no-install');
  assert.equal(rootRun.status, 1, `${rootRun.stdout}\n${rootRun.stderr}`);
  onlyStepOutput(rootRun);
  assert.ok(rootRun.stderr.includes(`\n  apt-get update && apt-get install -y --no-install-recommends ${testPackages.join(' ')} debootstrap faketime iptables\n`), rootRun.stderr);
  assert.ok(rootRun.ms < quickMs, `the step took ${Math.round(rootRun.ms)} ms`);
});

test('apt sources: one-line and deb822 files, the main component of the release', () => {
  const list = parseAptSources('# x\ndeb [arch=amd64] http://m.example/debian bookworm main contrib\ndeb-src http://s bookworm main\n', false);
  assert.deepEqual(list[0], { types: ['deb'], uris: ['http://m.example/debian'], suites: ['bookworm'], components: ['main', 'contrib'] });
  const deb822 = parseAptSources('Types: deb\n# note\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://sec\nSuites: bookworm-security\nComponents: main\n', true);
  assert.deepEqual(deb822.map((s) => s.uris[0]), ['http://deb.debian.org/debian', 'http://sec']);
  assert.deepEqual(deb822[0]?.suites, ['bookworm', 'bookworm-updates']);
});
