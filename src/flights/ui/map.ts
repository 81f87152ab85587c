// The Leaflet map: an offline Natural Earth basemap (optional online tiles), airports drawn
// on a canvas and sized by type and zoom, IATA labels where they fit, planes on their own
// canvas (plane-layer.ts) gliding between updates, and the selected flight's route and flown path;
// a scale bar and a legend (legend.ts).

import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import countriesUrl from 'world-atlas/countries-50m.json?url';
import type { AirportInfo, PlaneInfo } from './api.js';
import { createLegend } from './legend.js';
import { PlaneLayer } from './plane-layer.js';

const labelsMax = 250;

/** Makes consecutive longitudes continuous (no jump across the antimeridian). */
export function unwrap(points: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  let offset = 0;
  let previous: number | null = null;
  for (const [lat, lon] of points) {
    if (previous !== null) {
      const delta = lon + offset - previous;
      if (delta > 180) offset -= 360;
      else if (delta < -180) offset += 360;
    }
    previous = lon + offset;
    out.push([lat, previous]);
  }
  return out;
}

/**
 * Natural Earth cuts polygons at ±180°, but a ring such as Chukotka's still jumps from 180 to
 * -180 in its middle, which Leaflet draws as a band across the world. Shifting the western
 * half of such rings by 360° keeps them whole. Antarctica legitimately spans every longitude.
 */
function fixAntimeridian(geometry: GeoJSON.Geometry | null): void {
  if (geometry === null) return;
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
  for (const polygon of polygons) {
    for (const ring of polygon) {
      let west = 180;
      let east = -180;
      let south = 90;
      for (const [lon = 0, lat = 0] of ring) { west = Math.min(west, lon); east = Math.max(east, lon); south = Math.min(south, lat); }
      if (east - west <= 180 || south < -60) continue;
      for (const point of ring) if ((point[0] ?? 0) < 0) point[0] = (point[0] ?? 0) + 360;
    }
  }
}

export class FlightMap {
  readonly map: L.Map;
  private readonly renderer = L.canvas({ padding: 0.5 });
  private readonly airportLayer = L.layerGroup();
  private readonly labelLayer = L.layerGroup();
  private readonly routeLayer = L.layerGroup();
  private airports: { info: AirportInfo; marker: L.CircleMarker }[] = [];
  private readonly planes: PlaneLayer;
  private tiles: L.TileLayer | null = null;
  private highlight: L.CircleMarker | null = null;

  constructor(element: HTMLElement, private readonly handlers: { onAirport: (iata: string) => void; onPlane: (plane: PlaneInfo) => void }) {
    this.map = L.map(element, { preferCanvas: true, worldCopyJump: true, minZoom: 2, maxZoom: 12, zoomSnap: 0.5 }).setView([30, 0], 3);
    this.routeLayer.addTo(this.map);
    this.airportLayer.addTo(this.map);
    this.labelLayer.addTo(this.map);
    // The map's box changes without a window resize too (the top bar wraps when the clock and the
    // plane count fill in on a phone, the drawer opens): Leaflet must know, or it centres and
    // draws for a stale size and its canvas misses part of the map.
    new ResizeObserver(() => this.map.invalidateSize()).observe(element);
    L.control.scale({ position: 'bottomleft', maxWidth: 140 }).addTo(this.map);
    createLegend({ open: !window.matchMedia('(max-width: 700px)').matches }).addTo(this.map);
    this.planes = new PlaneLayer(this.map, { onPlane: (plane) => this.handlers.onPlane(plane), tooltip: (plane) => planeTooltip(plane) });
    this.map.on('zoomend', () => this.restyle());
    this.map.on('moveend', () => this.relabel());
    const animate = () => { this.planes.draw(performance.now()); requestAnimationFrame(animate); };
    requestAnimationFrame(animate);
  }

  async loadBasemap(): Promise<void> {
    const response = await fetch(countriesUrl);
    if (!response.ok) throw new Error(`basemap: HTTP ${response.status}`);
    const topology = (await response.json()) as Topology<{ countries: GeometryCollection }>;
    const land = feature(topology, topology.objects.countries);
    for (const country of land.features) fixAntimeridian(country.geometry);
    // Its own pane and canvas under the overlays, whenever it finishes loading.
    const pane = this.map.createPane('basemap');
    pane.style.zIndex = '250';
    const options: L.GeoJSONOptions & L.PathOptions = { interactive: false, pane: 'basemap', renderer: L.canvas({ pane: 'basemap', padding: 0.5 }) };
    L.geoJSON(land, { ...options, style: { color: '#9aa69a', weight: 0.6, fillColor: '#f2efe6', fillOpacity: 1 } }).addTo(this.map);
  }

  setOnlineTiles(enabled: boolean): void {
    if (enabled && this.tiles === null) {
      this.tiles = L.tileLayer('https://tile.openstreetmap.org/{z}/{x}/{y}.png', { maxZoom: 12, attribution: '© OpenStreetMap contributors' }).addTo(this.map);
    } else if (!enabled && this.tiles !== null) {
      this.tiles.remove();
      this.tiles = null;
    }
  }

