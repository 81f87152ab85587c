// The image's HEALTHCHECK: healthy when the node this container runs answers on its admin
// channel (GET /status, as `aero nodetool status` reads it) and is NORMAL in its ring. A
// container that runs another command (no node configuration written) is healthy.

import { existsSync } from 'node:fs';
import { readConfigFile, resolveNodeConfig } from '../../db/node/config.js';
import { fetchNodeStatus } from '../cluster/node-status.js';
import { nodeConfigPath } from './environment.js';

// Generous: on a loaded host (a CI machine running eight nodes) the admin channel may answer slowly.
const statusTimeoutMs = 20_000;

async function check(): Promise<string | null> {
  const file = nodeConfigPath(process.env);
  if (!existsSync(file)) return null;
  const config = resolveNodeConfig(await readConfigFile(file), {});
  const status = await fetchNodeStatus(config.listenAddress, config.adminPort, { timeoutMs: statusTimeoutMs });
  if (status.local.state !== 'NORMAL') return `the node is ${status.local.state}`;
  return null;
}

check().then(
  (problem) => {
    if (problem !== null) process.stderr.write(`unhealthy: ${problem}\n`);
    process.exitCode = problem === null ? 0 : 1;
  },
  (error: unknown) => {
    process.stderr.write(`unhealthy: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
