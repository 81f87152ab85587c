// Building and running the simulator for `aero sim` and `aero start`: options, the initial
// flights, and the interactive console on a terminal.

import { createInterface } from 'node:readline';
import type { AppDatabase } from './bootstrap.js';
import { parseFlightSpec, runConsoleCommand, describeFlight, describeFlightDetail, consoleHelp } from '../sim/console.js';
import { Simulator, type SimulatorOptions } from '../sim/simulator.js';
import type { AppLogger, Chance, WallClock } from '../model/world.js';
import { utcDate } from '../model/flight.js';
import { generateTimetable, timetableSeed } from '../model/timetable.js';

export interface InitialFlights {
  /** Flight specs NUMBER,ORIGIN,DESTINATION,DEPARTURE,SPEED. */
  add: string[];
  random: number;
}

export async function createSimulator(database: AppDatabase, world: { clock: WallClock; chance: Chance; logger: AppLogger; options: SimulatorOptions }): Promise<Simulator> {
  const simulator = new Simulator(database.store, { ...world, airports: database.airports });
  // Flights already in the database (a second start, or scheduled from the map) come first.
  await simulator.refresh();
  return simulator;
}

/** Adds the requested flights; returns lines to print. Bad specs are reported, not fatal. */
export async function addInitialFlights(simulator: Simulator, flights: InitialFlights): Promise<string[]> {
  const lines: string[] = [];
  for (const spec of flights.add) {
    try {
      lines.push(`added ${describeFlight(await simulator.addFlight(parseFlightSpec(spec, simulator.simNowMs())))}`);
    } catch (error) {
      lines.push(`could not add '${spec}': ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (flights.random > 0) {
    // Spread over the hours around now, so that some are already in the air at start.
    const added = await simulator.addRandomFlights(flights.random, { fromOffsetMs: -4 * 3_600_000, toOffsetMs: 2 * 3_600_000 });
    lines.push(`added ${added.length} random flights`);
  }
  return lines;
}

/**
 * The default schedule (model/timetable.ts): a daily timetable sized for `flightsInAir` flights
 * in the air, written for the tail of yesterday (flights still flying or arriving today) and
 * for today; the simulator writes tomorrow's in the background. A restart adds only what is
 * missing. Returns lines to print.
 */
export async function startTimetable(simulator: Simulator, options: { flightsInAir: number; airports: AppDatabase['airports'] }): Promise<string[]> {
  if (options.flightsInAir <= 0) return ['no timetable (--flights 0)'];
  const timetable = generateTimetable([...options.airports.values()], { flightsInAir: options.flightsInAir, seed: timetableSeed });
  simulator.followTimetable(timetable);
  const now = simulator.simNowMs();
  const today = utcDate(now);
  const yesterday = utcDate(now - 86_400_000);
  const lines = [`timetable: ${timetable.length} flights a day, about ${options.flightsInAir} in the air at once`];
  const fromYesterday = await simulator.scheduleDay(yesterday, { arrivingAfterMs: Date.parse(`${today}T00:00:00Z`) });
  lines.push(`added ${fromYesterday} flights for ${yesterday} (still flying or arriving today)`);
  lines.push(`added ${await simulator.scheduleDay(today)} flights for ${today}`);
  return lines;
}

export function listLines(simulator: Simulator, show: string | undefined): string[] {
  if (show !== undefined) {
    const flight = simulator.find(show);
    return [flight === undefined ? `no flight '${show}'` : describeFlightDetail(flight)];
  }
  const flights = simulator.list();
  return flights.length === 0 ? ['no flights'] : flights.map(describeFlight);
}

/** Reads commands from a terminal until quit or end of input; resolves then. */
export function runInteractiveConsole(simulator: Simulator, io: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream }): { done: Promise<void>; print: (line: string) => void; close: () => void } {
  const rl = createInterface({ input: io.input, output: io.output, prompt: 'sim> ', terminal: true, historySize: 100 });
  const print = (line: string) => {
    io.output.write(`\r\x1b[K${line}\n`);
    rl.prompt(true);
  };
  const done = new Promise<void>((resolve) => {
    let busy = Promise.resolve();
    rl.on('line', (line) => {
      busy = busy.then(async () => {
        const result = await runConsoleCommand(simulator, line);
        if (result.output !== '') io.output.write(`${result.output}\n`);
        if (result.quit) rl.close();
        else rl.prompt();
      });
    });
    rl.on('close', () => resolve());
  });
  io.output.write(`${consoleHelp}\n`);
  rl.prompt();
  return { done, print, close: () => rl.close() };
}
