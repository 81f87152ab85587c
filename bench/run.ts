// `npm run bench`: every benchmark, with its numbers printed as a table and as JSON.
//   node dist/bench/run.js [storage]      AERO_BENCH_ROWS sets the storage benchmark's row count.

import { storageBenchmark } from './storage.js';

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const wants = (name: string) => only.length === 0 || only.includes(name);
  const results: Record<string, unknown> = {};
  if (wants('storage')) {
    const rows = Number(process.env['AERO_BENCH_ROWS'] ?? 5_000_000);
    console.log(`storage: loading ${rows} rows, restarting, reading them back...`);
    const result = await storageBenchmark({ rows });
    console.table(result);
    results['storage'] = result;
  }
  console.log(JSON.stringify(results));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
