// `aero cluster`: a local cluster of node processes for tests and demonstrations, the way ccm
// runs Cassandra: node i on 127.0.0.i, every node with the same ports, files under DIR/node<i>/,
// the cluster's manifest in DIR/cluster.json. The work is in ./cluster/operations.ts.

import type { Command } from 'commander';
import { localClusterNodesMax, numTokensMax, startTimeoutSecondsMax } from '../db/common/limits.js';
import { ManifestError } from './cluster/manifest.js';
import { addNode, ClusterError, clusterDefaults, clusterStatus, decommissionNode, killNode, restartNode, startCluster, stopCluster, stopTimeoutMsDefault, type StartClusterOptions } from './cluster/operations.js';
import { NodeSettingError, parseNodeSetting } from './cluster/node-settings.js';
import type { CommandContext } from './console.js';

interface StartFlags {
  dir: string;
  nodes?: string;
  basePort?: string;
  storagePort?: string;
  adminPort?: string;
  numTokens?: string;
  clusterName?: string;
  tls?: boolean;
  auth?: boolean;
  ringDelay?: string;
  set: string[];
  startTimeout: string;
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function integerFlag(value: string, options: { name: string; min: number; max: number }): number {
  const number = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < options.min || number > options.max) {
    throw new UsageError(`${options.name} expects an integer between ${options.min} and ${options.max}, got '${value}'`);
  }
  return number;
}

/** Runs an operation; expected failures print one line and exit 1, anything else propagates. */
async function run(context: CommandContext, operation: () => Promise<number>): Promise<void> {
  try {
    context.setExitCode(await operation());
  } catch (error) {
    if (!(error instanceof ClusterError || error instanceof ManifestError || error instanceof UsageError || error instanceof NodeSettingError)) throw error;
    context.io.err(`aero cluster: ${error.message}\n`);
    context.setExitCode(1);
  }
}

/** Only the settings given on the command line: the others come from the cluster or the defaults. */
function startOptions(flags: StartFlags): StartClusterOptions {
  const options: StartClusterOptions = {
    directory: flags.dir,
    startTimeoutMs: integerFlag(flags.startTimeout, { name: '--start-timeout', min: 1, max: startTimeoutSecondsMax }) * 1000,
  };
  const port = (value: string, name: string) => integerFlag(value, { name, min: 1, max: 65535 });
  if (flags.nodes !== undefined) options.nodeCount = integerFlag(flags.nodes, { name: '--nodes', min: 1, max: localClusterNodesMax });
  if (flags.basePort !== undefined) options.nativePort = port(flags.basePort, '--base-port');
  if (flags.storagePort !== undefined) options.storagePort = port(flags.storagePort, '--storage-port');
  if (flags.adminPort !== undefined) options.adminPort = port(flags.adminPort, '--admin-port');
  if (flags.numTokens !== undefined) options.numTokens = integerFlag(flags.numTokens, { name: '--num-tokens', min: 1, max: numTokensMax });
  if (flags.ringDelay !== undefined) options.ringDelayMs = integerFlag(flags.ringDelay, { name: '--ring-delay', min: 0, max: 600_000 });
  if (flags.set.length > 0) options.settingChanges = flags.set.map(parseNodeSetting);
  if (flags.tls === true) options.tls = true;
  if (flags.auth === true) options.auth = true;
  if (flags.clusterName !== undefined) {
    if (flags.clusterName.trim() === '' || flags.clusterName.length > 256) throw new UsageError('--cluster-name expects 1 to 256 characters');
    options.clusterName = flags.clusterName;
  }
  return options;
}

