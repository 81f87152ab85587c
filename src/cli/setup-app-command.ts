// `aero setup-app`: prepares a running database that requires logins (PasswordAuthenticator,
// CassandraAuthorizer) for the flight app, as `aero start` does for its local database: the
// administrator role, system_auth replicated, the flights schema, the role flights_app, and
// the default superuser dropped (./cluster/app-security.ts). Passwords go to DIR/credentials.
// Idempotent: a second run logs in as the administrator and finds everything in place. The
// Docker setup (docker-compose.yml) runs it once the nodes are up.

import type { Command } from 'commander';
import { addDatabaseOptions, boundedNumber, databaseOptionsFrom, type DatabaseFlags } from '../flights/app/options.js';
import { describeDatabaseError } from '../flights/model/database.js';
import { secureAppDatabase } from './cluster/app-security.js';
import type { CommandContext } from './console.js';

interface SetupAppFlags extends DatabaseFlags {
  dir: string;
  authReplicationFactor?: string;
}

export function registerSetupAppCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('setup-app')
    .description('create the flight app\'s roles and schema on a database that requires logins (passwords in DIR/credentials)')
    .requiredOption('--dir <dir>', 'directory for credentials/admin and credentials/flights_app (0600)')
    .option('--auth-replication-factor <n>', 'replication factor of system_auth (default: --replication-factor)');
  addDatabaseOptions(command, { contactPoints: '127.0.0.1:9042', replicationFactorNote: 'default 1' });
  command.addHelpText('after', [
    '',
    'The first run logs in as the default superuser cassandra/cassandra and drops it at the end; later runs log in as',
    'admin with the password in DIR/credentials/admin. --username and --password are not used.',
  ].join('\n'));
  command.action(async (flags: SetupAppFlags) => context.setExitCode(await runSetupApp(flags, context)));
}

async function runSetupApp(flags: SetupAppFlags, context: CommandContext): Promise<number> {
  try {
    const options = databaseOptionsFrom(flags);
    const factor = Math.round(boundedNumber(flags.authReplicationFactor, { name: '--auth-replication-factor', fallback: options.replication.replicationFactor, min: 1, max: 100 }));
    const app = await secureAppDatabase(options, { directory: flags.dir, authReplicationFactor: factor, io: context.io });
    context.io.out(`the database is ready for the flight app: role ${app.role}, password in ${app.file}\n`);
    return 0;
  } catch (error) {
    context.io.err(`aero setup-app: ${describeDatabaseError(error)}\n`);
    return 1;
  }
}
