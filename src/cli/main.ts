// The `aero` command line. Each subcommand lives in its own file and registers itself here, so
// later ones (cluster, sim, web, start, certs) add a file and one line.

import { Command, CommanderError } from 'commander';
import { registerNodeCommand } from './node-command.js';
import { nodetoolArgv, registerNodetoolCommand } from './nodetool-command.js';
import { registerSimCommand } from './sim-command.js';
import { registerWebCommand } from './web-command.js';
import { registerStartCommand } from './start-command.js';
import { registerClusterCommand } from './cluster-command.js';
import { registerCertsCommand } from './certs-command.js';
import { registerSetupAppCommand } from './setup-app-command.js';
import { processConsole, type CliConsole } from './console.js';

export async function main(argv: string[], io: CliConsole = processConsole): Promise<number> {
  let exitCode = 0;
  const setExitCode = (code: number) => {
    exitCode = code;
  };
  const program = new Command('aero')
    .description('Aerolíneas Rústicas: a Cassandra-compatible database and a flight-control application')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
    .showHelpAfterError();
  registerNodeCommand(program, { io, setExitCode });
  registerNodetoolCommand(program, { io, setExitCode });
  registerSimCommand(program, { io, setExitCode });
  registerWebCommand(program, { io, setExitCode });
  registerStartCommand(program, { io, setExitCode });
  registerClusterCommand(program, { io, setExitCode });
  registerCertsCommand(program, { io, setExitCode });
  registerSetupAppCommand(program, { io, setExitCode });
  try {
    await program.parseAsync(nodetoolArgv(argv), { from: 'user' });
  } catch (error) {
    // Commander reports --help, --version and usage errors by throwing (exitOverride).
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return exitCode;
}
