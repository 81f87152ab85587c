// The side panel: an airport's departures and arrivals for a date with a form to add a flight,
// and a flight's status and tracking with the status changes it allows.

import { addFlight, changeStatus, fetchBoard, fetchFlight, type AirportInfo, type FlightDetail, type FlightRow } from './api.js';
import { byId, dateTimeUtc, h, statusBadge, statusLabel, timeUtc } from './dom.js';
import { flightProgress, formatDuration } from '../model/progress.js';
import type { StatusChange } from '../model/flight.js';

export interface PanelHooks {
  simNowMs(): number;
  airport(iata: string): AirportInfo | undefined;
  selectFlight(flightNumber: string, date: string): void;
  showFlightLines(flightNumber: string | null, detail: FlightDetail | null, fit: boolean): void;
  airportShown(iata: string | null): void;
  /** The board's date changed (the address keeps it). */
  dateChanged(): void;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

function show(view: 'welcome' | 'airport-view' | 'flight-view'): void {
  for (const id of ['welcome', 'airport-view', 'flight-view']) byId(id).hidden = id !== view;
}

/** A board row's expected time: actual when it happened, else estimated from a delay or the actual departure, else scheduled. */
export function expectedTimes(row: FlightRow): { departure: number; arrival: number } {
  const duration = row.arrivalAtMs - row.departureAtMs;
  const departure = row.actualDepartureAtMs ?? row.estimatedDepartureAtMs ?? row.departureAtMs;
  return { departure, arrival: row.actualArrivalAtMs ?? departure + duration };
}

function flightTable(rows: FlightRow[], kind: 'departures' | 'arrivals', hooks: PanelHooks): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, `No ${kind}.`);
  const body = h('tbody');
  const sorted = [...rows].sort((a, b) => (kind === 'departures' ? a.departureAtMs - b.departureAtMs : a.arrivalAtMs - b.arrivalAtMs) || a.flightNumber.localeCompare(b.flightNumber));
  for (const row of sorted) {
    const scheduled = kind === 'departures' ? row.departureAtMs : row.arrivalAtMs;
    const times = expectedTimes(row);
    const expected = row.status === 'cancelled' ? null : kind === 'departures' ? times.departure : times.arrival;
    const late = expected !== null && expected - scheduled >= 5 * 60_000;
    const tr = h('tr', { 'data-flight': row.flightNumber, 'data-status': row.status ?? '' },
      h('td', {}, timeUtc(scheduled)),
      h('td', { class: late ? 'late' : '' }, expected === null ? '—' : timeUtc(expected)),
      h('td', {}, row.flightNumber),
      h('td', {}, kind === 'departures' ? row.destination : row.origin),
      h('td', {}, row.gate ?? ''),
      h('td', {}, statusBadge(row.status)));
    tr.addEventListener('click', () => hooks.selectFlight(row.flightNumber, row.date));
    body.append(tr);
  }
  const heads = ['Sched', kind === 'departures' ? 'Est. dep' : 'Est. arr', 'Flight', kind === 'departures' ? 'To' : 'From', 'Gate', 'Status'];
  return h('table', { id: `${kind}-table` }, h('thead', {}, h('tr', {}, ...heads.map((text) => h('th', {}, text)))), body);
}

/** Each status the flight has had, with the sim time, who set it and why. */
function historyTable(history: StatusChange[]): HTMLElement {
  if (history.length === 0) return h('p', { class: 'empty', id: 'status-history' }, 'No status changes recorded.');
  const rows = history.map((change) => h('tr', { 'data-status': change.status },
    h('td', {}, dateTimeUtc(change.changedAtMs).replace(' UTC', '')), h('td', {}, h('span', { class: `status-chip status-${change.status}` }, statusLabel(change.status))), h('td', {}, change.source), h('td', {}, change.note)));
  return h('table', { id: 'status-history' },
    h('thead', {}, h('tr', {}, ...['Time (UTC)', 'Status', 'By', 'Note'].map((text) => h('th', {}, text)))), h('tbody', {}, ...rows));
}

export class Panel {
  private airportIata: string | null = null;
  private airportDate = '';
  private flight: { flightNumber: string; date: string } | null = null;
  /**
   * The result of the last status change of the shown flight, kept across the periodic
   * re-render (which used to wipe an error within a tick and showed nothing on success).
   */
  private statusNote: { flight: string; className: 'ok' | 'error' | ''; text: string } | null = null;
  /**
   * What the user typed in the delay field of the shown flight. The periodic re-render rebuilds
   * the field; without this it reset to 30 under the user's cursor (and a click just after a
   * refresh sent 30 instead of what was typed).
   */
  private delayDraft: { flight: string; value: string } | null = null;
  private refreshing = false;
  private boardLoading = false;
  private boardTicket = 0;

