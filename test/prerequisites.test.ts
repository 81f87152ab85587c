// scripts/prerequisites.js, the step `npm test` runs before anything else: its install decision
// and messages as units. The real step in a clean Debian root, where it must fail at once, runs
// in the Docker suite (test/docker/clean-root.e2e.ts), which builds that root anyway for the
// base image: here it cost `npm test` a debootstrap of 30 to 110 s on every fresh machine.
// run-tests: two at a time
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAptSources } from './harness/debian-root.js';

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
  assert.deepEqual(prerequisites.suites['test']?.map((p) => p.name), [...testPackages, 'e2fsprogs', 'mount', 'faketime', 'iptables']);
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

test('apt sources: one-line and deb822 files, the main component of the release', () => {
  const list = parseAptSources('# x\ndeb [arch=amd64] http://m.example/debian bookworm main contrib\ndeb-src http://s bookworm main\n', false);
  assert.deepEqual(list[0], { types: ['deb'], uris: ['http://m.example/debian'], suites: ['bookworm'], components: ['main', 'contrib'] });
  const deb822 = parseAptSources('Types: deb\n# note\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb\nURIs: http://sec\nSuites: bookworm-security\nComponents: main\n', true);
  assert.deepEqual(deb822.map((s) => s.uris[0]), ['http://deb.debian.org/debian', 'http://sec']);
  assert.deepEqual(deb822[0]?.suites, ['bookworm', 'bookworm-updates']);
});