  setAirports(airports: AirportInfo[]): void {
    this.airportLayer.clearLayers();
    this.airports = airports.map((info) => {
      const marker = L.circleMarker([info.latitude, info.longitude], { renderer: this.renderer, weight: 1, color: '#fff', fillColor: info.large ? '#b4232a' : '#6b7785', fillOpacity: 0.9 });
      marker.bindTooltip(`${info.iata} — ${info.name}, ${info.city} (${info.country})`);
      // A plane drawn over the airport takes the click (the plane layer selects it).
      marker.on('click', (event: L.LeafletMouseEvent) => { if (this.planes.within(this.planes.pointer(event)).length === 0) this.handlers.onAirport(info.iata); });
      return { info, marker };
    });
    for (const { marker } of this.airports) marker.addTo(this.airportLayer);
    this.restyle();
  }

  shownAirportCount(): number {
    return this.airports.filter(({ marker }) => marker.options.opacity !== 0).length;
  }

  /** Sizes airports for the zoom; small ones appear as you zoom in. */
  private restyle(): void {
    const zoom = this.map.getZoom();
    for (const { info, marker } of this.airports) {
      const visible = info.large || zoom >= 5;
      const radius = info.large ? 2 + zoom * 0.55 : 1 + zoom * 0.4;
      marker.setStyle({ opacity: visible ? 1 : 0, fillOpacity: visible ? 0.9 : 0 });
      marker.setRadius(visible ? radius : 0);
    }
    this.relabel();
  }

  /** IATA labels for the airports in view that fit at this zoom (bounded). */
  private relabel(): void {
    const zoom = this.map.getZoom();
    this.labelLayer.clearLayers();
    const bounds = this.map.getBounds().pad(0.05);
    let labels = 0;
    for (const { info } of this.airports) {
      if (labels >= labelsMax) break;
      const wanted = (info.large && zoom >= 4.5) || zoom >= 7;
      if (!wanted || !bounds.contains([info.latitude, info.longitude])) continue;
      L.marker([info.latitude, info.longitude], {
        interactive: false, keyboard: false,
        icon: L.divIcon({ className: 'airport-label', html: info.iata, iconSize: [30, 12], iconAnchor: [-6, 14] }),
      }).addTo(this.labelLayer);
      labels++;
    }
  }

  focusAirport(airport: AirportInfo): void {
    this.map.setView([airport.latitude, airport.longitude], Math.max(this.map.getZoom(), 6));
  }

  /** Rings the airport whose board is open. */
  highlightAirport(airport: AirportInfo | null): void {
    this.highlight?.remove();
    this.highlight = airport === null ? null
      : L.circleMarker([airport.latitude, airport.longitude], { radius: 14, color: '#d9480f', weight: 3, fill: false, interactive: false }).addTo(this.map);
  }

  /** Applies a feed snapshot: new targets for every plane, removing those gone. */
  updatePlanes(planes: PlaneInfo[]): void {
    this.planes.update(planes, performance.now());
  }

  planeCount(): number {
    return this.planes.count();
  }

  planePosition(flightNumber: string): [number, number] | null {
    return this.planes.position(flightNumber);
  }

  /** Centres the map on where a plane is drawn now; false when the feed no longer has it. */
  centreOn(flightNumber: string): boolean {
    const at = this.planes.gliding(flightNumber, performance.now());
    if (at === null) return false;
    this.map.panTo(at, { animate: false });
    return true;
  }

  planeColor(flightNumber: string): string | null {
    return this.planes.colorOf(flightNumber);
  }

  selectedPlane(): string | null {
    return this.planes.selected();
  }

  /** Where a plane is drawn (px from the map's top left), for tests that click it. */
  planePoint(flightNumber: string): [number, number] | null {
    return this.planes.drawnAt(flightNumber);
  }

  /** Draws the route (dashed) and the flown path (solid) of the selected flight. */
  showFlight(flightNumber: string | null, lines: { route: [number, number][]; path: [number, number][] } | null): void {
    this.planes.select(flightNumber);
    this.routeLayer.clearLayers();
    if (lines === null) return;
    if (lines.route.length > 1) L.polyline(unwrap(lines.route), { color: '#1c3f94', weight: 2, dashArray: '6 6', opacity: 0.8, interactive: false }).addTo(this.routeLayer);
    if (lines.path.length > 1) L.polyline(unwrap(lines.path), { color: '#d9480f', weight: 3, opacity: 0.9, interactive: false }).addTo(this.routeLayer);
  }

  fitRoute(route: [number, number][]): void {
    if (route.length > 1) this.map.fitBounds(L.latLngBounds(unwrap(route)), { padding: [40, 40], maxZoom: 7 });
  }
}

function planeTooltip(info: PlaneInfo): string {
  // Tooltip content is HTML: only codes and numbers from the feed go in.
  return `${info.flightNumber} ${info.origin}→${info.destination}<br>${Math.round(info.altitudeFt).toLocaleString('en')} ft · ${info.groundSpeedKmh} km/h · ${info.phase.replace('_', ' ')}`;
}
