// What /api/search answers, ranked as a user expects: the airport whose code or city is what was
// typed comes before one that merely mentions it ("Madrid" gives MAD, Madrid-Barajas, before CLQ,
// Colima's "Licenciado Miguel de la Madrid Airport"), and a flight whose number was typed in
// full is found on every date it flies, nearest the simulated day first. Pure: the API reads the
// database and the feed, these functions only order what they found.

import type { Airport, FlightPlan } from '../model/flight.js';
import { airportWeight } from '../model/hubs.js';

/** Upper case without accents, so that "zurich" finds Zürich and "sao paulo" São Paulo. */
export function searchFold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toUpperCase();
}

/**
 * How well an airport matches the folded query: 0 its code, 1 its city, 2 a code, city or name
 * that starts with it, 3 a word of the name that starts with it, 4 the name containing it;
 * null when it does not match at all.
 */
export function airportMatchTier(airport: Airport, query: string): number | null {
  const city = searchFold(airport.city);
  const name = searchFold(airport.name);
  if (airport.iata === query) return 0;
  if (city === query) return 1;
  if (airport.iata.startsWith(query) || city.startsWith(query) || name.startsWith(query)) return 2;
  const at = name.indexOf(query);
  if (at < 0) return null;
  // A word starts there when what precedes it is not a letter or digit ("Madrid–Barajas", "de la Madrid").
  return /[\p{L}\p{N}]/u.test(name[at - 1] ?? ' ') ? 4 : 3;
}

const sizeOrder: Readonly<Record<string, number>> = { large_airport: 0, medium_airport: 1, small_airport: 2 };

/**
 * The airports that match `query` (already folded and trimmed), best first: by tier, then the
 * busier first (a ranked hub by its rank, as the schedule weighs them: "London" gives LHR before
 * LGW), then large before medium before small, then by name; at most `resultsMax`.
 */
export function rankAirports(airports: Iterable<Airport>, query: string, resultsMax: number): Airport[] {
  if (query.length === 0) return [];
  const matched: { airport: Airport; tier: number; weight: number }[] = [];
  for (const airport of airports) {
    const tier = airportMatchTier(airport, query);
    if (tier !== null) matched.push({ airport, tier, weight: airportWeight(airport) });
  }
  matched.sort((a, b) => a.tier - b.tier
    || b.weight - a.weight
    || (sizeOrder[a.airport.type] ?? 3) - (sizeOrder[b.airport.type] ?? 3)
    || (a.airport.name < b.airport.name ? -1 : a.airport.name > b.airport.name ? 1 : 0));
  return matched.slice(0, resultsMax).map((entry) => entry.airport);
}

/**
 * The flights to show for `query` (folded): those whose number is the query, on every date found,
 * the date nearest `today` first; then the other numbers that start with it, by number and date.
 * A flight found both ways is listed once; at most `resultsMax`.
 */
export function rankFlights(found: { exact: readonly FlightPlan[]; prefix: readonly FlightPlan[] }, options: { query: string; today: string; resultsMax: number }): FlightPlan[] {
  const dayDistance = (date: string) => Math.abs(Date.parse(`${date}T00:00:00Z`) - Date.parse(`${options.today}T00:00:00Z`));
  const exact = [...found.exact, ...found.prefix.filter((plan) => plan.flightNumber === options.query)]
    .sort((a, b) => dayDistance(a.date) - dayDistance(b.date) || (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
  const others = found.prefix.filter((plan) => plan.flightNumber !== options.query && plan.flightNumber.startsWith(options.query))
    .sort((a, b) => (a.flightNumber < b.flightNumber ? -1 : a.flightNumber > b.flightNumber ? 1 : 0) || (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const seen = new Set<string>();
  const ranked: FlightPlan[] = [];
  for (const plan of [...exact, ...others]) {
    const key = `${plan.flightNumber}/${plan.date}`;
    if (seen.has(key)) continue;
    seen.add(key);
    ranked.push(plan);
    if (ranked.length >= options.resultsMax) break;
  }
  return ranked;
}
