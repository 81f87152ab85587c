// Runs every compiled test file with node's built-in test runner. No test may run past 10
// minutes, and the runner exits even if a test leaves a handle open (a stuck socket never hangs CI).
// Files run one at a time: the multi-node tests measure failure detection in wall-clock seconds
// and need the two cores to themselves (the whole suite takes a few minutes either way).
// Usage: node scripts/run-tests.js [substring ...]   (only files whose path contains one of them)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=600000', '--test-force-exit', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
