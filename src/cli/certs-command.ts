// `aero certs create`: a cluster CA, a certificate per node and client certificates, made with
// node-forge (no openssl binary). The layout and the reuse rules are in ./certs/files.ts.

import type { Command } from 'commander';
import { isIP } from 'node:net';
import { certificateValidDaysMax, localClusterNodesMax } from '../db/common/limits.js';
import { nodeAddress } from './cluster/manifest.js';
import { CertificateError, createCertificates } from './certs/files.js';
import type { CommandContext } from './console.js';

interface CreateFlags {
  dir: string;
  nodes: string;
  addresses?: string;
  extraNames?: string;
  clients: string;
  days: string;
  force?: boolean;
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((part) => part.trim()).filter((part) => part !== '');
}

function bounded(value: string, options: { name: string; min: number; max: number }): number {
  const number = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < options.min || number > options.max) {
    throw new UsageError(`${options.name} expects an integer between ${options.min} and ${options.max}, got '${value}'`);
  }
  return number;
}

/** Node i's addresses: the i-th of --addresses when given, else 127.0.0.i (as `aero cluster` places nodes). */
function nodeAddresses(flags: CreateFlags): Array<{ index: number; addresses: string[] }> {
  const count = bounded(flags.nodes, { name: '--nodes', min: 0, max: localClusterNodesMax });
  const given = list(flags.addresses);
  if (given.length > 0 && given.length !== count) throw new UsageError(`--addresses lists ${given.length} addresses for ${count} nodes`);
  const bad = given.find((address) => isIP(address) === 0);
  if (bad !== undefined) throw new UsageError(`--addresses expects IP addresses, got '${bad}'`);
  return Array.from({ length: count }, (_, position) => ({ index: position + 1, addresses: [given[position] ?? nodeAddress(position + 1)] }));
}

function create(flags: CreateFlags, context: CommandContext): number {
  const reports = createCertificates({
    directory: flags.dir,
    nodes: nodeAddresses(flags),
    clients: list(flags.clients),
    extraNames: list(flags.extraNames),
    validDays: bounded(flags.days, { name: '--days', min: 1, max: certificateValidDaysMax }),
    ...(flags.force === true ? { force: true } : {}),
  });
  for (const report of reports) context.io.out(`${report.action === 'created' ? 'created' : 'kept   '} ${report.file}\n`);
  return 0;
}

export function registerCertsCommand(program: Command, context: CommandContext): void {
  const certs = program.command('certs').description('certificates for TLS: a cluster CA, node and client certificates (PEM)');
  certs
    .command('create')
    .description('create (or complete) a cluster CA, a certificate per node and client certificates in DIR')
    .requiredOption('--dir <dir>', 'directory for ca.pem, ca-key.pem, node<i>.pem and <client>.pem')
    .option('--nodes <n>', `number of node certificates, 0 to ${localClusterNodesMax}`, '3')
    .option('--addresses <ips>', 'comma-separated IP address of each node, in order (default 127.0.0.1 ... 127.0.0.N)')
    .option('--extra-names <names>', 'comma-separated IP addresses or DNS names added to every node certificate (e.g. localhost)')
    .option('--clients <names>', 'comma-separated client certificate names (file <name>.pem)', 'client')
    .option('--days <n>', 'validity in days', '825')
    .option('--force', 'make a new CA and reissue every certificate')
    .addHelpText('after', [
      '',
      'Files: ca.pem (the truststore of nodes and clients), ca-key.pem (keep it safe), node<i>.pem',
      '(private key + certificate: a node\'s keystore, with its address as subject alternative name),',
      '<client>.pem (private key + certificate). Private key files are written with mode 0600.',
      'An existing CA is reused and certificates it issued are kept, unless --force.',
    ].join('\n'))
    .action((flags: CreateFlags) => {
      try {
        context.setExitCode(create(flags, context));
      } catch (error) {
        if (!(error instanceof CertificateError || error instanceof UsageError)) throw error;
        context.io.err(`aero certs: ${error.message}\n`);
        context.setExitCode(1);
      }
    });
}
