// The benchmark suite's smoke test (issue 7): `bench --smoke` starts the protocol-ceiling server,
// one node, a small-memtable node and a 3-node cluster, drives every scenario for a fraction of a
// second (the hostile-clients scenario too, with 50 connections) and writes its JSON. Asserts that every scenario ran, moved data and saw no error; no
// speed is asserted (CI machines are shared). Needs the build (runs dist/bench/run.js).

import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResults } from '../bench/report.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const runTimeoutMs = 300_000;

function runBench(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'dist', 'bench', 'run.js'), ...args], { cwd: root, timeout: runTimeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, output: `${stdout}\n${stderr}` });
    });
  });
}

test('bench --smoke runs every scenario with throughput and without errors', { timeout: runTimeoutMs + 30_000 }, async () => {
  const directory = mkdtempSync(join(tmpdir(), 'aero-bench-smoke-'));
  try {
    const { code, output } = await runBench(['--smoke', '--results-dir', directory, '--no-readme']);
    assert.equal(code, 0, `bench --smoke failed:\n${output.slice(-5000)}`);
    const files = readdirSync(directory).filter((name) => name.endsWith('.json'));
    assert.equal(files.length, 1, `one results file expected, got ${files.join(', ')}`);
    const results = JSON.parse(readFileSync(join(directory, files[0] as string), 'utf8')) as BenchResults;
    assert.match(results.commit, /^[0-9a-f]{12}$/);
    assert.ok(results.machine.cpus > 0);
    for (const scenario of ['ceiling', 'single', 'memtable', 'cluster', 'latency', 'flights', 'hostile']) assert.ok(results.scenarios.includes(scenario), `scenario ${scenario} missing`);

    for (const scenario of ['ceiling', 'single', 'memtable', 'cluster']) {
      const runs = results.measurements.filter((m) => m.scenario === scenario);
      const shapes = new Set(runs.map((m) => m.shape));
      assert.ok(shapes.has('8x32') && shapes.has('64x1'), `${scenario} ran at shapes ${[...shapes].join(', ')}`);
      for (const m of runs) {
        const what = `${scenario} ${m.workload} ${m.client} ${m.shape}`;
        assert.ok(m.throughput > 0, `${what}: no throughput`);
        assert.equal(m.errors, 0, `${what}: ${m.errors} errors, first: ${m.firstError}`);
        // HDR percentiles are bucket edges (3 significant digits); max is exact, so allow 1%.
        assert.ok(m.latencyMs.p99 > 0 && m.latencyMs.max >= m.latencyMs.p99 * 0.99, `${what}: latencies ${JSON.stringify(m.latencyMs)}`);
        assert.ok(m.serverCpuSeconds > 0, `${what}: no server CPU measured`);
        assert.ok(Object.values(m.peakRssMiB).every((mib) => mib !== null && mib > 0), `${what}: peak RSS ${JSON.stringify(m.peakRssMiB)}`);
      }
    }
    const workloadsOf = (scenario: string) => new Set(results.measurements.filter((m) => m.scenario === scenario).map((m) => m.workload));
    assert.deepEqual([...workloadsOf('single')].sort(), ['insert', 'mixed', 'select']);
    assert.deepEqual([...workloadsOf('cluster')].sort(), ['insert', 'mixed', 'select']);
    assert.equal(results.measurements.find((m) => m.scenario === 'cluster')?.peakRssMiB['node3'] !== undefined, true, 'the cluster has 3 nodes');

    for (const server of ['single', 'cluster']) {
      const points = results.curve.filter((c) => c.scenario === server);
      assert.ok(points.length > 0, `no latency curve for ${server}`);
      for (const c of points) {
        assert.ok(c.throughput > 0 && c.rateTarget !== null && c.rateTarget > 0, `${server} curve point ${JSON.stringify(c)}`);
        assert.equal(c.errors, 0, `${server} curve at ${c.fraction}: ${c.firstError}`);
      }
    }

    assert.ok(results.flights.length > 0, 'no flight steps');
    for (const f of results.flights) {
      assert.ok(f.throughput > 0 && f.mapReads.ops > 0, `flights ${f.shape} N=${f.flights}: no traffic`);
      assert.equal(f.errors + f.mapReads.errors, 0, `flights ${f.shape} N=${f.flights}: ${f.firstError ?? f.mapReads.firstError}`);
    }

    // Hostile clients: every kind ran and the node stayed up; the p99 ratio and the memory bound are figures, not asserted.
    const hostile = results.hostile;
    assert.ok(hostile !== null, 'no hostile-clients result');
    assert.equal(hostile.nodeUp, true, 'the node went down under the hostile clients');
    assert.ok(hostile.probe.idle.ops > 0 && hostile.probe.loaded.ops > 0, `well-behaved client: ${JSON.stringify(hostile.probe)}`);
    assert.equal(hostile.probe.idle.errors + hostile.probe.loaded.errors, 0, `well-behaved client errors: ${hostile.probe.loaded.firstError}`);
    assert.ok(hostile.probe.p99Ratio > 0 && hostile.memory.peakRssMiB > 0 && hostile.memory.boundMiB > hostile.memory.restRssMiB, JSON.stringify(hostile.memory));
    const h = hostile.hostile;
    assert.equal(h.connectionsOpened, hostile.settings.connections, `connections: ${h.firstConnectionError}`);
    assert.ok(h.nonReaderRequestsSent > 0, 'the non-reading client sent nothing');
    assert.ok(h.oversizedBatchesRefused > 0 && h.oversizedBatchesAccepted === 0, `oversized batches: ${JSON.stringify(h)}`);
    assert.ok(h.blobsWritten > 0 && h.partitionRowsWritten > 0 && h.partitionRowsPaged > 0, `hostile clients: ${JSON.stringify(h)}`);
    assert.equal(h.blobErrors + h.partitionWriteErrors + h.partitionPageErrors + h.batchOtherErrors, 0, `hostile clients' errors: ${h.firstError}`);
    assert.match(output, /\*\*Hostile clients\*\*/, 'the hostile-clients table is printed');
    assert.match(output, /\| scenario \| workload \| client \| shape \|/, 'the Markdown table is printed');
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
