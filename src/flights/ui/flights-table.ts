// The flights table: every plane the live feed knows, sortable by any column and filtered by
// flight number, status, airline, origin, destination and altitude band. A click on a row
// selects the flight. Rows are rebuilt from each snapshot (at most rowsMax of them), so the
// table moves with the map.

import { airlineDesignator, airlines } from '../model/flight.js';
import type { PlaneInfo } from './api.js';
import { byId, h, statusBadge, statusLabel } from './dom.js';

/** Rows drawn at once; the rest are counted ("300 of 10,000"): the filters narrow them down. */
export const rowsMax = 300;

type SortKey = 'flightNumber' | 'airline' | 'origin' | 'destination' | 'altitudeFt' | 'groundSpeedKmh' | 'status';

const columns: { key: SortKey; label: string; numeric?: boolean }[] = [
  { key: 'flightNumber', label: 'Flight' },
  { key: 'origin', label: 'From' },
  { key: 'destination', label: 'To' },
  { key: 'altitudeFt', label: 'Alt ft', numeric: true },
  { key: 'groundSpeedKmh', label: 'km/h', numeric: true },
  { key: 'status', label: 'Status' },
];

/** Altitude bands of the filter, in feet: [lowest, below]. */
export const altitudeBands: Readonly<Record<string, [number, number]>> = {
  ground: [-Infinity, 1_000],
  low: [1_000, 10_000],
  mid: [10_000, 30_000],
  high: [30_000, Infinity],
};

export interface TableFilter {
  text: string;
  status: string;
  airline: string;
  origin: string;
  destination: string;
  altitude: string;
}

export function matches(plane: PlaneInfo, filter: TableFilter): boolean {
  if (filter.text !== '' && !plane.flightNumber.includes(filter.text)) return false;
  if (filter.status !== '' && plane.status !== filter.status) return false;
  if (filter.airline !== '' && airlineDesignator(plane.flightNumber) !== filter.airline) return false;
  if (filter.origin !== '' && !plane.origin.startsWith(filter.origin)) return false;
  if (filter.destination !== '' && !plane.destination.startsWith(filter.destination)) return false;
  const band = altitudeBands[filter.altitude];
  if (band !== undefined && (plane.altitudeFt < band[0] || plane.altitudeFt >= band[1])) return false;
  return true;
}

function sortValue(plane: PlaneInfo, key: SortKey): string | number {
  return key === 'airline' ? airlineDesignator(plane.flightNumber) : plane[key];
}

export class FlightsTable {
  private planes: readonly PlaneInfo[] = [];
  private sort: { key: SortKey; descending: boolean } = { key: 'flightNumber', descending: false };
  private selected: string | null = null;
  private readonly body = h('tbody');
  private readonly heads = new Map<SortKey, HTMLElement>();
  private readonly airlineSelect: HTMLSelectElement;
  private readonly knownAirlines = new Set<string>();

