// The API's input schemas (zod): every route's params, query and body are parsed here before
// anything reads them, and a bad one becomes a FlightInputError (400) that names the field and
// the allowed range, without echoing more than a few characters of what was sent. Dates are
// checked against a window around the simulated now, which the schemas cannot know, by the
// functions at the end. The ranges are documented in contract.ts.

import { z } from 'zod';
import { flightNumberCharactersMax, flightStatuses, isFlightNumber, isIataCode, isIsoDate } from '../model/flight.js';
import { FlightInputError } from '../model/schedule.js';
import { speedKmhMax, speedKmhMin } from '../sim/physics.js';

/** A new flight may depart at most this many days before the simulated now ... */
export const departureDaysBeforeMax = 7;
/** ... and at most this many days after it. */
export const departureDaysAfterMax = 365;
/** Boards and flights are looked up within this many days either side of the simulated now. */
export const lookupDaysAroundMax = 400;
export const searchCharactersMax = 64;
export const delayMinutesMax = 24 * 60;
/** How much of a rejected value an error message repeats. */
const echoedCharactersMax = 24;
const dayMs = 86_400_000;

/** At most `echoedCharactersMax` characters of a value, for error messages. */
export function echo(value: string): string {
  return value.length <= echoedCharactersMax ? value : `${value.slice(0, echoedCharactersMax)}...`;
}

const text = (what: string, charactersMax: number) => z.string({ error: `must be ${what}` }).max(charactersMax, { error: `must be ${what}` });

const iataCode = text('a 3-letter IATA airport code', 3).transform((value) => value.toUpperCase()).refine(isIataCode, { error: 'must be a 3-letter IATA airport code' });
const flightNumber = text(`a flight number of 3 to ${flightNumberCharactersMax} characters (e.g. AR1234)`, flightNumberCharactersMax)
  .transform((value) => value.trim().toUpperCase())
  .refine(isFlightNumber, { error: `must be a flight number of 3 to ${flightNumberCharactersMax} characters (e.g. AR1234)` });
const calendarDate = text('a date YYYY-MM-DD that exists', 10).refine(isIsoDate, { error: 'must be a date YYYY-MM-DD that exists' });

/** ISO 8601 date and time with a zone (Z or +hh:mm): a time without one means a different instant in every browser. */
const zonedDateTimePattern = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const zonedDateTime = text('an ISO 8601 time with a zone, e.g. 2026-09-01T10:30:00Z', 40)
  .refine((value) => {
    const match = zonedDateTimePattern.exec(value);
    return match?.[1] !== undefined && isIsoDate(match[1]) && !Number.isNaN(Date.parse(value));
  }, { error: 'must be an ISO 8601 time with a zone, e.g. 2026-09-01T10:30:00Z' })
  .transform((value) => Date.parse(value));

export const airportParamsSchema = z.object({ iata: iataCode });
export const boardQuerySchema = z.strictObject({ date: calendarDate.optional() });
export const flightParamsSchema = z.object({ number: flightNumber, date: calendarDate });
export const searchQuerySchema = z.strictObject({ q: text(`text of at most ${searchCharactersMax} characters`, searchCharactersMax).optional() });

export const addFlightBodySchema = z.strictObject({
  /** Empty or absent: a random number is made up. */
  flightNumber: text(`a flight number of 3 to ${flightNumberCharactersMax} characters (e.g. AR1234), or empty`, 16)
    .transform((value) => value.trim().toUpperCase())
    .refine((value) => value === '' || isFlightNumber(value), { error: `must be a flight number of 3 to ${flightNumberCharactersMax} characters (e.g. AR1234), or empty` })
    .optional(),
  origin: iataCode,
  destination: iataCode,
  departureAt: zonedDateTime,
  speedKmh: z.number({ error: `must be a number from ${speedKmhMin} to ${speedKmhMax} (km/h)` })
    .min(speedKmhMin, { error: `must be ${speedKmhMin} to ${speedKmhMax} km/h` })
    .max(speedKmhMax, { error: `must be ${speedKmhMin} to ${speedKmhMax} km/h` }),
}, { error: 'must be a JSON object' });

export const statusChangeBodySchema = z.strictObject({
  status: z.enum(flightStatuses, { error: `must be one of ${flightStatuses.join(', ')}` }),
  delayMinutes: z.number({ error: `must be a whole number of minutes from 1 to ${delayMinutesMax}` })
    .int({ error: `must be a whole number of minutes from 1 to ${delayMinutesMax}` })
    .min(1, { error: `must be 1 to ${delayMinutesMax} minutes` })
    .max(delayMinutesMax, { error: `must be 1 to ${delayMinutesMax} minutes` })
    .optional(),
}, { error: 'must be a JSON object' });

/** `schema` applied to one part of a request (`where`: params, query, body); a FlightInputError naming the field otherwise. */
export function parseInput<Output>(schema: z.ZodType<Output>, value: unknown, where: 'params' | 'query' | 'body'): Output {
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new FlightInputError(`invalid ${where}`);
  if (issue.code === 'unrecognized_keys') {
    throw new FlightInputError(`unknown ${where === 'query' ? 'query parameter' : 'field'} '${echo(issue.keys[0] ?? '')}'`);
  }
  const field = issue.path.map(String).join('.');
  // ?q=a&q=b arrives as an array, which the schema refuses as "not text": say what is wrong.
  const given: unknown = where === 'query' && typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[field] : undefined;
  if (Array.isArray(given)) throw new FlightInputError(`${echo(field)}: given more than once`);
  throw new FlightInputError(`${field === '' ? where : echo(field)}: ${issue.message}`);
}

/** A date (YYYY-MM-DD) for a board or a flight must lie within `lookupDaysAroundMax` days of the simulated now. */
export function checkLookupDate(field: string, date: string, simNowMs: number): void {
  const atMs = Date.parse(`${date}T00:00:00Z`);
  if (Math.abs(atMs - simNowMs) > lookupDaysAroundMax * dayMs) {
    throw new FlightInputError(`${field}: must be within ${lookupDaysAroundMax} days of the simulated date ${new Date(simNowMs).toISOString().slice(0, 10)}`);
  }
}

/** A new flight departs from `departureDaysBeforeMax` days before to `departureDaysAfterMax` days after the simulated now. */
export function checkDeparture(departureAtMs: number, simNowMs: number): void {
  if (departureAtMs < simNowMs - departureDaysBeforeMax * dayMs || departureAtMs > simNowMs + departureDaysAfterMax * dayMs) {
    const now = new Date(simNowMs).toISOString().slice(0, 16);
    throw new FlightInputError(`departureAt: must be from ${departureDaysBeforeMax} days before to ${departureDaysAfterMax} days after the simulated now (${now}Z)`);
  }
}
