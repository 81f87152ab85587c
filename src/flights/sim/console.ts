// The simulator's console commands, independent of readline so they can be tested: a line in,
// text out. Also used for the non-interactive flags (--add, --list, --show).

import type { Simulator, SimulatedFlight } from './simulator.js';
import { FlightInputError, type NewFlight } from '../model/schedule.js';

export const consoleLineCharactersMax = 500;
export const listedFlightsMax = 200;

export const consoleHelp = [
  'commands:',
  '  add <number> <origin> <destination> <departure> <speed-kmh>   schedule a flight',
  '      departure: ISO time (2026-05-01T10:30Z), HH:MM (UTC, today in sim time) or +MINUTES',
  '  random <n>            add n random flights between real airports',
  '  list                  flights the simulator flies',
  '  show <number>         one flight in detail',
  '  stats                 counters',
  '  help                  this text',
  '  quit                  stop the simulator',
].join('\n');

/** Parses a departure as ISO, HH:MM on the sim day, or +minutes from sim now. */
export function parseDeparture(text: string, simNowMs: number): number {
  const relative = /^\+(\d{1,5})$/.exec(text);
  if (relative !== null) return simNowMs + Number(relative[1]) * 60_000;
  const clock = /^(\d{1,2}):(\d{2})$/.exec(text);
  if (clock !== null) {
    const day = new Date(simNowMs).toISOString().slice(0, 10);
    const hours = Number(clock[1]);
    const minutes = Number(clock[2]);
    if (hours > 23 || minutes > 59) throw new FlightInputError(`invalid time '${text}'`);
    return Date.parse(`${day}T${clock[1]?.padStart(2, '0') ?? '00'}:${clock[2] ?? '00'}:00Z`);
  }
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) throw new FlightInputError(`invalid departure '${text}' (ISO time, HH:MM or +MINUTES)`);
  return parsed;
}

/** 'AR1,MAD,BCN,+30,850', the --add flag's form (commas, since ISO times have colons). */
export function parseFlightSpec(spec: string, simNowMs: number): NewFlight {
  const fields = spec.split(',').map((field) => field.trim());
  if (fields.length !== 5) throw new FlightInputError(`flight '${spec}' must be NUMBER,ORIGIN,DESTINATION,DEPARTURE,SPEED`);
  const [flightNumber, origin, destination, departure, speed] = fields as [string, string, string, string, string];
  return { flightNumber, origin, destination, departureAtMs: parseDeparture(departure.trim(), simNowMs), speedKmh: Number(speed) };
}

const time = (ms: number) => new Date(ms).toISOString().slice(11, 16);

export function describeFlight(flight: SimulatedFlight): string {
  const p = flight.plan;
  const s = flight.state;
  return `${p.flightNumber.padEnd(7)} ${p.origin}->${p.destination} ${p.date} dep ${time(flight.profile.pushbackAtMs)} arr ${time(flight.profile.arrivedAtMs)} `
    + `${flight.status.padEnd(9)} ${s.phase.padEnd(8)} alt ${String(s.altitudeFt).padStart(5)} ft ${String(s.groundSpeedKmh).padStart(4)} km/h`;
}

export function describeFlightDetail(flight: SimulatedFlight): string {
  const s = flight.state;
  const p = flight.profile;
  return [
    describeFlight(flight),
    `  gate ${flight.gate ?? '-'}  route ${Math.round(p.routeKm)} km  cruise ${Math.round(p.cruiseAltitudeFt)} ft at ${p.speedKmh} km/h`,
    `  position ${s.latitude.toFixed(4)}, ${s.longitude.toFixed(4)}  heading ${s.headingDeg} deg  vertical ${s.verticalRateFpm} ft/min  fuel ${s.fuelKg} kg`,
    `  take-off ${new Date(p.takeoffAtMs).toISOString()}  touchdown ${new Date(p.touchdownAtMs).toISOString()}`,
  ].join('\n');
}

export interface ConsoleResult {
  output: string;
  quit: boolean;
}

export async function runConsoleCommand(simulator: Simulator, line: string): Promise<ConsoleResult> {
  const words = line.slice(0, consoleLineCharactersMax).trim().split(/\s+/).filter((word) => word.length > 0);
  const [command = '', ...args] = words;
  try {
    switch (command.toLowerCase()) {
      case '': return { output: '', quit: false };
      case 'help': case '?': return { output: consoleHelp, quit: false };
      case 'quit': case 'exit': return { output: 'stopping', quit: true };
      case 'list': {
        const flights = simulator.list();
        const lines = flights.slice(0, listedFlightsMax).map(describeFlight);
        if (flights.length > listedFlightsMax) lines.push(`... and ${flights.length - listedFlightsMax} more`);
        return { output: lines.length === 0 ? 'no flights' : lines.join('\n'), quit: false };
      }
      case 'show': {
        const flight = simulator.find(args[0] ?? '');
        return { output: flight === undefined ? `no flight '${args[0] ?? ''}'` : describeFlightDetail(flight), quit: false };
      }
      case 'stats': {
        const stats = simulator.stats();
        return { output: `sim time ${new Date(simulator.simNowMs()).toISOString()}  flights ${stats.flights}  writes ${stats.writes}  failed ${stats.writeFailures}`, quit: false };
      }
      case 'random': {
        const count = Number(args[0] ?? '1');
        const added = await simulator.addRandomFlights(count, { fromOffsetMs: -2 * 3_600_000, toOffsetMs: 2 * 3_600_000 });
        return { output: `added ${added.length} flights:\n${added.map(describeFlight).join('\n')}`, quit: false };
      }
      case 'add': {
        if (args.length !== 5) throw new FlightInputError('usage: add <number> <origin> <destination> <departure> <speed-kmh>');
        const [flightNumber, origin, destination, departure, speed] = args as [string, string, string, string, string];
        const flight = await simulator.addFlight({ flightNumber, origin, destination, departureAtMs: parseDeparture(departure, simulator.simNowMs()), speedKmh: Number(speed) });
        return { output: `added ${describeFlight(flight)}`, quit: false };
      }
      default: return { output: `unknown command '${command}' (try help)`, quit: false };
    }
  } catch (error) {
    return { output: `error: ${error instanceof Error ? error.message : String(error)}`, quit: false };
  }
}