  constructor(private readonly root: HTMLElement, private readonly onSelect: (plane: PlaneInfo) => void) {
    const field = (element: HTMLInputElement | HTMLSelectElement) => { element.addEventListener('input', () => this.render()); return element; };
    const options = (id: string, label: string, entries: [string, string][]) =>
      field(h('select', { id, 'aria-label': label }, h('option', { value: '' }, label), ...entries.map(([value, text]) => h('option', { value }, text))));
    this.airlineSelect = options('filter-airline', 'Any airline', []) as HTMLSelectElement;
    const filters = h('div', { class: 'filters' },
      field(h('input', { id: 'filter-text', type: 'search', placeholder: 'Flight no.', maxlength: '8', autocomplete: 'off', 'aria-label': 'flight number' })),
      options('filter-status', 'Any status', ['scheduled', 'boarding', 'delayed', 'departed', 'en_route', 'landed'].map((s) => [s, statusLabel(s)])),
      this.airlineSelect,
      field(h('input', { id: 'filter-origin', placeholder: 'From', maxlength: '3', autocomplete: 'off', 'aria-label': 'origin' })),
      field(h('input', { id: 'filter-destination', placeholder: 'To', maxlength: '3', autocomplete: 'off', 'aria-label': 'destination' })),
      options('filter-altitude', 'Any altitude', [['ground', 'Below 1,000 ft'], ['low', '1,000–10,000 ft'], ['mid', '10,000–30,000 ft'], ['high', 'Above 30,000 ft']]),
    );
    const headRow = h('tr', {});
    for (const column of columns) {
      const th = h('th', { 'data-sort': column.key, class: column.numeric === true ? 'num' : '', tabindex: '0' }, column.label);
      const toggle = () => {
        this.sort = { key: column.key, descending: this.sort.key === column.key ? !this.sort.descending : column.numeric === true };
        this.render();
      };
      th.addEventListener('click', toggle);
      th.addEventListener('keydown', (event) => { if (event.key === 'Enter') toggle(); });
      this.heads.set(column.key, th);
      headRow.append(th);
    }
    root.replaceChildren(filters, h('p', { id: 'flights-count', class: 'count' }), h('table', { id: 'flights-table' }, h('thead', {}, headRow), this.body));
  }

  filter(): TableFilter {
    const value = (id: string) => byId<HTMLInputElement>(id).value.trim().toUpperCase();
    return { text: value('filter-text'), status: byId<HTMLSelectElement>('filter-status').value, airline: byId<HTMLSelectElement>('filter-airline').value, origin: value('filter-origin'), destination: value('filter-destination'), altitude: byId<HTMLSelectElement>('filter-altitude').value };
  }

  update(planes: readonly PlaneInfo[]): void {
    this.planes = planes;
    for (const plane of planes) {
      const code = airlineDesignator(plane.flightNumber);
      if (code === '' || this.knownAirlines.has(code)) continue;
      this.knownAirlines.add(code);
      const options = [...this.knownAirlines].sort().map((c) => h('option', { value: c }, airlines[c] === undefined ? c : `${c} — ${airlines[c]}`));
      const current = this.airlineSelect.value;
      this.airlineSelect.replaceChildren(h('option', { value: '' }, 'Any airline'), ...options);
      this.airlineSelect.value = current;
    }
    this.render();
  }

  select(flightNumber: string | null): void {
    this.selected = flightNumber;
    for (const row of this.body.querySelectorAll<HTMLElement>('tr')) row.classList.toggle('selected', row.dataset['flight'] === flightNumber);
  }

  render(): void {
    if (this.root.hidden) return;
    const filter = this.filter();
    const { key, descending } = this.sort;
    const shown = this.planes.filter((plane) => matches(plane, filter)).sort((a, b) => {
      const x = sortValue(a, key);
      const y = sortValue(b, key);
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      return (descending ? -order : order) || a.flightNumber.localeCompare(b.flightNumber);
    });
    for (const [column, th] of this.heads) th.setAttribute('aria-sort', column === key ? (descending ? 'descending' : 'ascending') : 'none');
    const rows = shown.slice(0, rowsMax).map((plane) => {
      const tr = h('tr', { 'data-flight': plane.flightNumber, class: plane.flightNumber === this.selected ? 'selected' : '' },
        h('td', {}, plane.flightNumber), h('td', {}, plane.origin), h('td', {}, plane.destination),
        h('td', { class: 'num' }, Math.round(plane.altitudeFt).toLocaleString('en')), h('td', { class: 'num' }, String(Math.round(plane.groundSpeedKmh))),
        h('td', {}, statusBadge(plane.status)));
      tr.addEventListener('click', () => this.onSelect(plane));
      return tr;
    });
    this.body.replaceChildren(...rows);
    byId('flights-count').textContent = shown.length > rowsMax
      ? `${rowsMax} of ${shown.length.toLocaleString('en')} flights shown (of ${this.planes.length.toLocaleString('en')}); narrow them with the filters`
      : `${shown.length.toLocaleString('en')} of ${this.planes.length.toLocaleString('en')} flights`;
  }
}
