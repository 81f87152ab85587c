// The flight-control page: wires the map, the side panel, search and the live feed, and keeps
// a banner for whatever is wrong (server unreachable, database unavailable) so that a problem
// is shown in words instead of a blank or frozen page.

import './style.css';
import { connectFeed, fetchAirports, fetchClock, search, type AirportInfo, type FlightDetail, type PlaneInfo, type Snapshot } from './api.js';
import { createClusterPanel } from './cluster-panel.js';
import { byId, h, statusBadge } from './dom.js';
import { FlightsTable } from './flights-table.js';
import { FlightMap } from './map.js';
import { Panel } from './panel.js';

const problems = new Map<string, string>();

function setProblem(key: string, message: string | null): void {
  if (message === null) problems.delete(key);
  else problems.set(key, message);
  const banner = byId('banner');
  banner.hidden = problems.size === 0;
  banner.textContent = [...problems.values()].join(' · ');
}

window.addEventListener('error', (event) => setProblem('script', `Page error: ${event.message}`));
window.addEventListener('unhandledrejection', (event) => setProblem('script', `Page error: ${String((event.reason as Error | undefined)?.message ?? event.reason)}`));

const airports = new Map<string, AirportInfo>();
let simBase = { simNowMs: Date.now(), speedup: 1, atMs: performance.now() };
const simNowMs = () => simBase.simNowMs + (performance.now() - simBase.atMs) * simBase.speedup;

const map = new FlightMap(byId('map'), {
  onAirport: (iata) => selectAirport(iata),
  onPlane: (plane: PlaneInfo) => selectFlight(plane.flightNumber, plane.date),
});

/** The panel's tabs: the flights table, the details of the selected airport or flight, and the cluster (./cluster-panel.ts). */
type Pane = 'flights-pane' | 'details-pane' | 'cluster-pane';
const panes: readonly Pane[] = ['flights-pane', 'details-pane', 'cluster-pane'];
function showTab(pane: Pane): void {
  for (const tab of document.querySelectorAll<HTMLElement>('#panel-tabs [role="tab"]')) {
    const selected = tab.dataset['pane'] === pane;
    tab.setAttribute('aria-selected', String(selected));
    byId(tab.dataset['pane'] ?? '').hidden = !selected;
  }
  setCollapsed(false);
  if (pane === 'flights-pane') table.render();
}

function setCollapsed(collapsed: boolean): void {
  byId('panel').classList.toggle('collapsed', collapsed);
  byId('panel-toggle').setAttribute('aria-expanded', String(!collapsed));
  byId('panel-toggle').textContent = collapsed ? '▴' : '▾';
  map.map.invalidateSize();
}

const clusterPanel = createClusterPanel();

function selectFlight(flightNumber: string, date: string): void {
  clusterPanel.selectFlight(flightNumber, date);
  showTab('details-pane');
  void panel.showFlight(flightNumber, date);
}

function selectAirport(iata: string): void {
  setFollow(false);
  showTab('details-pane');
  void panel.showAirport(iata);
}

// Follow: the map stays centred on the selected plane while it flies, until the user drags the map.
let following = false;
function setFollow(on: boolean): void {
  following = on && map.selectedPlane() !== null;
  byId('follow').setAttribute('aria-pressed', String(following));
  byId('follow').textContent = following ? 'Following' : 'Follow';
  if (following) keepCentred();
}
function keepCentred(): void {
  const flight = map.selectedPlane();
  if (following && (flight === null || !map.centreOn(flight))) setFollow(false);
}

const table = new FlightsTable(byId('flights-pane'), (plane) => selectFlight(plane.flightNumber, plane.date));

const panel = new Panel({
  simNowMs,
  airport: (iata) => airports.get(iata),
  selectFlight: (flightNumber, date) => selectFlight(flightNumber, date),
  airportShown: (iata: string | null) => map.highlightAirport(iata === null ? null : airports.get(iata) ?? null),
  showFlightLines: (flightNumber: string | null, detail: FlightDetail | null, fit: boolean) => {
    map.showFlight(flightNumber, detail === null ? null : { route: detail.route, path: detail.path });
    table.select(flightNumber);
    byId('follow').hidden = flightNumber === null;
    if (flightNumber === null) setFollow(false);
    if (fit && detail !== null && !following) map.fitRoute(detail.route);
  },
});

/** The flight numbers of the last feed snapshot (for tests: which planes are on the map). */
let planeNumbers: string[] = [];