  constructor(private readonly hooks: PanelHooks) {}

  async showAirport(iata: string, date?: string): Promise<void> {
    this.flight = null;
    this.hooks.showFlightLines(null, null, false);
    this.airportIata = iata;
    this.airportDate = date ?? new Date(this.hooks.simNowMs()).toISOString().slice(0, 10);
    this.hooks.airportShown(iata);
    show('airport-view');
    await this.renderAirport();
  }

  private async renderAirport(): Promise<void> {
    const iata = this.airportIata;
    if (iata === null) return;
    const view = byId('airport-view');
    const airport = this.hooks.airport(iata);
    const dateInput = h('input', { type: 'date', id: 'board-date', value: this.airportDate });
    dateInput.addEventListener('change', () => {
      // A cleared or half-typed date is not a board to load.
      if (!/^\d{4}-\d{2}-\d{2}$/.test(dateInput.value)) return;
      this.airportDate = dateInput.value;
      this.hooks.dateChanged();
      void this.refreshBoard(true);
    });
    view.replaceChildren(
      h('h2', {}, `${iata} — ${airport?.name ?? ''}`),
      h('p', {}, `${airport?.city ?? ''}, ${airport?.country ?? ''}`),
      h('label', {}, 'Date (UTC) ', dateInput),
      h('div', { id: 'board' }, h('p', {}, 'Loading…')),
      this.addFlightForm(iata),
    );
    await this.refreshBoard(true);
  }

  /** Reads the board again (every tick while it is shown): statuses, delays and new flights appear live. */
  async refreshBoard(loading = false): Promise<void> {
    const iata = this.airportIata;
    const date = this.airportDate;
    // A periodic refresh waits for the last one; a new airport or date goes ahead, and only the newest answer is shown.
    if (iata === null || this.flight !== null || (this.boardLoading && !loading)) return;
    this.boardLoading = true;
    const ticket = ++this.boardTicket;
    try {
      const result = await fetchBoard(iata, date);
      if (ticket !== this.boardTicket || iata !== this.airportIata || date !== this.airportDate || this.flight !== null) return;
      byId('board').replaceChildren(
        h('h3', {}, `Departures (${result.departures.length})`), flightTable(result.departures, 'departures', this.hooks),
        h('h3', {}, `Arrivals (${result.arrivals.length})`), flightTable(result.arrivals, 'arrivals', this.hooks),
        h('p', { class: 'count', id: 'board-updated' }, `Updated ${timeUtc(this.hooks.simNowMs())} UTC (sim time)`),
      );
    } catch (error) {
      if (ticket !== this.boardTicket) return;
      if (loading || byId('board').querySelector('table') === null) byId('board').replaceChildren(h('p', { class: 'error' }, `Could not load flights: ${errorText(error)}`));
      else byId('board-updated').textContent = `Not refreshed: ${errorText(error)}`;
    } finally {
      if (ticket === this.boardTicket) this.boardLoading = false;
    }
  }

