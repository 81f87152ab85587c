// `aero web`: the live map's HTTP + WebSocket server.

import type { Command } from 'commander';
import { openAppDatabase } from '../flights/app/bootstrap.js';
import { addDatabaseOptions, boundedNumber, databaseOptionsFrom, type DatabaseFlags } from '../flights/app/options.js';
import { describeDatabaseError } from '../flights/model/database.js';
import { systemChance, systemClock } from '../flights/model/world.js';
import { startWebServer, type WebServerOptions } from '../flights/web/server.js';
import type { CommandContext } from './console.js';
import { cliLogger } from './sim-command.js';

export interface WebFlags {
  port?: string;
  host?: string;
  pollMs?: string;
  uiDir?: string;
}

export function addWebOptions(command: Command): Command {
  return command
    .option('--port <port>', 'HTTP port', '8080')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--poll-ms <ms>', 'how often the map reads positions', '1000')
    .option('--ui-dir <dir>', 'directory of the built browser app (default: dist/ui)');
}

export function webOptionsFrom(flags: WebFlags): WebServerOptions {
  return {
    host: flags.host ?? '127.0.0.1',
    port: Math.round(boundedNumber(flags.port, { name: '--port', fallback: 8080, min: 0, max: 65_535 })),
    pollMs: Math.round(boundedNumber(flags.pollMs, { name: '--poll-ms', fallback: 1_000, min: 100, max: 60_000 })),
    clockName: 'default',
    ...(flags.uiDir === undefined ? {} : { uiDir: flags.uiDir }),
  };
}

export function registerWebCommand(program: Command, context: CommandContext): void {
  const command = program.command('web').description('serve the live flight map (HTTP + WebSocket)');
  addWebOptions(command);
  addDatabaseOptions(command, { contactPoints: '127.0.0.1:9042' });
  command.action(async (flags: WebFlags & DatabaseFlags) => context.setExitCode(await runWeb(flags, context)));
}

async function runWeb(flags: WebFlags & DatabaseFlags, context: CommandContext): Promise<number> {
  const logger = cliLogger(context);
  let database;
  try {
    const options = webOptionsFrom(flags);
    database = await openAppDatabase(databaseOptionsFrom(flags, process.env), { clock: systemClock, logger, progressStream: process.stderr, connectAttempts: 10 });
    const server = await startWebServer(database, { clock: systemClock, chance: systemChance, logger, options });
    context.io.out(`map at ${server.url}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await server.close();
    return 0;
  } catch (error) {
    context.io.err(`aero web: ${describeDatabaseError(error)}\n`);
    return 1;
  } finally {
    await database?.close();
  }
}