function onSnapshot(snapshot: Snapshot): void {
  planeNumbers = snapshot.planes.map((plane) => plane.flightNumber);
  simBase = { simNowMs: snapshot.simNowMs, speedup: snapshot.speedup, atMs: performance.now() };
  const reason = snapshot.error ?? 'database unavailable';
  setProblem('database', snapshot.healthy ? null : `${reason.charAt(0).toUpperCase()}${reason.slice(1)} — retrying`);
  map.updatePlanes(snapshot.planes);
  table.update(snapshot.planes);
  byId('plane-count').textContent = `${snapshot.planes.length} in the air`;
}

function setupSearch(): void {
  const input = byId<HTMLInputElement>('search');
  const results = byId<HTMLUListElement>('search-results');
  let pending = 0;
  const run = async () => {
    const q = input.value.trim();
    const ticket = ++pending;
    if (q.length === 0) { results.hidden = true; return; }
    try {
      const found = await search(q);
      if (ticket !== pending) return;
      const items = [
        ...found.flights.map((f) => {
          const li = h('li', { 'data-flight': f.flightNumber }, `✈ ${f.flightNumber} ${f.origin} → ${f.destination} (${f.date}) `, statusBadge(f.status));
          li.addEventListener('click', () => { results.hidden = true; selectFlight(f.flightNumber, f.date); });
          return li;
        }),
        ...found.airports.map((a) => {
          const li = h('li', { 'data-airport': a.iata }, `${a.iata} — ${a.name}, ${a.city} (${a.country})`);
          li.addEventListener('click', () => {
            results.hidden = true;
            const airport = airports.get(a.iata);
            selectAirport(a.iata);
            if (airport !== undefined) map.focusAirport(airport);
          });
          return li;
        }),
      ];
      results.replaceChildren(...(items.length > 0 ? items : [h('li', {}, 'Nothing found')]));
      results.hidden = false;
    } catch (error) {
      results.replaceChildren(h('li', { class: 'error' }, `Search failed: ${error instanceof Error ? error.message : String(error)}`));
      results.hidden = false;
    }
  };
  let timer = 0;
  input.addEventListener('input', () => { clearTimeout(timer); timer = window.setTimeout(() => void run(), 200); });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') { event.preventDefault(); (results.querySelector('li[data-flight], li[data-airport]') as HTMLElement | null)?.click(); }
    if (event.key === 'Escape') results.hidden = true;
  });
}

async function start(): Promise<void> {
  setupSearch();
  for (const tab of document.querySelectorAll<HTMLElement>('#panel-tabs [role="tab"]')) {
    tab.addEventListener('click', () => showTab(panes.find((pane) => pane === tab.dataset['pane']) ?? 'details-pane'));
  }
  byId('panel-toggle').addEventListener('click', () => setCollapsed(!byId('panel').classList.contains('collapsed')));
  byId('follow').addEventListener('click', () => setFollow(!following));
  map.map.on('dragstart', () => setFollow(false));
  document.addEventListener('keydown', (event) => {
    const target = event.target as HTMLElement | null;
    if (target !== null && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')) return;
    if (event.key === 'f' || event.key === 'F') setFollow(!following);
    if (event.key === 'Escape') setFollow(false);
  });
  setInterval(keepCentred, 250);
  byId<HTMLInputElement>('online-tiles').addEventListener('change', (event) => map.setOnlineTiles((event.target as HTMLInputElement).checked));
  map.loadBasemap().catch((error: unknown) => setProblem('basemap', `Basemap not loaded: ${String(error)}`));
  try {
    const clock = await fetchClock();
    simBase = { simNowMs: clock.simNowMs, speedup: clock.speedup, atMs: performance.now() };
    for (const airport of await fetchAirports()) airports.set(airport.iata, airport);
    map.setAirports([...airports.values()]);
    setProblem('airports', null);
  } catch (error) {
    setProblem('airports', `Airports not loaded: ${error instanceof Error ? error.message : String(error)} (reload to retry)`);
  }
  connectFeed({ onSnapshot, onConnection: (connected) => setProblem('server', connected ? null : 'Connection to the map server lost; reconnecting…') });
  setInterval(() => { byId('sim-clock').textContent = `${new Date(simNowMs()).toISOString().slice(0, 16).replace('T', ' ')} UTC`; }, 1000);
  setInterval(() => void panel.tick(), 3000);
  void clusterPanel.start();
}

// For tests and debugging: what the map shows, without reading the canvas.
Object.assign(window, {
  aero: {
    airportCount: () => map.shownAirportCount(),
    planeCount: () => map.planeCount(),
    planeNumbers: () => planeNumbers,
    planePosition: (flightNumber: string) => map.planePosition(flightNumber),
    planePoint: (flightNumber: string) => map.planePoint(flightNumber),
    selectAirport: (iata: string) => panel.showAirport(iata),
    selectedPlane: () => map.selectedPlane(),
    following: () => following,
    cluster: () => clusterPanel.shown(),
    map: map.map,
  },
});

void start();