  private addFlightForm(origin: string): HTMLElement {
    const departure = new Date(this.hooks.simNowMs() + 30 * 60_000).toISOString().slice(0, 16);
    const message = h('p', { id: 'add-flight-message' });
    const form = h('form', { class: 'add-flight', id: 'add-flight' },
      h('label', {}, 'Destination', h('input', { name: 'destination', required: '', maxlength: '3', placeholder: 'BCN', autocomplete: 'off' })),
      h('label', {}, 'Flight number', h('input', { name: 'flightNumber', maxlength: '8', placeholder: 'auto' })),
      h('label', {}, 'Departure (UTC)', h('input', { name: 'departure', type: 'datetime-local', required: '', value: departure })),
      h('label', {}, 'Speed (km/h)', h('input', { name: 'speed', type: 'number', min: '200', max: '1200', value: '850', required: '' })),
      h('button', { type: 'submit' }, `Add flight from ${origin}`),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const field = (name: string) => String(data.get(name) ?? '').trim();
      message.className = '';
      message.textContent = 'Adding…';
      addFlight({
        flightNumber: field('flightNumber').toUpperCase(), origin, destination: field('destination').toUpperCase(),
        departureAt: `${field('departure')}:00Z`, speedKmh: Number(field('speed')),
      }).then(async ({ flight }) => {
        await this.refreshBoard(true);
        const note = byId('add-flight-message');
        note.className = 'ok';
        note.textContent = `Added ${flight.flightNumber} to ${flight.destination}, departing ${dateTimeUtc(flight.departureAtMs)}.`;
      }, (error: unknown) => {
        message.className = 'error';
        message.textContent = `Not added: ${errorText(error)}`;
      });
    });
    return h('div', {}, h('h3', {}, 'Add a flight'), form, message);
  }

  /** Shows a flight; `fit` zooms the map to its route once loaded (not when a link gave the view). */
  async showFlight(flightNumber: string, date: string, fit = true): Promise<void> {
    this.flight = { flightNumber, date };
    this.hooks.airportShown(null);
    show('flight-view');
    byId('flight-view').replaceChildren(h('h2', {}, flightNumber), h('p', {}, 'Loading…'));
    await this.refreshFlight(fit);
  }

  /** Re-reads the selected flight (status, tracking, path); called periodically. */
  async refreshFlight(fit = false): Promise<void> {
    const key = this.flight;
    if (key === null || this.refreshing) return;
    this.refreshing = true;
    try {
      const detail = await fetchFlight(key.flightNumber, key.date);
      if (this.flight !== key) return;
      this.renderFlight(detail);
      this.hooks.showFlightLines(key.flightNumber, detail, fit);
    } catch (error) {
      if (this.flight === key) byId('flight-view').replaceChildren(h('h2', {}, key.flightNumber), h('p', { class: 'error' }, `Could not load the flight: ${errorText(error)}`));
    } finally {
      this.refreshing = false;
    }
  }

  private renderFlight(detail: FlightDetail): void {
    const s = detail.status;
    const t = detail.latest;
    const origin = this.hooks.airport(s.origin);
    const destination = this.hooks.airport(s.destination);
    const place = (iata: string, airport: AirportInfo | undefined) => (airport === undefined ? iata : `${iata} — ${airport.name}, ${airport.city}`);
    const facts: [string, string][] = [
      ['From', place(s.origin, origin)], ['To', place(s.destination, destination)], ['Date', s.date], ['Gate', s.gate ?? '—'],
      ['Departure', dateTimeUtc(s.departureAtMs)], ['Arrival', dateTimeUtc(s.arrivalAtMs)],
      ...(s.estimatedDepartureAtMs === null ? [] : [['Estimated dep.', dateTimeUtc(s.estimatedDepartureAtMs)] as [string, string]]),
      ...(s.actualDepartureAtMs === null ? [] : [['Departed', dateTimeUtc(s.actualDepartureAtMs)] as [string, string]]),
      ...(s.actualArrivalAtMs === null ? [] : [['Landed', dateTimeUtc(s.actualArrivalAtMs)] as [string, string]]),
      ['Cruise speed', `${s.speedKmh} km/h`],
    ];
    const tracking: [string, string][] = t === null ? [] : [
      ['Phase', t.phase.replace('_', ' ')], ['Position', `${t.latitude.toFixed(3)}, ${t.longitude.toFixed(3)}`],
      ['Altitude', `${t.altitudeFt.toLocaleString('en')} ft`], ['Ground speed', `${t.groundSpeedKmh} km/h`],
      ['Vertical rate', `${t.verticalRateFpm} ft/min`], ['Heading', `${t.headingDeg}°`], ['Fuel', `${t.fuelKg.toLocaleString('en')} kg`],
      ['Updated', dateTimeUtc(t.recordedAtMs)],
    ];
    const list = (rows: [string, string][]) => h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    const typing = document.activeElement instanceof HTMLInputElement && document.activeElement.id === 'delay-minutes'
      ? { start: document.activeElement.selectionStart, end: document.activeElement.selectionEnd } : null;
    byId('flight-view').replaceChildren(
      h('h2', {}, `${s.flightNumber} `, statusBadge(s.status)),
      h('p', { class: 'route-line' }, `${origin?.city ?? s.origin} → ${destination?.city ?? s.destination}`),
      this.progress(detail, origin, destination),
      list(facts),
      h('h3', {}, 'Tracking'),
      t === null ? h('p', {}, 'No tracking yet (the flight has not left the gate, or its samples expired).') : list(tracking),
      h('h3', {}, 'Change status'),
      this.transitions(detail),
      this.statusMessage(s.flightNumber, s.date),
      h('h3', {}, 'Status history'),
      historyTable(detail.history),
    );
    const delay = document.getElementById('delay-minutes');
    if (typing !== null && delay instanceof HTMLInputElement) {
      delay.focus();
      // Number inputs do not support selection ranges; text-like ones do.
      try { delay.setSelectionRange(typing.start, typing.end); } catch { /* not a text field */ }
    }
  }

  /** Distance flown and to go, a progress bar, time remaining and the ETA. */
  private progress(detail: FlightDetail, origin: AirportInfo | undefined, destination: AirportInfo | undefined): HTMLElement {
    if (origin === undefined || destination === undefined) return h('p', { class: 'count' }, 'Airports not loaded: no progress to show.');
    const t = detail.latest;
    const p = flightProgress({ status: detail.status, origin, destination, position: t === null ? null : t, nowMs: this.hooks.simNowMs() });
    const km = (value: number) => `${Math.round(value).toLocaleString('en')} km`;
    const percent = Math.round(p.fraction * 100);
    return h('div', { id: 'flight-progress' },
      h('div', { class: 'progress-ends' }, h('span', {}, detail.status.origin), h('span', { id: 'progress-percent' }, `${percent} %`), h('span', {}, detail.status.destination)),
      h('progress', { max: '100', value: String(percent), 'aria-label': 'progress' }),
      h('dl', {},
        h('dt', {}, 'Flown'), h('dd', { id: 'progress-flown' }, `${km(p.flownKm)} of ${km(p.totalKm)}`),
        h('dt', {}, 'Remaining'), h('dd', { id: 'progress-remaining' }, km(p.remainingKm)),
        h('dt', {}, 'Time remaining'), h('dd', { id: 'progress-time' }, p.remainingMs === null ? '—' : formatDuration(p.remainingMs)),
        h('dt', {}, detail.status.actualArrivalAtMs === null ? 'ETA' : 'Arrived'), h('dd', { id: 'progress-eta' }, p.etaMs === null ? 'cancelled' : dateTimeUtc(p.etaMs))));
  }

  private statusMessage(flightNumber: string, date: string): HTMLElement {
    const note = this.statusNote?.flight === `${flightNumber}/${date}` ? this.statusNote : null;
    return h('p', { id: 'status-message', class: note?.className ?? '', role: 'status' }, note?.text ?? '');
  }

  private noteStatus(key: string, className: 'ok' | 'error' | '', text: string): void {
    this.statusNote = { flight: key, className, text };
    const element = document.getElementById('status-message');
    if (element !== null) {
      element.className = className;
      element.textContent = text;
    }
  }

  private transitions(detail: FlightDetail): HTMLElement {
    const s = detail.status;
    if (detail.allowed.length === 0) return h('p', {}, `Status '${statusLabel(s.status)}' follows the aircraft now; it cannot be changed by hand.`);
    const key = `${s.flightNumber}/${s.date}`;
    const draft = this.delayDraft?.flight === key ? this.delayDraft.value : '30';
    const delay = h('input', { type: 'number', id: 'delay-minutes', min: '1', max: '1440', value: draft, style: 'width:5em' });
    delay.addEventListener('input', () => { this.delayDraft = { flight: key, value: delay.value }; });
    const buttons = detail.allowed.map((status) => {
      const button = h('button', { type: 'button', 'data-status': status }, `Mark ${statusLabel(status)}`);
      button.addEventListener('click', () => {
        this.noteStatus(key, '', 'Saving…');
        changeStatus(s.flightNumber, s.date, status === 'delayed' ? { status, delayMinutes: Number(delay.value) } : { status })
          .then((view) => {
            const eta = view.status.estimatedDepartureAtMs;
            const when = status === 'delayed' && eta !== null ? `, new departure ${dateTimeUtc(eta)}` : '';
            this.noteStatus(key, 'ok', `Marked ${statusLabel(status)}${when}.`);
            return this.refreshFlight();
          }, (error: unknown) => this.noteStatus(key, 'error', `Not changed: ${errorText(error)}`));
      });
      return button;
    });
    const delayed = detail.allowed.includes('delayed') ? h('label', {}, ' delay (min) ', delay) : null;
    return h('div', { class: 'transitions' }, ...buttons, delayed);
  }

  /** Periodic refresh of whatever is shown. */
  async tick(): Promise<void> {
    if (this.flight !== null) await this.refreshFlight();
    else if (this.airportIata !== null && !byId('airport-view').hidden) await this.refreshBoard();
  }

  currentAirport(): string | null {
    return this.flight === null ? this.airportIata : null;
  }

  /** The board's date while an airport is shown. */
  currentDate(): string | null {
    return this.flight === null && this.airportIata !== null ? this.airportDate : null;
  }

  currentFlight(): { flightNumber: string; date: string } | null {
    return this.flight;
  }

  /** Back to the welcome text: no airport, no flight. */
  clear(): void {
    this.flight = null;
    this.airportIata = null;
    this.boardTicket++;
    this.hooks.showFlightLines(null, null, false);
    this.hooks.airportShown(null);
    show('welcome');
  }
}
