// `aero sim`: the flight simulator. Interactive console on a terminal; flags for scripted use.

import type { Command } from 'commander';
import { openAppDatabase } from '../flights/app/bootstrap.js';
import { addDatabaseOptions, boundedNumber, databaseOptionsFrom, type DatabaseFlags } from '../flights/app/options.js';
import { addInitialFlights, createSimulator, listLines, runInteractiveConsole } from '../flights/app/run-simulator.js';
import { describeDatabaseError } from '../flights/model/database.js';
import { randomFlightsMax } from '../flights/model/schedule.js';
import { defaultSimulatorOptions, type SimulatorOptions } from '../flights/sim/simulator.js';
import { systemChance, systemClock, type AppLogger } from '../flights/model/world.js';
import type { CommandContext } from './console.js';

export interface SimulatorFlags {
  speedup?: string;
  tickMs?: string;
  trackingTtl?: string;
  concurrency?: string;
}

interface SimFlags extends DatabaseFlags, SimulatorFlags {
  add: string[];
  random?: string;
  list?: boolean;
  show?: string;
  once?: boolean;
  interactive: boolean;
  durationS?: string;
}

export function addSimulatorOptions(command: Command): Command {
  return command
    .option('--speedup <factor>', 'sim seconds per real second', String(defaultSimulatorOptions.speedup))
    .option('--tick-ms <ms>', 'real milliseconds between tracking samples', String(defaultSimulatorOptions.tickMs))
    .option('--tracking-ttl <seconds>', 'TTL of tracking samples', String(defaultSimulatorOptions.trackingTtlSeconds))
    .option('--concurrency <n>', 'database writes in flight at most', String(defaultSimulatorOptions.writeConcurrency));
}

export function simulatorOptionsFrom(flags: SimulatorFlags): SimulatorOptions {
  return {
    ...defaultSimulatorOptions,
    speedup: boundedNumber(flags.speedup, { name: '--speedup', fallback: defaultSimulatorOptions.speedup, min: 0.01, max: 10_000 }),
    tickMs: boundedNumber(flags.tickMs, { name: '--tick-ms', fallback: defaultSimulatorOptions.tickMs, min: 50, max: 60_000 }),
    trackingTtlSeconds: Math.round(boundedNumber(flags.trackingTtl, { name: '--tracking-ttl', fallback: defaultSimulatorOptions.trackingTtlSeconds, min: 1, max: 7 * 86_400 })),
    writeConcurrency: Math.round(boundedNumber(flags.concurrency, { name: '--concurrency', fallback: defaultSimulatorOptions.writeConcurrency, min: 1, max: 256 })),
  };
}

export function cliLogger(context: CommandContext): AppLogger & { sink: ((line: string) => void) | null } {
  const logger = {
    sink: null as ((line: string) => void) | null,
    info: (message: string) => (logger.sink ?? ((line: string) => context.io.err(`${line}\n`)))(message),
    warn: (message: string) => (logger.sink ?? ((line: string) => context.io.err(`${line}\n`)))(`warning: ${message}`),
  };
  return logger;
}

export function registerSimCommand(program: Command, context: CommandContext): void {
  const command = program
    .command('sim')
    .description('fly simulated flights, writing status and tracking to the database')
    .option('--add <flight>', 'schedule NUMBER,ORIGIN,DESTINATION,DEPARTURE,SPEED (departure: ISO, HH:MM or +MINUTES); repeatable', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--random <n>', 'add n random flights between real airports')
    .option('--list', 'print the flights')
    .option('--show <number>', 'print one flight')
    .option('--once', 'do --add/--random/--list/--show and exit without flying')
    .option('--no-interactive', 'no console even on a terminal')
    .option('--duration-s <seconds>', 'stop after this many seconds (default: until Ctrl-C)');
  addSimulatorOptions(command);
  addDatabaseOptions(command, { contactPoints: '127.0.0.1:9042' });
  command.action(async (flags: SimFlags) => context.setExitCode(await runSim(flags, context)));
}

async function runSim(flags: SimFlags, context: CommandContext): Promise<number> {
  const logger = cliLogger(context);
  let database;
  let options: SimulatorOptions;
  try {
    options = simulatorOptionsFrom(flags);
    const random = Math.round(boundedNumber(flags.random, { name: '--random', fallback: 0, min: 0, max: randomFlightsMax }));
    database = await openAppDatabase(databaseOptionsFrom(flags, process.env), { clock: systemClock, logger, progressStream: process.stderr });
    const simulator = await createSimulator(database, { clock: systemClock, chance: systemChance, logger, options });
    for (const line of await addInitialFlights(simulator, { add: flags.add, random })) context.io.out(`${line}\n`);
    if (flags.list === true || flags.show !== undefined) context.io.out(`${listLines(simulator, flags.show).join('\n')}\n`);
    if (flags.once === true) return 0;
    await fly(simulator, { flags, context, logger, speedup: options.speedup });
    return 0;
  } catch (error) {
    context.io.err(`aero sim: ${describeDatabaseError(error)}\n`);
    return 1;
  } finally {
    await database?.close();
  }
}

async function fly(simulator: Awaited<ReturnType<typeof createSimulator>>, run: { flags: SimFlags; context: CommandContext; logger: ReturnType<typeof cliLogger>; speedup: number }): Promise<void> {
  simulator.start();
  const stopSignals = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const waits: Promise<void>[] = [stopSignals];
  const durationS = run.flags.durationS === undefined ? undefined : boundedNumber(run.flags.durationS, { name: '--duration-s', fallback: 0, min: 1, max: 30 * 86_400 });
  if (durationS !== undefined) waits.push(systemClock.sleep(durationS * 1000));
  let prompt: ReturnType<typeof runInteractiveConsole> | null = null;
  if (run.flags.interactive && process.stdin.isTTY === true) {
    prompt = runInteractiveConsole(simulator, { input: process.stdin, output: process.stdout });
    run.logger.sink = prompt.print;
    waits.push(prompt.done);
  } else {
    run.context.io.out(`simulating ${simulator.list().length} flights at ${run.speedup}x speed-up; Ctrl-C stops\n`);
  }
  await Promise.race(waits);
  prompt?.close();
  run.logger.sink = null;
  await simulator.stop();
  run.context.io.out('simulator stopped\n');
}
