// The internode messaging path alone: CPU per request and response between two
// MessagingServices over real TCP in one process (a MUTATION of about a row's size, an empty
// MUTATION_RSP), with `batch` requests issued per event-loop turn as a coordinator under load
// issues them. Measures what the cluster scenario cannot isolate on a shared machine: process CPU
// per round trip does not depend on how much CPU other processes leave.
//   node dist/bench/internode.js [--batch 32] [--rounds 1500] [--runs 3]

import { Command } from 'commander';
import { MessagingService } from '../src/db/cluster/messaging/messaging-service.js';
import { TcpTransport } from '../src/db/cluster/messaging/tcp-transport.js';
import { silentLogger } from '../src/db/common/world.js';
import { systemClock } from '../src/db/platform/clock.js';
import { systemNetwork } from '../src/db/platform/network.js';
import { freePort } from './nodes.js';

async function messagingService(): Promise<MessagingService> {
  const port = await freePort();
  const transport = new TcpTransport({ network: systemNetwork(), clock: systemClock(), logger: silentLogger, localEndpoint: `127.0.0.1:${port}` });
  return new MessagingService({ transport, clock: systemClock(), logger: silentLogger });
}

async function measure(batch: number, rounds: number): Promise<{ cpuMicros: number; wallMicros: number }> {
  const [a, b] = [await messagingService(), await messagingService()];
  b.registerHandler('MUTATION', () => Promise.resolve(Buffer.alloc(0)));
  await a.start();
  await b.start();
  const payload = Buffer.alloc(120, 7);
  const run = async (count: number) => {
    for (let round = 0; round < count; round++) {
      await Promise.all(Array.from({ length: batch }, () => a.sendRequest(b.localEndpoint, 'MUTATION', payload)));
    }
  };
  await run(Math.ceil(rounds / 5));
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await run(rounds);
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - started;
  await a.close();
  await b.close();
  const requests = rounds * batch;
  return { cpuMicros: (cpu.user + cpu.system) / requests, wallMicros: (wallMs * 1000) / requests };
}

async function main(argv: string[]): Promise<void> {
  const program = new Command('internode')
    .option('--batch <n>', 'requests issued per turn', '32')
    .option('--rounds <n>', 'turns measured per run', '1500')
    .option('--runs <n>', 'runs (the median is reported)', '3')
    .parse(argv, { from: 'user' });
  const options = program.opts<{ batch: string; rounds: string; runs: string }>();
  const [batch, rounds, runs] = [Number(options.batch), Number(options.rounds), Number(options.runs)];
  const results: Array<{ cpuMicros: number; wallMicros: number }> = [];
  for (let run = 0; run < runs; run++) results.push(await measure(batch, rounds));
  const cpu = results.map((r) => r.cpuMicros).sort((x, y) => x - y);
  const median = cpu[Math.floor(cpu.length / 2)] as number;
  console.log(`internode: batch ${batch}, ${rounds * batch} requests per run, CPU microseconds per request and response: median ${median.toFixed(2)} (runs: ${cpu.map((c) => c.toFixed(2)).join(', ')})`);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
