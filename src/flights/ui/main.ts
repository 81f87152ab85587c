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
import { altitudeColor } from './plane-layer.js';
import { setupShortcuts } from './shortcuts.js';
import { parseViewState, selectionKey, writeViewState, type Tab, type ViewState } from './url-state.js';

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
const paneOfTab = (tab: Tab): Pane => `${tab}-pane`;
function currentTab(): Tab {
  const selected = document.querySelector<HTMLElement>('#panel-tabs [role="tab"][aria-selected="true"]')?.dataset['pane'];
  return selected === 'flights-pane' ? 'flights' : selected === 'cluster-pane' ? 'cluster' : 'details';
}
function showTab(pane: Pane, sync = true): void {
  for (const tab of document.querySelectorAll<HTMLElement>('#panel-tabs [role="tab"]')) {
    const selected = tab.dataset['pane'] === pane;
    tab.setAttribute('aria-selected', String(selected));
    byId(tab.dataset['pane'] ?? '').hidden = !selected;
  }
  setCollapsed(false);
  if (pane === 'flights-pane') table.render();
  if (sync) syncUrl();
}

function setCollapsed(collapsed: boolean): void {
  byId('panel').classList.toggle('collapsed', collapsed);
  byId('panel-toggle').setAttribute('aria-expanded', String(!collapsed));
  byId('panel-toggle').textContent = collapsed ? '▴' : '▾';
  map.map.invalidateSize();
}

const clusterPanel = createClusterPanel();

function selectFlight(flightNumber: string, date: string, fit = true): void {
  clusterPanel.selectFlight(flightNumber, date);
  showTab('details-pane', false);
  void panel.showFlight(flightNumber, date, fit);
  syncUrl();
}

function selectAirport(iata: string, date?: string): void {
  setFollow(false);
  showTab('details-pane', false);
  void panel.showAirport(iata, date);
  syncUrl();
}

/** Esc: no flight, no airport. */
function deselect(): void {
  setFollow(false);
  if (panel.currentFlight() === null && panel.currentAirport() === null) return;
  panel.clear();
  syncUrl();
}

// The address keeps what is shown (url-state.ts): a new selection is a new history entry,
// anything else replaces the current one. While a state from the address is being applied
// nothing is written back, nor before the address has been read at start (a map move then
// would overwrite a deep link).
let restoring = true;
function viewState(): ViewState {
  const flight = panel.currentFlight();
  const centre = map.map.getCenter();
  return {
    airport: panel.currentAirport(), flight: flight?.flightNumber ?? null, date: flight?.date ?? panel.currentDate(),
    view: { lat: centre.lat, lng: centre.lng, zoom: map.map.getZoom() }, tab: currentTab(),
  };
}
function syncUrl(): void {
  if (restoring) return;
  const state = viewState();
  writeViewState(state, selectionKey(state) === selectionKey(parseViewState(location.search)) ? 'replace' : 'push');
}
function applyState(state: ViewState): void {
  restoring = true;
  try {
    if (state.view !== null) map.map.setView([state.view.lat, state.view.lng], state.view.zoom, { animate: false });
    const shown = panel.currentFlight();
    if (state.flight !== null && state.date !== null) {
      if (shown?.flightNumber !== state.flight || shown.date !== state.date) selectFlight(state.flight, state.date, state.view === null);
    } else if (state.airport !== null) {
      if (panel.currentAirport() !== state.airport || (state.date !== null && panel.currentDate() !== state.date)) selectAirport(state.airport, state.date ?? undefined);
    } else {
      deselect();
    }
    if (state.tab !== null) showTab(paneOfTab(state.tab), false);
  } finally {
    restoring = false;
  }
}
let viewTimer = 0;
map.map.on('moveend', () => { clearTimeout(viewTimer); viewTimer = window.setTimeout(syncUrl, 400); });
window.addEventListener('popstate', () => applyState(parseViewState(location.search)));

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
  dateChanged: () => syncUrl(),
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
  setupShortcuts({ map: map.map, toggleFollow: () => setFollow(!following), deselect, showFlights: () => showTab('flights-pane') });
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
  applyState(parseViewState(location.search));
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
    planeColor: (flightNumber: string) => map.planeColor(flightNumber),
    altitudeColor,
    selectAirport: (iata: string) => panel.showAirport(iata),
    selectedPlane: () => map.selectedPlane(),
    following: () => following,
    cluster: () => clusterPanel.shown(),
    map: map.map,
  },
});

void start();
