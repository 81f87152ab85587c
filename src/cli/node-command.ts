// `aero node`: runs one database node in the foreground until SIGTERM or SIGINT (or, for the
// nodes `aero start` runs, until that process is gone: parent-watch.ts), then drains client
// requests and stops cleanly. Startup problems print one line and exit 1.

import type { Command } from 'commander';
import { ConfigurationError } from '../db/common/errors.js';
import { loadNodeConfig, type ConfigFlags } from '../db/node/config.js';
import { startNode } from '../db/node/node.js';
import type { CommandContext } from './console.js';
import { parentGone } from './parent-watch.js';

interface NodeCommandOptions extends ConfigFlags {
  config?: string;
}

export function registerNodeCommand(program: Command, context: CommandContext): void {
  program
    .command('node')
    .description('run one database node in the foreground (SIGTERM or SIGINT stops it)')
    .option('--config <file>', 'YAML configuration file with cassandra.yaml key names')
    .option('--listen-address <address>', 'address for other nodes (listen_address)')
    .option('--rpc-address <address>', 'address for clients (rpc_address)')
    .option('--native-port <port>', 'CQL native protocol port (native_transport_port)')
    .option('--storage-port <port>', 'internode port (storage_port)')
    .option('--data-dir <dir>', 'root of data, commitlog, hints and logs directories')
    .option('--cluster-name <name>', 'cluster name (cluster_name)')
    .option('--seeds <addresses>', 'comma-separated seed addresses, host[:port]')
    .option('--num-tokens <n>', 'tokens (vnodes) this node owns (num_tokens)')
    .option('--dc <name>', 'datacenter (selects GossipingPropertyFileSnitch)')
    .option('--rack <name>', 'rack (selects GossipingPropertyFileSnitch)')
    .option('--log-level <level>', 'debug, info, warn or error (log_level)')
    .option('--memtable-flush-bytes <bytes>', 'memtable size that triggers a flush (memtable_flush_bytes)')
    .action(async (options: NodeCommandOptions) => {
      context.setExitCode(await runNode(options, context));
    });
}

async function runNode(options: NodeCommandOptions, context: CommandContext): Promise<number> {
  const { config: file, ...flags } = options;
  const warnings: string[] = [];
  let node;
  try {
    const config = await loadNodeConfig({ ...(file === undefined ? {} : { file }), flags, onWarning: (warning) => warnings.push(warning) });
    node = await startNode(config, { warnings, stdout: true });
  } catch (error) {
    context.io.err(`aero node: ${startupProblem(error)}\n`);
    return 1;
  }
  // A decommissioned node stops itself; otherwise a signal stops it, or its parent's exit.
  const parent = parentGone(process.env);
  const signal = await Promise.race([waitForStopSignal(), parent.gone, node.stopped.then(() => undefined)]);
  parent.dispose();
  if (signal === undefined) {
    node.logger.info('node stopped itself (decommissioned); exiting');
    return 0;
  }
  node.logger.info('stopping', { reason: signal });
  await node.stop();
  return 0;
}

function startupProblem(error: unknown): string {
  if (error instanceof ConfigurationError) return error.message;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === undefined || error.message.includes(code) ? error.message : `${error.message} (${code})`;
  }
  return String(error);
}

/** Resolves on the first SIGTERM or SIGINT; a second one exits at once, undrained. */
function waitForStopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      process.once('SIGTERM', () => process.exit(1));
      process.once('SIGINT', () => process.exit(1));
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
