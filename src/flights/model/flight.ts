// The flight-control domain: flights, their statuses and the transitions between them, and
// the tracking samples the simulator writes. Shared by the simulator, the web server and (as
// plain JSON) the browser.

export const flightStatuses = ['scheduled', 'boarding', 'departed', 'en_route', 'delayed', 'landed', 'cancelled'] as const;
export type FlightStatus = (typeof flightStatuses)[number];

/**
 * Which status may follow which. The simulator walks scheduled -> boarding -> departed ->
 * en_route -> landed; operators may delay or cancel a flight that has not left the gate.
 */
export const statusTransitions: Readonly<Record<FlightStatus, readonly FlightStatus[]>> = {
  scheduled: ['boarding', 'delayed', 'cancelled'],
  delayed: ['boarding', 'cancelled'],
  boarding: ['departed', 'delayed', 'cancelled'],
  departed: ['en_route'],
  en_route: ['landed'],
  landed: [],
  cancelled: [],
};

/**
 * What an operator may set by hand: boarding, delays and cancellations. Departing, flying and
 * landing follow the aircraft, so only the simulator writes them.
 */
export function operatorTransitions(from: FlightStatus): FlightStatus[] {
  return statusTransitions[from].filter((to) => to === 'boarding' || to === 'delayed' || to === 'cancelled');
}

export function isFlightStatus(value: unknown): value is FlightStatus {
  return typeof value === 'string' && (flightStatuses as readonly string[]).includes(value);
}

export function canTransition(from: FlightStatus, to: FlightStatus): boolean {
  return statusTransitions[from].includes(to);
}

/** Statuses after which the simulator no longer flies the flight. */
export function isTerminalStatus(status: FlightStatus): boolean {
  return status === 'landed' || status === 'cancelled';
}

export const flightPhases = ['parked', 'taxi_out', 'climb', 'cruise', 'descent', 'taxi_in', 'arrived'] as const;
export type FlightPhase = (typeof flightPhases)[number];

/** Flight numbers: an airline designator (2 or 3 letters/digits) and 1 to 4 digits. */
const flightNumberPattern = /^([A-Z]{3}|[A-Z0-9]{2})[0-9]{1,4}[A-Z]?$/;
export const flightNumberCharactersMax = 8;

export function isFlightNumber(value: string): boolean {
  return value.length <= flightNumberCharactersMax && flightNumberPattern.test(value);
}

export function isIataCode(value: string): boolean {
  return /^[A-Z0-9]{3}$/.test(value);
}

/** A date as the tables key it: UTC, 'YYYY-MM-DD'. */
export function utcDate(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(0, 10);
}

/** A calendar date that exists: 2026-02-31 is refused (Date.parse would roll it over to March). */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const atMs = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(atMs) && new Date(atMs).toISOString().slice(0, 10) === value;
}

/** A flight's schedule: what flights_by_origin, flights_by_destination and flight_status share. */
export interface FlightPlan {
  flightNumber: string;
  /** UTC departure date, part of the flight's identity. */
  date: string;
  origin: string;
  destination: string;
  departureAtMs: number;
  arrivalAtMs: number;
  /** Cruise ground speed the simulator flies at. */
  speedKmh: number;
}

export interface FlightStatusRecord {
  flightNumber: string;
  date: string;
  status: FlightStatus;
  gate: string | null;
  origin: string;
  destination: string;
  departureAtMs: number;
  arrivalAtMs: number;
  speedKmh: number;
  /** Set when a delay moves the departure; the simulator flies from here. */
  estimatedDepartureAtMs: number | null;
  actualDepartureAtMs: number | null;
  actualArrivalAtMs: number | null;
  updatedAtMs: number;
}

/** Who changed a status: the published schedule, the simulator (following the aircraft) or an operator. */
export const statusSources = ['schedule', 'simulator', 'operator'] as const;
export type StatusSource = (typeof statusSources)[number];

/** One entry of a flight's status history (flight_status_history). */
export interface StatusChange {
  /** Sim time of the change. */
  changedAtMs: number;
  status: FlightStatus;
  source: StatusSource;
  /** What else changed, e.g. the new departure time of a delay. */
  note: string;
}

/** How a flight is first stored: scheduled, or (for the timetable's past flights) where its clock has it. */
export interface InitialStatus {
  status: FlightStatus;
  estimatedDepartureAtMs: number | null;
  actualDepartureAtMs: number | null;
  actualArrivalAtMs: number | null;
  history: StatusChange[];
}

/** A flight's status as flight_status_by_date holds it. */
export type DayStatus = Pick<FlightStatusRecord, 'status' | 'gate' | 'estimatedDepartureAtMs' | 'actualDepartureAtMs' | 'actualArrivalAtMs'>;

/** A new flight: scheduled, as of `simNowMs`, by whoever added it. */
export function scheduledStatus(simNowMs: number, source: StatusSource): InitialStatus {
  return { status: 'scheduled', estimatedDepartureAtMs: null, actualDepartureAtMs: null, actualArrivalAtMs: null, history: [{ changedAtMs: simNowMs, status: 'scheduled', source, note: '' }] };
}

/** The airlines of the default schedule, by designator (flight numbers start with it). */
export const airlines: Readonly<Record<string, string>> = {
  AR: 'Aerolíneas Rústicas',
  AU: 'Austral Rústica',
  RU: 'Rutas Unidas',
  XR: 'Expreso Rústico',
  AE: 'Aero Estepa',
};

/** A flight number's airline designator ('AR' of AR1234, 'IBE' of IBE3456). */
export function airlineDesignator(flightNumber: string): string {
  return /^([A-Z]{3}(?=[0-9])|[A-Z0-9]{2})/.exec(flightNumber)?.[1] ?? '';
}

export interface TrackingSample {
  flightNumber: string;
  date: string;
  recordedAtMs: number;
  latitude: number;
  longitude: number;
  altitudeFt: number;
  groundSpeedKmh: number;
  verticalRateFpm: number;
  headingDeg: number;
  fuelKg: number;
  phase: FlightPhase;
}

export interface Airport {
  iata: string;
  name: string;
  city: string;
  country: string;
  latitude: number;
  longitude: number;
  /** 'large_airport' or 'medium_airport' (OurAirports' types). */
  type: string;
}
