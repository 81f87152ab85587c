// Runs every compiled test file with node's built-in test runner, in three phases:
//  1. in-process tests: the unit tests beside the code (dist/src/**) and the simulated clusters
//     of test/harness/** (simulated clocks, disks and networks, deterministic), as many files at
//     a time as there are cores;
//  2. the integration tests (dist/test/*) that must have the machine to themselves: real
//     clusters whose assertions count wall-clock time (failure detection within 10 s, no app
//     request over 1 s, no QUORUM failure under load) or that load every core. One at a time;
//  3. the other integration tests, two files at a time. A file joins this phase by carrying the
//     line `// run-tests: two at a time` in its header: one node, or a small cluster whose
//     assertions hold however slow the machine is (bounded waits, counts, contents).
//     A new file without the line runs alone, which is always safe.
// All phases report through one TAP stream with one summary (CI reads it), and the summary
// ends with the slowest files, where the suite's time goes. No test may run past 10 minutes, and
// the runner exits even if a test leaves a handle open (a stuck socket never hangs CI).
// Usage: node scripts/run-tests.js [substring ...]   (only files whose path contains one of them)
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, sep } from 'node:path';
import { run } from 'node:test';
import { tap } from 'node:test/reporters';

function find(dir, out) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) find(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const filters = process.argv.slice(2);
const files = find('dist', []).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('no test files found under dist/ (did the build run?)');
  process.exit(1);
}
const inProcess = [join('dist', 'src') + sep, join('dist', 'test', 'harness') + sep];
const inProcessFiles = files.filter((f) => inProcess.some((prefix) => f.startsWith(prefix)));
const integrationFiles = files.filter((f) => !inProcessFiles.includes(f));
/** The marker of an integration file that may run beside one other (phase 3). */
const twoAtATimeMarker = /^\/\/ run-tests: two at a time$/m;
const twoAtATime = integrationFiles.filter((f) => twoAtATimeMarker.test(readFileSync(f, 'utf8').slice(0, 4096)));
const phases = [
  { name: 'in-process', files: inProcessFiles, concurrency: Math.max(1, Math.min(availableParallelism(), 4)) },
  { name: 'alone', files: integrationFiles.filter((f) => !twoAtATime.includes(f)), concurrency: 1 },
  { name: 'two at a time', files: twoAtATime, concurrency: 2 },
].filter((phase) => phase.files.length > 0);

const summaryKeys = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo', 'duration_ms'];
const summaryPattern = new RegExp(`^(${summaryKeys.join('|')}) ([0-9.]+)$`);
const totals = Object.fromEntries(summaryKeys.map((key) => [key, 0]));
/** Per file, the summed durations of its top-level tests and suites (module loading aside). */
const fileSeconds = new Map();
const slowestShown = 12;

/**
 * The events of every phase as one run: each phase's own top-level plan and summary are held
 * back and added up, the top-level tests are numbered on from the previous phase, and one plan
 * and one summary close the stream.
 */
async function* allPhases() {
  let numbered = 0;
  for (const phase of phases) {
    const started = performance.now();
    let lastNumber = 0;
    const stream = run({ files: phase.files, concurrency: phase.concurrency, timeout: 600_000, forceExit: true });
    for await (const event of stream) {
      const data = event.data ?? {};
      if (data.nesting === 0 && (event.type === 'test:pass' || event.type === 'test:fail') && typeof data.file === 'string') {
        fileSeconds.set(data.file, (fileSeconds.get(data.file) ?? 0) + (data.details?.duration_ms ?? 0) / 1000);
      }
      if (data.nesting === 0) {
        if (event.type === 'test:plan') continue;
        if (event.type === 'test:diagnostic') {
          const match = summaryPattern.exec(data.message);
          if (match !== null) {
            totals[match[1]] += Number(match[2]);
            continue;
          }
        }
        if ((event.type === 'test:pass' || event.type === 'test:fail') && typeof data.testNumber === 'number') {
          lastNumber = Math.max(lastNumber, data.testNumber);
          yield { ...event, data: { ...data, testNumber: numbered + data.testNumber } };
          continue;
        }
      }
      yield event;
    }
    numbered += lastNumber;
    phase.seconds = (performance.now() - started) / 1000;
  }
  yield { type: 'test:plan', data: { nesting: 0, count: numbered } };
  for (const key of summaryKeys) {
    const value = key === 'duration_ms' ? Number(totals[key].toFixed(3)) : totals[key];
    yield { type: 'test:diagnostic', data: { nesting: 0, message: `${key} ${value}` } };
  }
  const slowest = [...fileSeconds].map(([file, seconds]) => [relative(process.cwd(), file), seconds])
    .sort((a, b) => b[1] - a[1]).slice(0, slowestShown);
  for (const phase of phases) {
    yield { type: 'test:diagnostic', data: { nesting: 0, message: `phase "${phase.name}": ${phase.files.length} files, ${phase.concurrency} at a time, ${(phase.seconds ?? 0).toFixed(1)} s` } };
  }
  yield { type: 'test:diagnostic', data: { nesting: 0, message: 'slowest files (seconds in their top-level tests):' } };
  for (const [file, seconds] of slowest) yield { type: 'test:diagnostic', data: { nesting: 0, message: `  ${seconds.toFixed(1).padStart(6)}  ${file}` } };
}

const output = tap(allPhases());
for await (const chunk of output) process.stdout.write(chunk);
process.exitCode = totals.fail > 0 || totals.cancelled > 0 ? 1 : 0;
