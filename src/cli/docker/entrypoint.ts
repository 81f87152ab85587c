// The image's entrypoint (Dockerfile ENTRYPOINT). `node` (the default command) writes the node's
// configuration from CASSANDRA_* and AERO_* variables (./environment.ts) to
// AERO_DATA_DIR/conf/aero.yaml and runs `aero node` on it in this process; any other command
// runs as `aero <command>` (`docker run IMAGE nodetool status`, `... start --contact-points ...`).

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { main } from '../main.js';
import { dataDirectory, EnvironmentError, nodeConfigPath, nodeSettingsFromEnvironment, seedEntries, seedHost, type Environment } from './environment.js';

/** Seeds in the same compose project may start a little later than this node: wait for their names. */
const seedLookupAttempts = 60;
const seedLookupRetryMs = 1000;

/** The first IPv4 address of a non-loopback interface (as `hostname --ip-address` in Cassandra's image). */
function containerAddress(): string {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = (addresses ?? []).find((entry) => !entry.internal && entry.family === 'IPv4');
    if (found !== undefined) return found.address;
  }
  throw new EnvironmentError('the container has no IPv4 address; set CASSANDRA_LISTEN_ADDRESS');
}

/** Each seed host name's address; a name that never resolves (bounded retries) is left out. */
async function resolveSeedNames(environment: Environment): Promise<Map<string, string>> {
  const names = [...new Set(seedEntries(environment).map(seedHost).filter((host) => isIP(host) === 0))];
  const resolved = new Map<string, string>();
  for (let attempt = 1; attempt <= seedLookupAttempts && resolved.size < names.length; attempt++) {
    if (attempt > 1) await sleep(seedLookupRetryMs);
    for (const name of names.filter((candidate) => !resolved.has(candidate))) {
      try {
        resolved.set(name, (await lookup(name)).address);
      } catch {
        // Not (yet) known to the resolver: try again on the next round.
      }
    }
  }
  return resolved;
}

async function runNode(argv: string[], environment: Environment): Promise<number> {
  const dataDir = dataDirectory(environment);
  const settings = nodeSettingsFromEnvironment(environment, { address: containerAddress(), resolved: await resolveSeedNames(environment) });
  for (const warning of settings.warnings) process.stderr.write(`entrypoint: ${warning}\n`);
  const file = nodeConfigPath(environment);
  mkdirSync(join(dataDir, 'conf'), { recursive: true });
  writeFileSync(file, settings.yaml);
  process.stdout.write(`entrypoint: node on ${settings.listenAddress}, seeds ${settings.seeds.join(',')}, configuration ${file}\n`);
  return main(['node', '--config', file, '--data-dir', dataDir, ...argv.slice(1)]);
}

async function run(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === 'node') {
    try {
      return await runNode(argv, process.env);
    } catch (error) {
      if (!(error instanceof EnvironmentError)) throw error;
      process.stderr.write(`entrypoint: ${error.message}\n`);
      return 1;
    }
  }
  return main(argv);
}

run(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`entrypoint: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