export function registerClusterCommand(program: Command, context: CommandContext): void {
  const cluster = program.command('cluster').description('run a local cluster of nodes on 127.0.0.1 ... 127.0.0.N (like ccm)');
  cluster
    .command('start')
    .description('start N nodes in the background (or the stopped nodes of DIR\'s cluster) and wait until all are up')
    .requiredOption('--dir <dir>', 'directory of the cluster: manifest, and data and logs under node<i>/')
    .option('--nodes <n>', `number of nodes, 1 to ${localClusterNodesMax} (default: ${clusterDefaults.nodeCount})`)
    .option('--base-port <port>', `CQL native port of every node (default: ${clusterDefaults.nativePort})`)
    .option('--storage-port <port>', `internode port of every node (default: ${clusterDefaults.storagePort})`)
    .option('--admin-port <port>', `admin channel port of every node, for nodetool (default: ${clusterDefaults.adminPort})`)
    .option('--num-tokens <n>', `tokens (vnodes) per node (default: ${clusterDefaults.numTokens})`)
    .option('--cluster-name <name>', `cluster name (default: ${clusterDefaults.clusterName})`)
    .option('--tls', 'TLS on every native and storage port, with a cluster CA and certificates made under DIR/certs (as `aero certs create`)')
    .option('--auth', 'logins and permissions on every node (authenticator: PasswordAuthenticator, authorizer: CassandraAuthorizer); the first login is cassandra/cassandra')
    .option('--ring-delay <ms>', 'ring_delay_ms of every node: how long a joining or leaving node lets gossip spread (default 30000)')
    .option('--set <name=value>', 'a cassandra.yaml setting of every node, the value in YAML (e.g. write_request_timeout=10s); repeatable; name= removes one',
      (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--start-timeout <seconds>', 'how long to wait for every node to be up', '60')
    .addHelpText('after', [
      '\nA cluster that exists in DIR keeps the settings it was created with; start restarts its stopped nodes.',
      'Settings of --set are checked as the node reads them before anything starts, and kept: start, restart and add write them',
      'into every node\'s conf/aero.yaml; --set on an existing cluster changes them for the nodes started from then on.',
      'With --tls, clients connect over TLS trusting DIR/certs/ca.pem (client certificates are optional: DIR/certs/client.pem);',
      'nodes authenticate each other with their certificates (mutual TLS, internode_encryption: all).',
      'With --auth, log in as cassandra/cassandra first, create your own superuser and drop (or change) cassandra.',
    ].join('\n'))
    .action((flags: StartFlags) => run(context, () => startCluster(startOptions(flags), context.io)));
  cluster
    .command('stop')
    .description('stop every node (SIGTERM; SIGKILL after the timeout)')
    .requiredOption('--dir <dir>', 'directory of the cluster')
    .option('--timeout <seconds>', 'how long each node gets to stop cleanly', String(stopTimeoutMsDefault / 1000))
    .action((flags: { dir: string; timeout: string }) => run(context, () =>
      stopCluster(flags.dir, context.io, { timeoutMs: integerFlag(flags.timeout, { name: '--timeout', min: 1, max: startTimeoutSecondsMax }) * 1000 })));
  cluster
    .command('status')
    .description('show each node: address, pid, up/down, native port, load')
    .requiredOption('--dir <dir>', 'directory of the cluster')
    .action((flags: { dir: string }) => run(context, () => clusterStatus(flags.dir, context.io)));
  cluster
    .command('kill')
    .description('kill one node at once (SIGKILL), as a crash would')
    .requiredOption('--node <i>', 'the node number (1-based)')
    .requiredOption('--dir <dir>', 'directory of the cluster')
    .action((flags: { node: string; dir: string }) => run(context, () =>
      killNode(flags.dir, integerFlag(flags.node, { name: '--node', min: 1, max: localClusterNodesMax }), { io: context.io })));
  cluster
    .command('add')
    .description('start one more node on the next 127.0.0.N; it joins the running cluster, streaming its share of the data (bootstrap)')
    .requiredOption('--dir <dir>', 'directory of the cluster')
    .option('--start-timeout <seconds>', 'how long to wait for the node to join and be up', '300')
    .action((flags: { dir: string; startTimeout: string }) => run(context, () =>
      addNode(flags.dir, { io: context.io, startTimeoutMs: integerFlag(flags.startTimeout, { name: '--start-timeout', min: 1, max: startTimeoutSecondsMax }) * 1000 })));
  cluster
    .command('decommission')
    .description('node I streams its data to the new owners, leaves the ring and exits (nodetool decommission)')
    .requiredOption('--node <i>', 'the node number (1-based)')
    .requiredOption('--dir <dir>', 'directory of the cluster')
    .action((flags: { node: string; dir: string }) => run(context, () =>
      decommissionNode(flags.dir, integerFlag(flags.node, { name: '--node', min: 1, max: localClusterNodesMax }), { io: context.io })));
  cluster
    .command('restart')
    .description('stop one node if it runs, start it again with its data, wait until it is up')
    .requiredOption('--node <i>', 'the node number (1-based)')
    .requiredOption('--dir <dir>', 'directory of the cluster')
    .option('--start-timeout <seconds>', 'how long to wait for the node to be up', '60')
    .action((flags: { node: string; dir: string; startTimeout: string }) => run(context, () =>
      restartNode(flags.dir, integerFlag(flags.node, { name: '--node', min: 1, max: localClusterNodesMax }), {
        io: context.io, startTimeoutMs: integerFlag(flags.startTimeout, { name: '--start-timeout', min: 1, max: startTimeoutSecondsMax }) * 1000,
      })));
}
